/**
 * leaderLink.ts against fake keepers: small HTTP servers whose `/health` the test sets, and a fake chain head. The
 * failover test relies on it to find the leader, to time a takeover and to wait for the leader of the moment.
 */
import { after, describe, it } from "node:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import type { PublicClient } from "viem";
import { createLeaderLink, findLeader, waitForNewLeader, type LeaseHealth } from "./leaderLink.ts";

interface FakeKeeper {
  readonly url: string;
  /** What `/health` answers; null: the connection is refused (killed). */
  health: Partial<LeaseHealth> | null;
  server: Server;
}

const fakes: FakeKeeper[] = [];
after(async () => {
  await Promise.all(fakes.map((fake) => new Promise((resolve) => fake.server.close(resolve))));
});

async function fakeKeeper(health: Partial<LeaseHealth> | null): Promise<FakeKeeper> {
  const fake = { health } as FakeKeeper;
  fake.server = createServer((request, response) => {
    if (fake.health === null) {
      request.socket.destroy();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(fake.health));
  });
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  Object.assign(fake, { url: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}` });
  fakes.push(fake);
  return fake;
}

const standby: Partial<LeaseHealth> = { role: "standby", leaseEpoch: null, idle: true, processedBlock: "0", ticks: 0 };
const leader = (epoch: number, ticks: number, processedBlock = "10"): Partial<LeaseHealth> => ({
  role: "leader",
  leaseEpoch: epoch,
  idle: true,
  processedBlock,
  lastError: null,
  ticks,
});
const chainAt = (head: bigint) => ({ getBlockNumber: async () => head }) as unknown as PublicClient;

describe("leaderLink", () => {
  it("finds the keeper that leads, the higher epoch of two, and none when none leads or answers", async () => {
    const [a, b, c] = await Promise.all([fakeKeeper(standby), fakeKeeper(leader(3, 1)), fakeKeeper(null)]);
    const urls = [a.url, b.url, c.url];
    expect(await findLeader(urls)).to.include({ index: 1, url: b.url });
    a.health = leader(4, 1);
    expect((await findLeader(urls))!.index).to.equal(0);
    a.health = standby;
    b.health = null;
    expect(await findLeader(urls)).to.equal(null);
  });

  it("waits for a leader above an epoch, and gives up after its timeout", async () => {
    const [a, b] = await Promise.all([fakeKeeper(leader(2, 1)), fakeKeeper(standby)]);
    const urls = () => [a.url, b.url];
    const waiting = waitForNewLeader({ urls, aboveEpoch: 2, timeoutMs: 5_000 });
    a.health = null;
    setTimeout(() => (b.health = leader(3, 1)), 100);
    const next = await waiting;
    expect(next.index).to.equal(1);
    expect(next.health.leaseEpoch).to.equal(3);
    let failure: unknown;
    await waitForNewLeader({ urls, aboveEpoch: 3, timeoutMs: 200 }).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/no keeper took over/);
  });

  it("waits until the same leader has caught up on two of its passes, again after a takeover", async () => {
    const [a, b] = await Promise.all([fakeKeeper(leader(1, 5, "9")), fakeKeeper(standby)]);
    const link = createLeaderLink({ urls: () => [a.url, b.url], client: chainAt(10n) });
    let done = false;
    const waiting = link.waitUntilCaughtUp({ timeoutMs: 5_000 }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done, "behind the head").to.equal(false);
    a.health = leader(1, 6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done, "one pass at the head").to.equal(false);
    // A takeover before the second pass: the new leader's first pass does not count as the old one's second.
    a.health = null;
    b.health = leader(2, 7);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(done, "the new leader's first pass").to.equal(false);
    b.health = leader(2, 8);
    await waiting;
    expect(link.url).to.equal(b.url);
  });
});
