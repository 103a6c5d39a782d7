/**
 * The decision pass: the open loans with something due, decided at one chain time, and each action due put in the
 * outbox once (its key). The decisions are the core's (`decide`); this only loads views and stores actions.
 *
 * A pass reads only the loans whose stored next check (`next_check_at`) has come, through an index, in pages: each
 * loan decided gets its next check from the core (`nextWakeUp`: the first time `decide` could ask something it does
 * not ask now), stored with its new actions in one transaction. New facts (the follower's upsert) set the check to
 * 0, so a changed loan is decided at the next pass. Actions done (a reminder sent) only take actions away from
 * what `decide` returns, and their keys are in the outbox already: no new check. A loan with a matched bank payment
 * to relay is decided at every pass while it waits and once after (the relay changes what `decide` sees). The first
 * pass, and every pass whose policy differs from the last full pass's, decides every loan: stored times depend on
 * the policy. Memory is a page (and a commit group of pages), whatever the size of the book.
 */
import type { Logger } from "pino";
import { decide, nextWakeUp, type Action, type BankRecord, type KeeperPolicy } from "../core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../core/loanFacts.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type {
  LoanCheckCursor,
  LoanFactsRow,
  NextCheckParameters,
  PlanActionParameters,
} from "../adapters/store/types.ts";

/** Loans read, decided and stored at a time: bounds a pass's memory. */
export const PLANNER_PAGE_SIZE = 1_000;
/** Pages per transaction: a commit flushes to disk (`synchronous = FULL`), so not one per page. */
export const PLANNER_PAGES_PER_COMMIT = 20;

export interface PlanReturnType {
  /** Loans decided in this pass. */
  readonly loans: number;
  /** Actions `decide` returned (due now, whether new or already in the outbox). */
  readonly due: number;
  /** Actions new to the outbox. */
  readonly planned: number;
  /** Whether every loan was decided (the first pass, or a new policy), not only those due. */
  readonly full: boolean;
}

/** The outbox row of a decided action: its key, what it is about, and what the executor needs. */
export function toPlannedAction(action: Action): PlanActionParameters {
  const base = { key: action.key, loanId: action.loanId, kind: action.kind };
  switch (action.kind) {
    case "declareDefault":
      return {
        ...base,
        installment: action.installment,
        validFrom: action.validFrom,
        payload: { dueTime: action.dueTime },
      };
    case "breachCommitment":
      return {
        ...base,
        installment: action.commitmentInstallment,
        validFrom: action.validFrom,
        payload: { dueTime: action.dueTime, amount: action.amount },
      };
    case "autoDebit":
      return { ...base, installment: 0, validFrom: action.validFrom, payload: { amount: action.amount } };
    case "relayBankPayment":
      return {
        ...base,
        installment: 0,
        validFrom: action.validFrom,
        payload: { bankReference: action.bankReference, amount: action.amount, paidAt: action.paidAt },
      };
    case "defaultNotice":
    case "debtCollectionLetter":
    case "litigationRiskNotice":
      return { ...base, installment: 0, validFrom: action.validFrom, payload: {} };
    default:
      return {
        ...base,
        installment: action.installment,
        validFrom: action.validFrom,
        payload: { dueTime: action.dueTime },
      };
  }
}

export interface PlannerParameters {
  readonly store: Store;
  readonly logger: Logger;
  /** Loans per page (default `PLANNER_PAGE_SIZE`). */
  readonly pageSize?: number;
  /** Pages per transaction (default `PLANNER_PAGES_PER_COMMIT`). */
  readonly pagesPerCommit?: number;
}

/**
 * What of the policy the stored next checks depend on, as one comparable text: every field, in a fixed order, so a
 * field added to `KeeperPolicy` counts without a change here.
 */
function policyKey(policy: KeeperPolicy): string {
  return JSON.stringify(policy, Object.keys(policy).sort());
}

