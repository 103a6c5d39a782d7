/**
 * The decision pass: every open loan in the store, decided at one chain time, and each action due put in the
 * outbox once (its key). The decisions are the core's (`decide`); this only loads views and stores actions.
 */
import type { Logger } from "pino";
import { decide, type Action, type BankRecord, type KeeperPolicy } from "../core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView, type LoanFacts } from "../core/loanFacts.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { PlanActionParameters } from "../adapters/store/types.ts";

export interface PlanReturnType {
  readonly loans: number;
  /** Actions `decide` returned (due now, whether new or already in the outbox). */
  readonly due: number;
  /** Actions new to the outbox. */
  readonly planned: number;
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

export function createPlanner({ store, logger }: { store: Store; logger: Logger }) {
  /**
   * Facts decoded on an earlier pass, by loan, with the text they came from: a loan whose stored text is unchanged
   * is not decoded again (decoding is most of a pass over an unchanged book).
   */
  const decoded = new Map<bigint, { text: string; facts: LoanFacts }>();
  /** Keys known to be in the outbox: rows are never deleted, so a key once stored needs no second insert. */
  const stored = new Set<string>();

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
     * Decides every open loan at chain time `now` and stores the new actions.
     *
     * @example
     * planner.plan(processedTime, { paused: false });
     */
    plan(now: bigint, policy: KeeperPolicy): PlanReturnType {
      const progress = store.contactProgress();
      const withBank = new Set(store.loansWithMatchedBankRecords());
      let loans = 0;
      let planned = 0;
      // Decide while reading, store after: SQLite cannot write on a connection that is still iterating.
      const due: Action[] = [];
      for (const row of store.openLoanFacts()) {
        loans++;
        let cached = decoded.get(row.id);
        if (cached === undefined || cached.text !== row.facts) {
          cached = { text: row.facts, facts: decodeLoanFacts(row.facts) };
          decoded.set(row.id, cached);
        }
        const facts = cached.facts;
        const keeper = keeperFactsFrom({
          defaultedAt: row.defaultedAt,
          progress: progress.get(row.id),
          bankRecords: withBank.has(row.id) ? bankRecordsOf(row.id) : [],
        });
        for (const action of decide(toLoanView(facts, keeper), now, policy)) due.push(action);
      }
      const fresh = due.filter((action) => !stored.has(action.key));
      if (fresh.length !== 0) {
        planned = store.planActions(fresh.map(toPlannedAction));
        for (const action of fresh) stored.add(action.key);
      }
      if (planned !== 0) logger.debug({ now, loans, due: due.length, planned }, "planned");
      return { loans, due: due.length, planned };
    },
  };
}
