/**
 * The engine's view of a running keeper, over its HTTP API: wait until it has caught up with the chain and has
 * nothing left to do, and read its loans-by-status gauge for the progress line.
 */
import type { PublicClient } from "viem";

/** `/health`'s body, as far as the engine reads it (bigints arrive as decimal strings). */
export interface KeeperHealth {
  readonly status: "ok" | "degraded" | "starting";
  readonly head: string | null;
  readonly processedBlock: string | null;
  readonly processedTime: string | null;
  readonly idle: boolean;
  readonly ticks: number;
  readonly lastError: string | null;
}

/** The keeper did not catch up in time. */
export class KeeperLagError extends Error {
  override readonly name = "KeeperLagError";
}

export interface KeeperLink {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  health(): Promise<KeeperHealth>;
  /**
   * Resolves once the keeper has processed the chain's head and is idle, twice in a row at the same head on two
   * different passes (its own transactions make new blocks: a head that moves starts the count again).
   */
  waitUntilCaughtUp(options?: { timeoutMs?: number }): Promise<{ polls: number }>;
  /** `keeper_loans` from `/metrics`: loans by status name at the keeper's processed block time. */
  loansByStatus(): Promise<Map<string, number>>;
}

const POLL_MS = 10;
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * @example
 * const keeper = createKeeperLink({ url: "http://127.0.0.1:9464", client });
 * await keeper.waitUntilCaughtUp();
 */
export function createKeeperLink({ url, client }: { url: string; client: PublicClient }): KeeperLink {
  async function health(): Promise<KeeperHealth> {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
    // 503 (degraded, starting) still carries the body.
    return (await response.json()) as KeeperHealth;
  }

  return {
    url,
    health,

    async waitUntilCaughtUp({ timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      const deadline = performance.now() + timeoutMs;
      let confirmed: { head: bigint; ticks: number } | null = null;
      let last: KeeperHealth | null = null;
      for (let polls = 1; ; polls++) {
        const [head, status] = await Promise.all([client.getBlockNumber({ cacheTime: 0 }), health().catch(() => null)]);
        // A keeper that does not answer (restarting after a crash) has not caught up.
        if (status !== null) last = status;
        const caughtUp =
          status !== null &&
          status.idle &&
          status.lastError === null &&
          status.processedBlock !== null &&
          BigInt(status.processedBlock) >= head;
        if (!caughtUp) confirmed = null;
        else if (confirmed === null || confirmed.head !== head) confirmed = { head, ticks: status.ticks };
        else if (status.ticks !== confirmed.ticks) return { polls }; // another pass (or another process)
        if (performance.now() > deadline) {
          throw new KeeperLagError(
            `the keeper did not catch up within ${timeoutMs} ms: head ${head}, last health ${JSON.stringify(last)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },

    async loansByStatus() {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      const counts = new Map<string, number>();
      for (const match of text.matchAll(/^keeper_loans\{status="(\w+)"\} (\d+)/gm)) {
        counts.set(match[1], Number(match[2]));
      }
      return counts;
    },
  };
}
