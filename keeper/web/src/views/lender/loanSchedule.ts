/**
 * A loan's whole schedule for its page: the contract's schedule math (`scheduleMath.ts`) over the loan's template
 * and start as the chain holds them (read through the wallet), with what the keeper saw paid toward each installment.
 * The keeper itself holds only the installments owed now and the next one (`installmentBreakdown`: from the oldest
 * not paid in full); without a wallet to read the chain with, those are all the page shows.
 */
import type { Address } from "viem";
import { bookChain, loanBookAbi } from "../../chain.ts";
import type { InstallmentJson } from "../../api.ts";
import { schedule, SCHEDULE_KINDS, type ScheduleKind } from "../../../../src/core/scheduleMath.ts";
import type { LoanEvidenceJson } from "../../lenderApi.ts";
import type { ViewContext } from "../context.ts";

export interface ScheduleRow {
  readonly number: number;
  readonly dueTime: bigint;
  readonly principal: bigint;
  readonly interest: bigint;
  /**
   * What was paid toward it: as the keeper holds it; in full for one before the oldest the keeper holds (the chain
   * lists from the oldest not paid in full); null when unknown (not due yet, or the keeper holds none at all).
   */
  readonly paid: bigint | null;
}

export interface LoanSchedule {
  /** `chain`: the whole schedule at origination; `keeper`: the installments the keeper holds. */
  readonly source: "chain" | "keeper";
  readonly rows: readonly ScheduleRow[];
}

const keeperRow = (row: InstallmentJson): ScheduleRow => ({
  number: row.number,
  dueTime: BigInt(row.dueTime),
  principal: BigInt(row.principal),
  interest: BigInt(row.interest),
  paid: BigInt(row.paid),
});

/**
 * @example
 * const { source, rows } = await loanSchedule(context, evidence);
 */
export async function loanSchedule(context: ViewContext, evidence: LoanEvidenceJson): Promise<LoanSchedule> {
  const held = { source: "keeper", rows: evidence.installments.map(keeperRow) } as const;
  const chain = bookChain(context.wallet.provider, context.display);
  if (chain === null) return held;
  try {
    const templateId = BigInt(evidence.loan.templateId);
    const [template, plan, loan] = (await Promise.all([
      chain.read({ abi: loanBookAbi, functionName: "templateOf", args: [templateId] }),
      chain.read({ abi: loanBookAbi, functionName: "planOf", args: [templateId] }),
      chain.read({ abi: loanBookAbi, functionName: "loanOf", args: [BigInt(evidence.loan.id)] }),
    ])) as [
      { kind: number; rateBps: number; count: number; intervalSeconds: number; lender: Address },
      readonly { dueOffset: bigint; principal: bigint }[],
      { startTime: bigint },
    ];
    const kind: ScheduleKind | undefined = SCHEDULE_KINDS[template.kind - 1];
    if (kind === undefined) return held;
    const paid = new Map(evidence.installments.map((row) => [row.number, BigInt(row.paid)]));
    // None held: a loan repaid in full, or one restructured or written off (whose installments no longer apply).
    const fullyRepaid = evidence.loan.status === "Repaid";
    const oldestHeld = paid.size > 0 ? Math.min(...paid.keys()) : fullyRepaid ? Number.POSITIVE_INFINITY : 0;
    const rows = schedule({
      kind,
      principal: BigInt(evidence.loan.principal),
      rateBps: template.rateBps,
      intervalSeconds: template.intervalSeconds,
      count: template.count,
      dueOffsets: plan.map((entry) => Number(entry.dueOffset)),
      principals: plan.map((entry) => entry.principal),
    }).map((row) => ({
      number: row.number,
      dueTime: BigInt(loan.startTime) + BigInt(row.dueOffset),
      principal: row.principal,
      interest: row.interest,
      paid: paid.get(row.number) ?? (row.number < oldestHeld ? row.total : null),
    }));
    return { source: "chain", rows };
  } catch {
    return held;
  }
}
