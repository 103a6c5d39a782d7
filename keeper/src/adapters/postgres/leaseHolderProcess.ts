/**
 * Test helper for leaderLease.test.ts: a keeper process that only contends for a lease, to be killed with SIGKILL
 * (no stop(), no release: its lease must expire). Prints one JSON line per event on stdout:
 * `{"acquired":<epoch>}` and `{"lost":"<reason>"}`.
 *
 * Usage: node leaseHolderProcess.ts <postgres url> <lease name> <holder id> <ttl ms>
 */
import { createLeaderLease } from "./leaderLease.ts";

const [url, name, holderId, ttl] = process.argv.slice(2);
if (url === undefined || name === undefined || holderId === undefined || ttl === undefined) {
  console.error("usage: leaseHolderProcess.ts <postgres url> <lease name> <holder id> <ttl ms>");
  process.exit(2);
}
const lease = createLeaderLease({
  url,
  name,
  holderId,
  ttlMs: Number(ttl),
  onAcquired: (epoch) => console.log(JSON.stringify({ acquired: epoch })),
  onLost: (reason) => console.log(JSON.stringify({ lost: reason })),
});
await lease.start();
