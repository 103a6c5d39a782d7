/**
 * The chain's facts about one loan, as the keeper stores them between reads, and the decision core's `LoanView`
 * built from them and the keeper's own records. The codec is plain JSON with integers as decimal strings, so a
 * stored view round-trips exactly (uint128 amounts do not fit a JSON number).
 */
import type {
  BankRecord,
  CommitmentFacts,
  ContactFacts,
  FundsFacts,
  LoanView,
  ReminderKind,
  ScheduleFacts,
} from "./decisions.ts";
import type { ScheduleKind } from "./scheduleMath.ts";

/** The part of `LoanView` read from the chain (`loanOf`, `templateOf`, `planOf`, `caseOf`, `commitmentOf`). */
export type LoanFacts = Omit<LoanView, "funds" | "bankRecords" | "lateMarkedThrough" | "contact" | "defaultedAt">;

/** What the keeper knows besides the chain's facts. */
export interface KeeperFacts {
  /** Block time of the current default's `LoanDefaulted` (0: not in default). */
  readonly defaultedAt: bigint;
  readonly funds: FundsFacts | null;
  readonly bankRecords: readonly BankRecord[];
  readonly lateMarkedThrough: number;
  readonly contact: ContactFacts;
}

/** No contact yet, UTC. */
export const NO_CONTACT: ContactFacts = {
  utcOffsetSeconds: 0n,
  remindedThrough: { remindBeforeDue: 0, remindDueToday: 0, remindLate1: 0, remindLate7: 0 },
  defaultNoticeSentFor: null,
};

interface EncodedFacts {
  v: 1;
  loanId: string;
  startTime: string;
  flags: number;
  paidInstallments: number;
  balance: string;
  schedule: { kind: ScheduleKind; intervalSeconds: string; count: number; dueOffsets: string[] };
  defaultDaysPastDue: number;
  defaultMissedInstallments: number;
  objectionWindowSeconds: string;
  certified: boolean;
  objectionDeadline: string;
  annulledAt: string;
  commitment: { id: string; dueTimes: string[]; cumulative: string[]; total: string; graceSeconds: string } | null;
}

const strings = (values: readonly bigint[]) => values.map(String);
const bigints = (values: readonly string[]) => values.map(BigInt);

/** Thrown when stored facts do not decode: the store was written by another version or damaged. */
export class LoanFactsError extends Error {
  override name = "LoanFactsError";
}

/**
 * Encodes a loan's chain facts for the store.
 *
 * @example
 * store.upsertLoan({ ...record, facts: encodeLoanFacts(facts) });
 */
export function encodeLoanFacts(facts: LoanFacts): string {
  const schedule: ScheduleFacts = facts.schedule;
  const commitment: CommitmentFacts | null = facts.commitment;
  const encoded: EncodedFacts = {
    v: 1,
    loanId: String(facts.loanId),
    startTime: String(facts.startTime),
    flags: facts.flags,
    paidInstallments: facts.paidInstallments,
    balance: String(facts.balance),
    schedule: {
      kind: schedule.kind,
      intervalSeconds: String(schedule.intervalSeconds),
      count: schedule.count,
      dueOffsets: strings(schedule.dueOffsets),
    },
    defaultDaysPastDue: facts.defaultDaysPastDue,
    defaultMissedInstallments: facts.defaultMissedInstallments,
    objectionWindowSeconds: String(facts.objectionWindowSeconds),
    certified: facts.certified,
    objectionDeadline: String(facts.objectionDeadline),
    annulledAt: String(facts.annulledAt),
    commitment:
      commitment === null
        ? null
        : {
            id: commitment.id,
            dueTimes: strings(commitment.dueTimes),
            cumulative: strings(commitment.cumulative),
            total: String(commitment.total),
            graceSeconds: String(commitment.graceSeconds),
          },
  };
  return JSON.stringify(encoded);
}

/** Decodes what `encodeLoanFacts` wrote. */
export function decodeLoanFacts(text: string): LoanFacts {
  let e: EncodedFacts;
  try {
    e = JSON.parse(text) as EncodedFacts;
  } catch (error) {
    throw new LoanFactsError(`Loan facts are not JSON: ${(error as Error).message}`);
  }
  if (e?.v !== 1) throw new LoanFactsError(`Unknown loan facts version ${String(e?.v)}`);
  try {
    return decodeVersion1(e);
  } catch (error) {
    throw new LoanFactsError(`Loan facts do not decode: ${(error as Error).message}`);
  }
}

function decodeVersion1(e: EncodedFacts): LoanFacts {
  return {
    loanId: BigInt(e.loanId),
    startTime: BigInt(e.startTime),
    flags: e.flags,
    paidInstallments: e.paidInstallments,
    balance: BigInt(e.balance),
    schedule: {
      kind: e.schedule.kind,
      intervalSeconds: BigInt(e.schedule.intervalSeconds),
      count: e.schedule.count,
      dueOffsets: bigints(e.schedule.dueOffsets),
    },
    defaultDaysPastDue: e.defaultDaysPastDue,
    defaultMissedInstallments: e.defaultMissedInstallments,
    objectionWindowSeconds: BigInt(e.objectionWindowSeconds),
    certified: e.certified,
    objectionDeadline: BigInt(e.objectionDeadline),
    annulledAt: BigInt(e.annulledAt),
    commitment:
      e.commitment === null
        ? null
        : {
            id: e.commitment.id,
            dueTimes: bigints(e.commitment.dueTimes),
            cumulative: bigints(e.commitment.cumulative),
            total: BigInt(e.commitment.total),
            graceSeconds: BigInt(e.commitment.graceSeconds),
          },
  };
}

/** The decision core's view: the chain's facts and the keeper's. */
export function toLoanView(facts: LoanFacts, keeper: KeeperFacts): LoanView {
  return { ...facts, ...keeper };
}

/**
 * The keeper's facts from its records: the highest installment each reminder and late mark was done for (only
 * shortens `decide`'s output; the outbox keys make each action once).
 */
export function keeperFactsFrom(parameters: {
  readonly defaultedAt: bigint | null;
  readonly progress: ReadonlyMap<string, number> | undefined;
  readonly bankRecords?: readonly BankRecord[];
  readonly funds?: FundsFacts | null;
}): KeeperFacts {
  const progress = parameters.progress;
  const through = (kind: ReminderKind | "markLate") => progress?.get(kind) ?? 0;
  return {
    defaultedAt: parameters.defaultedAt ?? 0n,
    funds: parameters.funds ?? null,
    bankRecords: parameters.bankRecords ?? [],
    lateMarkedThrough: through("markLate"),
    contact:
      progress === undefined
        ? NO_CONTACT
        : {
            utcOffsetSeconds: 0n,
            remindedThrough: {
              remindBeforeDue: through("remindBeforeDue"),
              remindDueToday: through("remindDueToday"),
              remindLate1: through("remindLate1"),
              remindLate7: through("remindLate7"),
            },
            defaultNoticeSentFor: null,
          },
  };
}