export function createPlanner({
  store,
  logger,
  pageSize = PLANNER_PAGE_SIZE,
  pagesPerCommit = PLANNER_PAGES_PER_COMMIT,
}: PlannerParameters) {
  /** The policy of the last full pass that completed (null: none yet): the stored next checks were set under it. */
  let checkedUnder: string | null = null;
  /** Loans that had a matched bank payment at the last pass: decided once more after it goes (relayed, suspended). */
  let heldBefore = new Set<bigint>();

  /**
   * Matched bank payments of a loan, as `decide` sees them (by the hash the chain credits); a record sent back to
   * suspense (the chain would not credit it) is an operator's, not the keeper's.
   */
  function bankRecordsOf(loanId: bigint): BankRecord[] {
    const records = store
      .bankRecordsOfLoan(loanId)
      .filter((record) => record.state === "matched" || record.state === "relayed");
    return records.map((record) => ({
      bankReference: bankReferenceHashOf(record.source, record.bankReference),
      amount: record.amount,
      paidAt: record.paidAt,
      relayed: record.state === "relayed",
    }));
  }

  return {
    /**
     * Decides, at chain time `now`, the loans with something due (every loan on the first pass and when `policy`
     * changed) and stores their new actions and next checks.
     *
     * @example
     * planner.plan(processedTime, { paused: false });
     */
    plan(now: bigint, policy: KeeperPolicy): PlanReturnType {
      const key = policyKey(policy);
      const full = checkedUnder !== key;
      const withBank = new Set(store.loansWithMatchedBankRecords());
      /** Loans to decide whatever their stored check; each is removed once decided. */
      const forced = new Set([...withBank, ...heldBefore]);
      let loans = 0;
      let due = 0;
      let planned = 0;

      /** Decides one page of loans and stores its actions and next checks (in the caller's transaction). */
      function decidePage(rows: readonly LoanFactsRow[]): void {
        const actions: PlanActionParameters[] = [];
        const checks: NextCheckParameters[] = [];
        for (const row of rows) {
          forced.delete(row.id);
          loans++;
          if (row.facts === null) {
            checks.push({ id: row.id, nextCheckAt: null });
            continue;
          }
          const keeper = keeperFactsFrom({
            defaultedAt: row.defaultedAt,
            progress: store.contactProgressOf(row.id),
            bankRecords: withBank.has(row.id) ? bankRecordsOf(row.id) : [],
          });
          const view = toLoanView(decodeLoanFacts(row.facts), keeper);
          for (const action of decide(view, now, policy)) actions.push(toPlannedAction(action));
          const next = nextWakeUp(view, now, policy);
          if (next !== row.nextCheckAt) checks.push({ id: row.id, nextCheckAt: next });
        }
        due += actions.length;
        if (actions.length !== 0) planned += store.planActions(actions);
        if (checks.length !== 0) store.setNextChecks(checks);
      }

      /**
       * Decides the pages `nextPage` gives until it gives none, `pagesPerCommit` to a transaction: a commit (a
       * flush to disk) per page would cost more than deciding it; a page's actions and next checks are always
       * committed together.
       */
      function decidePages(nextPage: () => readonly LoanFactsRow[]): void {
        let more = true;
        while (more) {
          store.transaction(() => {
            for (let i = 0; i < pagesPerCommit; i++) {
              const rows = nextPage();
              if (rows.length === 0) {
                more = false;
                return;
              }
              decidePage(rows);
            }
          });
        }
      }

      if (full) {
        let afterId = 0n;
        decidePages(() => {
          const rows = store.loanFactsPage(afterId, pageSize);
          if (rows.length !== 0) afterId = rows[rows.length - 1].id;
          return rows;
        });
      } else {
        let after: LoanCheckCursor | null = null;
        decidePages(() => {
          const rows = store.loansDueForCheck(now, after, pageSize);
          if (rows.length !== 0) {
            const last = rows[rows.length - 1];
            after = { nextCheckAt: last.nextCheckAt ?? 0n, id: last.id };
          }
          return rows;
        });
      }
      const rest: LoanFactsRow[] = [];
      for (const id of forced) {
        const row = store.loanFactsOf(id);
        if (row !== undefined) rest.push(row);
      }
      let next = 0;
      decidePages(() => rest.slice(next, (next += pageSize)));

      heldBefore = withBank;
      if (full) checkedUnder = key;
      if (planned !== 0) logger.debug({ now, loans, due, planned, full }, "planned");
      return { loans, due, planned, full };
    },
  };
}
