/**
 * Reads one loan's facts from the chain, all at one block: what the decision core needs (`LoanFacts`) and what the
 * store shows (status, claim holder, schedule). Templates never change but for `retired`, so each is read once.
 */
import type { Address, PublicClient } from "viem";
import { loanBookAbi } from "../../abi/loanBook.ts";
import { FLAGS_CLOSED, dueTimeOf, installmentCountOf } from "../../core/decisions.ts";
import { keeperFactsFrom, type LoanFacts } from "../../core/loanFacts.ts";

const NO_KEEPER_FACTS = keeperFactsFrom({ defaultedAt: null, progress: undefined });
import { SCHEDULE_KINDS, type ScheduleKind } from "../../core/scheduleMath.ts";
import type { InstallmentRecord } from "../store/types.ts";

export interface ReadLoanReturnType {
  readonly facts: LoanFacts;
  readonly templateId: bigint;
  readonly borrower: Address;
  readonly claimHolder: Address;
  readonly lender: Address;
  readonly token: Address;
  readonly status: number;
  readonly stage: number;
  readonly nextDueTime: bigint | null;
  readonly defaultEligibleAt: bigint | null;
  readonly installments: InstallmentRecord[];
  /** Auto-debit reads (only for a loan that opted in). */
  readonly funds: { amountDue: bigint; balance: bigint; allowance: bigint } | null;
}

interface TemplateFacts {
  readonly kind: ScheduleKind;
  readonly intervalSeconds: bigint;
  readonly count: number;
  readonly dueOffsets: readonly bigint[];
  readonly defaultDaysPastDue: number;
  readonly defaultMissedInstallments: number;
  readonly objectionWindowSeconds: bigint;
  readonly lender: Address;
  readonly token: Address;
}

export interface LoanReader {
  /** The loan as of `blockNumber`; null when the chain has no such loan there. */
  readLoan(loanId: bigint, blockNumber: bigint): Promise<ReadLoanReturnType | null>;
}

/**
 * @example
 * const reader = createLoanReader({ client, loanBook });
 * const loan = await reader.readLoan(7n, checkpoint.blockNumber);
 */
export function createLoanReader({ client, loanBook }: { client: PublicClient; loanBook: Address }): LoanReader {
  const templates = new Map<bigint, Promise<TemplateFacts>>();
  const read = <T>(functionName: string, args: readonly unknown[], blockNumber: bigint) =>
    client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: functionName as "loanOf",
      args: args as [bigint],
      blockNumber,
    }) as Promise<T>;

  function templateOf(templateId: bigint, blockNumber: bigint): Promise<TemplateFacts> {
    let cached = templates.get(templateId);
    if (cached === undefined) {
      cached = (async () => {
        const t = await read<{
          token: Address;
          kind: number;
          count: number;
          intervalSeconds: number;
          lender: Address;
          defaultDaysPastDue: number;
          defaultMissedInstallments: number;
          objectionWindowSeconds: number;
        }>("templateOf", [templateId], blockNumber);
        const kind = SCHEDULE_KINDS[t.kind - 1];
        if (kind === undefined) throw new Error(`Template ${templateId} has an unknown schedule kind ${t.kind}`);
        const plan =
          kind === "custom" ? await read<readonly { dueOffset: number }[]>("planOf", [templateId], blockNumber) : [];
        return {
          kind,
          intervalSeconds: BigInt(t.intervalSeconds),
          count: kind === "custom" ? plan.length : Number(t.count),
          dueOffsets: plan.map((entry) => BigInt(entry.dueOffset)),
          defaultDaysPastDue: Number(t.defaultDaysPastDue),
          defaultMissedInstallments: Number(t.defaultMissedInstallments),
          objectionWindowSeconds: BigInt(t.objectionWindowSeconds),
          lender: t.lender,
          token: t.token,
        };
      })();
      // A failed read is not cached: the next call tries again.
      cached.catch(() => templates.delete(templateId));
      templates.set(templateId, cached);
    }
    return cached;
  }

  return {
    async readLoan(loanId, blockNumber) {
      const loan = await read<{
        borrower: Address;
        templateId: number;
        startTime: number;
        flags: number;
        balance: bigint;
        paidInstallments: number;
      }>("loanOf", [loanId], blockNumber);
      if (loan.startTime === 0) return null;
      const templateId = BigInt(loan.templateId);
      const [template, kase, status, eligibleAt, claimHolder] = await Promise.all([
        templateOf(templateId, blockNumber),
        read<{
          certificateId: `0x${string}`;
          stage: number;
          objectionDeadline: number;
          annulledAt: number;
          commitmentLength: number;
          commitmentTotal: bigint;
          commitmentGraceSeconds: number;
        }>("caseOf", [loanId], blockNumber),
        read<number>("statusOf", [loanId], blockNumber),
        read<bigint>("defaultEligibleAt", [loanId], blockNumber),
        read<Address>("ownerOf", [loanId], blockNumber),
      ]);
      const flags = Number(loan.flags);
      const hasCommitment = kase.commitmentLength !== 0;
      const [entries, breakdown] = await Promise.all([
        hasCommitment
          ? read<readonly { dueTime: number; cumulative: bigint }[]>("commitmentOf", [loanId], blockNumber)
          : Promise.resolve([]),
        (flags & FLAGS_CLOSED) === 0
          ? read<
              readonly {
                number: bigint;
                dueTime: bigint;
                principal: bigint;
                interest: bigint;
                paid: bigint;
              }[]
            >("installmentBreakdown", [loanId], blockNumber)
          : Promise.resolve([]),
      ]);
      const facts: LoanFacts = {
        loanId,
        startTime: BigInt(loan.startTime),
        flags,
        paidInstallments: Number(loan.paidInstallments),
        balance: loan.balance,
        schedule: {
          kind: template.kind,
          intervalSeconds: template.intervalSeconds,
          count: template.count,
          dueOffsets: template.dueOffsets,
        },
        defaultDaysPastDue: template.defaultDaysPastDue,
        defaultMissedInstallments: template.defaultMissedInstallments,
        objectionWindowSeconds: template.objectionWindowSeconds,
        certified: BigInt(kase.certificateId) !== 0n,
        objectionDeadline: BigInt(kase.objectionDeadline),
        annulledAt: BigInt(kase.annulledAt),
        commitment: hasCommitment
          ? {
              // One commitment of a loan from the next: its total and first due time identify it.
              id: `${kase.commitmentTotal}@${entries[0]?.dueTime ?? 0}`,
              dueTimes: entries.map((entry) => BigInt(entry.dueTime)),
              cumulative: entries.map((entry) => entry.cumulative),
              total: kase.commitmentTotal,
              graceSeconds: BigInt(kase.commitmentGraceSeconds),
            }
          : null,
      };
      const view = { ...facts, ...NO_KEEPER_FACTS };
      const open = (flags & FLAGS_CLOSED) === 0 && facts.paidInstallments < installmentCountOf(view);
      return {
        facts,
        templateId,
        borrower: loan.borrower,
        claimHolder,
        lender: template.lender,
        token: template.token,
        status: Number(status),
        stage: Number(kase.stage),
        nextDueTime: open ? dueTimeOf(view, facts.paidInstallments + 1) : null,
        defaultEligibleAt: eligibleAt === 0n ? null : eligibleAt,
        installments: breakdown.map((i) => ({
          number: Number(i.number),
          dueTime: i.dueTime,
          principal: i.principal,
          interest: i.interest,
          paid: i.paid,
        })),
        funds: null,
      };
    },
  };
}
