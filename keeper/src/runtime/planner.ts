/**
 * The decision pass: every open loan in the store, decided at one chain time, and each action due put in the
 * outbox once (its key). The decisions are the core's (`decide`); this only loads views and stores actions.
 */
import type { Logger } from "pino";
import { decide, type Action, type BankRecord, type KeeperPolicy } from "../core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../core/loanFacts.ts";
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
  /** Matched bank payments of a loan, as `decide` sees them (by the hash the chain credits). */
  function bankRecordsOf(loanId: bigint): BankRecord[] {
    return store.bankRecordsOfLoan(loanId).map((record) => ({
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
      let due = 0;
      let planned = 0;
      store.transaction(() => {
        for (const row of store.openLoanFacts()) {
          loans++;
          const facts = decodeLoanFacts(row.facts);
          const keeper = keeperFactsFrom({
            defaultedAt: row.defaultedAt,
            progress: progress.get(row.id),
            bankRecords: withBank.has(row.id) ? bankRecordsOf(row.id) : [],
          });
          for (const action of decide(toLoanView(facts, keeper), now, policy)) {
            due++;
            if (store.enqueueAction(toPlannedAction(action)).created) planned++;
          }
        }
      });
      if (planned !== 0) logger.debug({ now, loans, due, planned }, "planned");
      return { loans, due, planned };
    },
  };
}
