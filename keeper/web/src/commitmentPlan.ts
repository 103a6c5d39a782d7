/**
 * A borrower's repayment commitment as the template's policy accepts it (`submitCommitment` in
 * contracts/enforcement/Commitments.sol): at most `maxInstallments` installments summing to the whole debt, the last
 * due within `maxSpanDays` of now, a first installment of at least `minFirstPaymentBps` of the total. The split is
 * even in token units; what does not divide goes to the first installment, and the first is raised to the policy's
 * minimum when an even share is below it (the rest then split evenly).
 */

export const DAY_SECONDS = 86_400n;
const BPS = 10_000n;

export interface CommitmentPolicyTerms {
  readonly maxInstallments: number;
  readonly maxSpanDays: number;
  readonly minFirstPaymentBps: number;
}

export interface PlanCommitmentParameters {
  /** The whole debt now (`payoffAmount`), token units. */
  readonly total: bigint;
  readonly installments: number;
  /** Days between installments; the first falls due one interval after `now`. */
  readonly intervalDays: number;
  /** Chain time, unix seconds. */
  readonly now: bigint;
  readonly policy: CommitmentPolicyTerms;
}

export interface CommitmentPlan {
  readonly dueTimes: readonly bigint[];
  readonly amounts: readonly bigint[];
}

/** Why a plan is outside the policy; the page names it in the borrower's language. */
export type PlanProblem = "noDebt" | "tooManyInstallments" | "tooLong" | "badInput";

/** The plan, or the reason the policy would refuse it. */
export function planCommitment(parameters: PlanCommitmentParameters): CommitmentPlan | PlanProblem {
  const { total, installments, intervalDays, now, policy } = parameters;
  if (!Number.isInteger(installments) || !Number.isInteger(intervalDays) || installments < 1 || intervalDays < 1)
    return "badInput";
  if (total <= 0n) return "noDebt";
  if (installments > policy.maxInstallments || BigInt(installments) > total) return "tooManyInstallments";
  if (installments * intervalDays > policy.maxSpanDays) return "tooLong";
  const count = BigInt(installments);
  const minimumFirst = (total * BigInt(policy.minFirstPaymentBps) + BPS - 1n) / BPS;
  const evenShare = total / count;
  const first = total - evenShare * (count - 1n) >= minimumFirst ? total - evenShare * (count - 1n) : minimumFirst;
  const rest = count === 1n ? 0n : (total - first) / (count - 1n);
  if (count > 1n && rest === 0n) return "tooManyInstallments";
  const amounts = Array.from({ length: installments }, (_, k) => (k === 0 ? total - rest * (count - 1n) : rest));
  const dueTimes = amounts.map((_, k) => now + BigInt((k + 1) * intervalDays) * DAY_SECONDS);
  return { dueTimes, amounts };
}

/** A commitment as the chain keeps it (`commitmentOf`): each installment's due time and the running total due by then. */
export interface CommitmentEntry {
  readonly dueTime: bigint;
  readonly cumulative: bigint;
}

/**
 * The next installment of a commitment still owed, from the plan and the debt left (`payoffAmount`): what was paid
 * is the plan's total less the debt left; the next installment is the first whose running total is not yet paid,
 * and what is left of it. Null once nothing is left.
 */
export function nextCommitmentInstallment(
  entries: readonly CommitmentEntry[],
  debtLeft: bigint,
): { number: number; dueTime: bigint; amount: bigint } | null {
  const total = entries.at(-1)?.cumulative ?? 0n;
  const paid = total > debtLeft ? total - debtLeft : 0n;
  const index = entries.findIndex((entry) => entry.cumulative > paid);
  if (index === -1 || debtLeft === 0n) return null;
  return { number: index + 1, dueTime: entries[index]!.dueTime, amount: entries[index]!.cumulative - paid };
}
