/**
 * The engine's view of several keepers sharing one PostgreSQL book (issue 9's leader lease): of them one leads
 * (follows the chain, plans and sends) and the others stand by. `createLeaderLink` is a `KeeperLink` (what
 * `playDays` waits on each day) that, at each poll, asks every keeper's `/health` which one leads, and waits until
 * that one has caught up; `findLeader` and `waitForNewLeader` are what the failover test kills and times with.
 *
 * A standby answers `/health` 200 with `role: "standby"`; its `idle` and `processedBlock` say nothing, so only the
 * leader's are read. A keeper alone on its store (SQLite) says `role: "single"` and counts as the leader.
 */
import type { PublicClient } from "viem";
import { KeeperLagError, type KeeperHealth, type KeeperLink } from "../../../scripts/demo/keeperLink.ts";

/** `/health`'s body with the lease's fields. */
export interface LeaseHealth extends KeeperHealth {
  readonly role: "leader" | "standby" | "single";
  readonly leaseEpoch: number | null;
}

/** A keeper that says it leads, at one moment. */
export interface LeaderSighting {
  /** Which of the URLs (its index). */
  readonly index: number;
  readonly url: string;
  readonly health: LeaseHealth;
  /** `Date.now()` when its answer arrived. */
  readonly seenAt: number;
}

const POLL_MS = 10;
const DEFAULT_TIMEOUT_MS = 120_000;
const HEALTH_TIMEOUT_MS = 2_000;

/** `/health` of one keeper; null when it does not answer (killed, restarting) or answers garbage. */
export async function leaseHealth(url: string): Promise<LeaseHealth | null> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    // 503 (degraded, starting) still carries the body.
    const body = (await response.json()) as LeaseHealth;
    return typeof body === "object" && body !== null ? body : null;
  } catch {
    return null;
  }
}

const leads = (health: LeaseHealth | null): health is LeaseHealth =>
  health !== null && (health.role === "leader" || health.role === "single");

/**
 * The keeper that leads now, by asking them all at once; null when none says so. Should two say so (an old leader
 * that has not noticed yet), the one with the higher lease epoch.
 *
 * @example
 * const leader = await findLeader(keepers.map((k) => k.url)); // { index: 1, url, health: { role: "leader", ... } }
 */
export async function findLeader(urls: readonly string[]): Promise<LeaderSighting | null> {
  const answers = await Promise.all(urls.map(leaseHealth));
  const seenAt = Date.now();
  let best: LeaderSighting | null = null;
  for (const [index, health] of answers.entries()) {
    if (!leads(health)) continue;
    if (best === null || (health.leaseEpoch ?? 0) > (best.health.leaseEpoch ?? 0)) {
      best = { index, url: urls[index], health, seenAt };
    }
  }
  return best;
}

/**
 * Polls every keeper's `/health` each `pollMs` until one leads with a lease epoch above `aboveEpoch` (a takeover
 * after the holder of `aboveEpoch` died); rejects after `timeoutMs`.
 *
 * @example
 * const killedAt = Date.now();
 * await leader.process.kill("SIGKILL");
 * const next = await waitForNewLeader({ urls, aboveEpoch: 3, timeoutMs: 10_000 }); // next.seenAt - killedAt
 */
export async function waitForNewLeader(parameters: {
  urls: () => readonly string[];
  aboveEpoch: number;
  timeoutMs: number;
  pollMs?: number;
}): Promise<LeaderSighting> {
  const { aboveEpoch, timeoutMs, pollMs = 25 } = parameters;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const started = performance.now();
    const leader = await findLeader(parameters.urls());
    if (leader !== null && (leader.health.leaseEpoch ?? 0) > aboveEpoch) return leader;
    if (performance.now() > deadline) {
      throw new Error(`no keeper took over the lease (epoch > ${aboveEpoch}) within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pollMs - (performance.now() - started))));
  }
}

/**
 * A `KeeperLink` over keepers sharing one book: `waitUntilCaughtUp` resolves once the current leader has processed
 * the chain's head and is idle, twice in a row at the same head on two of its passes, the same leader (URL and
 * lease epoch) both times: a takeover between the two starts the count again. `urls` is read at each poll (a test
 * may restart a keeper elsewhere); `url`, `health` and `loansByStatus` are the last leader's.
 *
 * @example
 * const link = createLeaderLink({ urls: () => keepers.map((k) => k.url), client: world.rpc.client });
 * await playDays({ world, keeper: link, bankFeed, days: 120 });
 */
export function createLeaderLink({
  urls,
  client,
}: {
  urls: () => readonly string[];
  client: PublicClient;
}): KeeperLink & { leader(): Promise<LeaderSighting | null> } {
  let lastUrl = urls()[0];
  const leader = async () => {
    const found = await findLeader(urls());
    if (found !== null) lastUrl = found.url;
    return found;
  };

  return {
    get url() {
      return lastUrl;
    },
    leader,

    async health() {
      const found = await leader();
      if (found === null) throw new Error(`no keeper leads (of ${urls().join(", ")})`);
      return found.health;
    },

    async waitUntilCaughtUp({ timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      const deadline = performance.now() + timeoutMs;
      let confirmed: { who: string; head: bigint; ticks: number } | null = null;
      let last: LeaderSighting | null = null;
      for (let polls = 1; ; polls++) {
        const [head, found] = await Promise.all([client.getBlockNumber({ cacheTime: 0 }), leader()]);
        if (found !== null) last = found;
        const status = found?.health;
        const caughtUp =
          status !== undefined &&
          status.idle &&
          status.lastError === null &&
          status.processedBlock !== null &&
          BigInt(status.processedBlock) >= head;
        const who = found === null ? "" : `${found.url}#${found.health.leaseEpoch}`;
        if (!caughtUp) confirmed = null;
        else if (confirmed === null || confirmed.head !== head || confirmed.who !== who) {
          confirmed = { who, head, ticks: status.ticks };
        } else if (status.ticks !== confirmed.ticks) return { polls }; // another pass of the same leader
        if (performance.now() > deadline) {
          throw new KeeperLagError(
            `no leader caught up within ${timeoutMs} ms: head ${head}, last leader ${JSON.stringify(last)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },

    async loansByStatus() {
      const response = await fetch(`${lastUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      const counts = new Map<string, number>();
      for (const match of text.matchAll(/^keeper_loans\{status="(\w+)"\} (\d+)/gm)) {
        counts.set(match[1], Number(match[2]));
      }
      return counts;
    },
  };
}
