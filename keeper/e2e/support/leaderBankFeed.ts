/**
 * The demo's bank, reporting to whichever of several keepers sharing one book leads (the failover test). The demo
 * bank (`demoBankFeed.ts`) retries one URL until it answers; here the keeper at that URL may have been killed and
 * restarted as a standby, so each report goes to the leader of the moment and, when it is not stored within a
 * short while (the leader died meanwhile), to the leader found next. A refusal (4xx) is still an error at once.
 */
import { BankFeedError, createDemoBankFeed, type DemoBankFeed } from "../../../scripts/demo/demoBankFeed.ts";
import type { LeaderSighting } from "./leaderLink.ts";

/** How long one keeper has to store a report before the leader is looked up again. */
const ATTEMPT_TIMEOUT_MS = 3_000;
const DEFAULT_TIMEOUT_MS = 120_000;
const NO_LEADER_PAUSE_MS = 25;

/**
 * @example
 * const bankFeed = createLeaderBankFeed({ leader: () => link.leader() });
 * await playDays({ world, keeper: link, bankFeed, days: 120 });
 */
export function createLeaderBankFeed(parameters: {
  leader: () => Promise<LeaderSighting | null>;
  timeoutMs?: number;
}): DemoBankFeed {
  const { leader, timeoutMs = DEFAULT_TIMEOUT_MS } = parameters;
  return {
    async report(payment) {
      const deadline = performance.now() + timeoutMs;
      let last: unknown = new Error("no keeper led");
      while (performance.now() < deadline) {
        const found = await leader();
        if (found === null) {
          await new Promise((resolve) => setTimeout(resolve, NO_LEADER_PAUSE_MS));
          continue;
        }
        try {
          return await createDemoBankFeed({ url: found.url, timeoutMs: ATTEMPT_TIMEOUT_MS }).report(payment);
        } catch (error) {
          // "refused": the keeper answered 4xx, which another keeper would too.
          if (!(error instanceof BankFeedError) || /refused/.test(error.message)) throw error;
          last = error;
        }
      }
      throw new BankFeedError(
        `no leader stored bank payment ${payment.bankReference} within ${timeoutMs} ms (${String(last)})`,
      );
    },
  };
}
