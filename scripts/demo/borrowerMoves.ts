/**
 * What the people of a loan do on a given day, from its script and what the engine knows: the borrower (pay, sign
 * a commitment, object, turn auto-debit on, pay at the bank), the notary (certify, decide an objection). Pure: the
 * amounts are read from the chain when the move is made (`playDays.ts`). Never a default or a breach: the keeper
 * declares those.
 */
import { PAY_OFFSET_DAYS, STORY, isDefaulting } from "./behaviours.ts";
import type { DemoLoan } from "./loanProgress.ts";

/** Every kind of move, for counting them. */
export const MOVE_KINDS = [
  "payInstallment",
  "bankPayment",
  "enableAutoDebit",
  "payAllDue",
  "commit",
  "payCommitment",
  "fileObjection",
  "resolveObjection",
  "certify",
] as const satisfies readonly Move["kind"][];

export type Move =
  /** Repay installment `installment` (what is due, or the installment itself when nothing is due yet). */
  | { kind: "payInstallment"; installment: number }
  /** Pay at the lender's bank (the bank feed reports it; the keeper relays it). */
  | { kind: "bankPayment"; installment: number }
  | { kind: "enableAutoDebit" }
  /** After an upheld objection: pay everything due, then back to paying on time. */
  | { kind: "payAllDue" }
  | { kind: "commit" }
  | { kind: "payCommitment"; index: number }
  | { kind: "fileObjection" }
  | { kind: "resolveObjection"; upheld: boolean }
  | { kind: "certify" };

/**
 * The moves of loan `loan` on day `day` (from origination). A move that was due on an earlier day and not made is
 * made now (the engine plays every day, so this only matters for a caller that skips days).
 *
 * @example
 * for (const loan of world.loans) for (const move of movesOf(loan, world.day)) ...
 */
export function movesOf(loan: DemoLoan, day: number): Move[] {
  const { script, progress } = loan;
  if (progress.closedDay !== null) return [];
  const template = script.template;
  const next = progress.nextInstallment;
  const onTime = (limit: number): Move[] =>
    next <= limit && next <= template.installments && day >= template.dueDay(next) + PAY_OFFSET_DAYS.onTime
      ? [{ kind: "payInstallment", installment: next }]
      : [];

  switch (script.behaviour) {
    case "onTime":
    case "lateInGrace":
    case "lateAfterGrace":
      return next <= template.installments && day >= template.dueDay(next) + PAY_OFFSET_DAYS[script.behaviour]
        ? [{ kind: "payInstallment", installment: next }]
        : [];
    case "bankFeed":
      return next <= template.installments && day >= template.dueDay(next) + PAY_OFFSET_DAYS.onTime
        ? [{ kind: "bankPayment", installment: next }]
        : [];
    case "autoDebit":
      return progress.autoDebitOn ? [] : [{ kind: "enableAutoDebit" }];
    default:
      break;
  }
  if (!isDefaulting(script.behaviour)) return [];

  // An upheld objection: the default is annulled; pay what is due, then on time to the end.
  if (progress.decision?.upheld) {
    if (progress.resumedDay === null) return day > progress.decision.day ? [{ kind: "payAllDue" }] : [];
    return onTime(template.installments);
  }
  const defaulted = progress.defaultedDay;
  // Before the default: the installments before `stopAt` on time, then nothing.
  if (defaulted === null && progress.decision === null) return onTime(script.stopAt - 1);
  if (defaulted === null) return [];

  switch (script.behaviour) {
    case "defaulter":
      return script.certify && progress.certifiedDay === null && day >= defaulted + STORY.certifyAfterDefault
        ? [{ kind: "certify" }]
        : [];
    case "commitKeeper":
    case "commitBreaker": {
      const commitment = progress.commitment;
      if (commitment === null) return day >= defaulted + STORY.commitAfterDefault ? [{ kind: "commit" }] : [];
      if (progress.breachedDay !== null) {
        return progress.certifiedDay === null && day >= progress.breachedDay + STORY.certifyAfterBreach
          ? [{ kind: "certify" }]
          : [];
      }
      const index = commitment.paid;
      const keeps = script.behaviour === "commitKeeper" || index + 1 < script.breakAt;
      return keeps && index < commitment.dueDays.length && day >= commitment.dueDays[index] - 1
        ? [{ kind: "payCommitment", index }]
        : [];
    }
    case "objectorUpheld":
    case "objectorRejected": {
      if (progress.objectionDay === null) {
        return day >= defaulted + STORY.objectAfterDefault ? [{ kind: "fileObjection" }] : [];
      }
      if (progress.decision === null) {
        return day >= progress.objectionDay + STORY.decideAfterObjection
          ? [{ kind: "resolveObjection", upheld: script.behaviour === "objectorUpheld" }]
          : [];
      }
      // Rejected: the notary certifies the default.
      return progress.certifiedDay === null && day >= progress.decision.day + STORY.afterDecision
        ? [{ kind: "certify" }]
        : [];
    }
    default:
      return [];
  }
}
