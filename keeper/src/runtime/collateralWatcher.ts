/**
 * The collateral watcher: the keeper's side of the book's `CollateralWatch` (issue 10, seed 001's post-loan
 * management). At most once per `intervalSeconds` of chain time, it reads `marginOf` for every Active or Late loan of
 * a template with valuation terms, and plans, through the outbox (so each is done once, by its key):
 * - at or past the warning loan-to-value: a margin call on chain (`callMargin`, the `MarginCall` event is the
 *   evidence) and a margin-call letter to the borrower (the contact desk sends it under the contact rules), at most
 *   one of each per loan per `MARGIN_CALL_PERIOD_SECONDS`;
 * - at or past the default loan-to-value, or a tracker's alarm (moved, silent): `declareDefault`, keyed as the decision
 *   core keys it (`<loan>:declareDefault:d<epoch>`), so a default due on days past due too is declared once.
 * A value the watch calls unknown (stale, never reported, a feed answering zero or less) plans nothing and is logged:
 * it neither defaults a loan nor keeps it safe, and an operator should know the feed is down.
 *
 * The chain decides: the executor simulates each action before sending it, so a value that recovered in between
 * drops the action (`CollateralWatch_NoMarginCall`, `LoanBook_DefaultNotYetTriggered`).
 */
import type { Address, PublicClient } from "viem";
import type { Logger } from "pino";
import { collateralWatchAbi } from "../abi/collateral.ts";
import { loanBookAbi } from "../abi/loanBook.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { PlanActionParameters } from "../adapters/store/types.ts";
import { decodeLoanFacts } from "../core/loanFacts.ts";
import { Margin } from "../core/valuations.ts";
import { MARGIN_CALL_KIND } from "./executor.ts";

export { Margin };

/** A loan under its warning gets one margin call (and one letter) per this period at most. */
export const MARGIN_CALL_PERIOD_SECONDS = 7n * 86_400n;
/** How often the watcher reads the margins by default (chain seconds). */
export const MARGIN_CHECK_INTERVAL_SECONDS = 60n;
/** Loans read per page. */
const PAGE_SIZE = 200;

export interface CollateralWatcherParameters {
  readonly client: PublicClient;
  readonly store: Store;
  readonly loanBook: Address;
  /** The book's collateral watch (`collateralModules()`). */
  readonly watch: Address;
  readonly logger: Logger;
  readonly intervalSeconds?: bigint;
}

export interface MarginCheckReturnType {
  /** Loans whose margin was read (0 when the interval has not passed). */
  readonly loans: number;
  readonly marginCalls: number;
  readonly defaults: number;
  readonly unknown: number;
}

/**
 * The outbox rows for one loan's margin standing at chain time `now` (pure). `debt` is what the watch measured the
 * loan-to-value with (`payoffAmount`): the margin-call letter states it.
 */
export function marginActions(
  loanId: bigint,
  margin: number,
  defaultEpoch: bigint,
  now: bigint,
  debt = 0n,
): PlanActionParameters[] {
  if (margin === Margin.Warning) {
    const period = now / MARGIN_CALL_PERIOD_SECONDS;
    const base = { loanId, installment: 0, validFrom: now };
    return [
      { ...base, key: `${loanId}:${MARGIN_CALL_KIND}:p${period}`, kind: MARGIN_CALL_KIND, payload: {} },
      { ...base, key: `${loanId}:marginCallNotice:p${period}`, kind: "marginCallNotice", payload: { debt } },
    ];
  }
  if (margin >= Margin.Default) {
    return [
      {
        key: `${loanId}:declareDefault:d${defaultEpoch}`,
        loanId,
        kind: "declareDefault",
        installment: 0,
        validFrom: now,
        payload: { dueTime: 0n, collateralReason: margin },
      },
    ];
  }
  return [];
}

export function createCollateralWatcher(parameters: CollateralWatcherParameters) {
  const { client, store, loanBook, watch, logger } = parameters;
  const interval = parameters.intervalSeconds ?? MARGIN_CHECK_INTERVAL_SECONDS;
  /** Templates known to have valuation terms (set once, never unset). */
  const watched = new Set<bigint>();
  let templatesSeen = 0n;
  let lastCheck: bigint | null = null;

  /** Reads the terms of templates not yet known to have them (new templates, and terms set since). */
  async function refreshTemplates(): Promise<void> {
    const count = (await client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: "templateCount",
    })) as bigint;
    const unknown: bigint[] = [];
    for (let id = 1n; id <= count; id++) if (!watched.has(id)) unknown.push(id);
    const terms = await Promise.all(
      unknown.map(
        (id) =>
          client.readContract({
            address: watch,
            abi: collateralWatchAbi,
            functionName: "termsOf",
            args: [id],
          }) as Promise<{
            source: number;
          }>,
      ),
    );
    unknown.forEach((id, i) => {
      if (terms[i].source !== 0) watched.add(id);
    });
    templatesSeen = count;
  }

  return {
    /** Reads the watched loans' margins at chain time `now` and plans what they call for. */
    async check(now: bigint): Promise<MarginCheckReturnType> {
      if (lastCheck !== null && now < lastCheck + interval)
        return { loans: 0, marginCalls: 0, defaults: 0, unknown: 0 };
      await refreshTemplates();
      let loans = 0;
      let marginCalls = 0;
      let defaults = 0;
      let unknown = 0;
      for (const templateId of [...watched].sort()) {
        let after = 0n;
        for (;;) {
          const page = store.openLoansOfTemplate(templateId, after, PAGE_SIZE);
          if (page.length === 0) break;
          after = page[page.length - 1].id;
          const margins = await Promise.all(
            page.map(
              (row) =>
                client.readContract({
                  address: watch,
                  abi: collateralWatchAbi,
                  functionName: "marginOf",
                  args: [row.id],
                }) as Promise<readonly [number, bigint, bigint, bigint]>,
            ),
          );
          const actions: PlanActionParameters[] = [];
          page.forEach((row, i) => {
            const [margin, debt, value] = margins[i];
            loans++;
            if (margin === Margin.Unknown) {
              unknown++;
              logger.warn({ loanId: row.id, templateId }, "collateral value unknown (stale or missing)");
              return;
            }
            const epoch = row.facts === null ? 0n : BigInt(decodeLoanFacts(row.facts).annulledAt);
            const planned = marginActions(row.id, margin, epoch, now, debt);
            if (planned.length === 0) return;
            if (margin === Margin.Warning) marginCalls++;
            else defaults++;
            logger.info({ loanId: row.id, margin, debt, value }, "collateral margin");
            actions.push(...planned);
          });
          if (actions.length !== 0) store.planActions(actions);
          if (page.length < PAGE_SIZE) break;
        }
      }
      lastCheck = now;
      return { loans, marginCalls, defaults, unknown };
    },

    /** Templates with valuation terms, and how many templates were read. */
    status: () => ({ watchedTemplates: watched.size, templatesSeen: Number(templatesSeen) }),
  };
}

export type CollateralWatcher = ReturnType<typeof createCollateralWatcher>;
