/**
 * The lender's portfolio at a glance, for a credit officer: the book by status, the arrears ageing of the loans still
 * owing, the recovery funnel, and the monthly collections. Synchronous queries over the store's tables, never a write.
 *
 * Everything time-dependent is computed at the chain time `at` the caller gives, as `readModel.ts` does: a loan's
 * status from its stored chain facts (`statusAt`), the stored status only for a loan without facts. Token amounts are
 * canonical decimal strings (uint256 overflows a JSON number), counts are numbers.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import {
  DAY,
  dueTimeOf,
  FLAG_ANNULLED,
  FLAG_COMMITTED,
  FLAG_DEFAULTED,
  FLAG_WRITTEN_OFF,
  installmentCountOf,
  LoanStatus,
  statusAt,
  type LoanView,
} from "../../core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../../core/loanFacts.ts";

/** `Loans.Stage.Enforcement` (contracts/types/DataTypes.sol): collateral may be taken, the rest written off. */
export const STAGE_ENFORCEMENT = 4;
/** Calendar months of collections reported, the month of `at` last. */
export const COLLECTION_MONTHS = 12;
/** The latest chain time asked about: a `uint40`, as the contract stores times (and within a JS Date's range). */
const MAX_CHAIN_TIME = 2n ** 40n - 1n;

/**
 * The arrears ageing buckets by days past due (inclusive bounds; null: no upper bound). A loan is 1 day past due from
 * the second after its oldest unpaid installment's due time, when its status turns Late, so `current` is exactly the
 * loans not late on anything.
 */
export const AGEING_BUCKETS = [
  { bucket: "current", minDays: 0, maxDays: 0 },
  { bucket: "1-30", minDays: 1, maxDays: 30 },
  { bucket: "31-60", minDays: 31, maxDays: 60 },
  { bucket: "61-90", minDays: 61, maxDays: 90 },
  { bucket: "90+", minDays: 91, maxDays: null },
] as const;

export type AgeingBucketName = (typeof AGEING_BUCKETS)[number]["bucket"];

/** The statuses of a loan that still owes: not paid in full, not written off. */
const OWING: ReadonlySet<LoanStatus> = new Set([
  LoanStatus.Active,
  LoanStatus.Late,
  LoanStatus.Defaulted,
  LoanStatus.Certified,
  LoanStatus.Committed,
  LoanStatus.Disputed,
]);

/** The events that mark a loan's way through recovery (any one of them, once, puts it in that step for good). */
const FUNNEL_EVENTS = ["LoanDefaulted", "DefaultCertified", "CommitmentAccepted", "LoanSettled", "LoanWrittenOff"];

export interface StatusLine {
  readonly status: LoanStatus;
  readonly loans: number;
  /** Sum of the loans' original principals, token units. */
  readonly principal: string;
}

export interface AgeingLine {
  readonly bucket: AgeingBucketName;
  readonly minDays: number;
  /** null: no upper bound. */
  readonly maxDays: number | null;
  readonly loans: number;
  /** Sum of `Loan.balance` (principal still owed; the debt left once restructured), token units. */
  readonly outstanding: string;
}

/**
 * Loans that ever reached each step of recovery, as far as the store knows: from the step's event (kept even when a
 * later event undid it, e.g. an annulled default) or from the loan's current facts (a loan followed from after the
 * event). A loan counts once per step.
 */
export interface RecoveryFunnel {
  /** `LoanDefaulted`, or in default / annulled now. */
  readonly defaulted: number;
  /** `DefaultCertified`, or certified now. */
  readonly certified: number;
  /** `CommitmentAccepted`, or committed now. */
  readonly committed: number;
  /** `LoanSettled`, or paid in full after a default. */
  readonly settled: number;
  /** `RecoveryStageAdvanced` to Enforcement, or in that stage now. */
  readonly enforced: number;
  /** `LoanWrittenOff`, or written off now. */
  readonly writtenOff: number;
  /** Sum of the `LoanWrittenOff` events' amounts, token units. */
  readonly writtenOffAmount: string;
}

export interface CollectionMonth {
  /** `YYYY-MM`, UTC. */
  readonly month: string;
  readonly payments: number;
  /** Token units: each payment's whole amount, and its allocation (`principal` includes prepayments). */
  readonly amount: string;
  readonly principal: string;
  readonly interest: string;
  readonly penalty: string;
}

export interface PortfolioReturnType {
  /** The chain time it was computed at. */
  readonly asOf: bigint;
  readonly loans: number;
  /** Sum of every loan's original principal, token units. */
  readonly principal: string;
  /** Every status but `None`, in `LoanStatus` order, with zeros (`None` only when a loan has it). */
  readonly byStatus: readonly StatusLine[];
  /**
   * The loans still owing at `at` (Active, Late and those in default: Defaulted, Certified, Committed, Disputed),
   * aged by the days past due of the oldest unpaid installment of their schedule (the original schedule, also for a
   * loan under a commitment). A loan without stored facts is aged by its stored next due time, its principal taken as
   * outstanding.
   */
  readonly arrears: {
    readonly loans: number;
    readonly outstanding: string;
    readonly buckets: readonly AgeingLine[];
  };
  readonly recovery: RecoveryFunnel;
  /**
   * Repayments (`RepaymentMade`, `DebtRepaid`) by calendar month (UTC) of their block's time, the `COLLECTION_MONTHS`
   * months up to and including the month of `at`, oldest first, with zeros; payments after `at` are left out. A
   * payment is dated by its block, which the follower records with every block holding a log.
   */
  readonly collections: readonly CollectionMonth[];
}

export interface Portfolio {
  /** The portfolio at chain time `at` (unix seconds); a RangeError beyond a `uint40`. */
  portfolioOf(at: bigint): PortfolioReturnType;
}

interface LoanRow {
  id: bigint;
  principal: string;
  status: bigint;
  stage: bigint;
  flags: bigint;
  next_due_time: bigint | null;
  facts: string | null;
  defaulted_at: bigint | null;
}

interface PaymentRow {
  amount: string;
  principal_paid: string;
  interest_paid: string;
  penalty_paid: string;
  timestamp: bigint;
}

/** Whole days past `dueTime` at `at`, counting a started day: 1 from the second after it. */
export function daysPastDue(dueTime: bigint, at: bigint): bigint {
  if (at <= dueTime) return 0n;
  return (at - dueTime + DAY - 1n) / DAY;
}

/** The bucket index of `days` past due. */
function bucketOf(days: bigint): number {
  for (let index = AGEING_BUCKETS.length - 1; index > 0; index--) {
    if (days >= BigInt(AGEING_BUCKETS[index].minDays)) return index;
  }
  return 0;
}

/** `YYYY-MM` of UTC month `month` (0-based, may run past 11 or below 0) of `year`. */
function monthKey(year: number, month: number): string {
  const date = new Date(Date.UTC(year, month, 1));
  return `${date.getUTCFullYear().toString().padStart(4, "0")}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

/**
 * The portfolio queries over the store's database (opened with `defaultSafeIntegers`, as `openStore` does).
 *
 * @example
 * const portfolio = createPortfolio(db);
 * const { byStatus, arrears } = portfolio.portfolioOf(head.timestamp);
 */
export function createPortfolio(db: SqlDatabase): Portfolio {
  const selectLoans = db.prepare(
    "SELECT id, principal, status, stage, flags, next_due_time, facts, defaulted_at FROM loans ORDER BY id",
  );
  const selectFunnelEvents = db.prepare(
    `SELECT DISTINCT name, loan_id FROM events
     WHERE loan_id IS NOT NULL AND name IN (${FUNNEL_EVENTS.map(() => "?").join(", ")})`,
  );
  const selectEnforcementEvents = db
    .prepare(
      `SELECT DISTINCT loan_id FROM events WHERE loan_id IS NOT NULL AND name = 'RecoveryStageAdvanced'
       AND CAST(json_extract(args, '$.stage') AS INTEGER) = ?`,
    )
    .pluck();
  const selectWriteOffAmounts = db
    .prepare("SELECT json_extract(args, '$.amount') FROM events WHERE name = 'LoanWrittenOff'")
    .pluck();
  const selectPayments = db.prepare(
    `SELECT p.amount, p.principal_paid, p.interest_paid, p.penalty_paid, b.timestamp
     FROM payments p JOIN blocks b ON b.number = p.block_number
     WHERE b.timestamp >= :from AND b.timestamp <= :at`,
  );

  return {
    portfolioOf(at) {
      if (at < 0n || at > MAX_CHAIN_TIME) throw new RangeError(`Chain time ${at} is not a uint40`);
      // One read transaction: every figure from the same snapshot, whatever the keeper commits meanwhile.
      return db.transaction(() => portfolioAt(at))();
    },
  };

  function portfolioAt(at: bigint): PortfolioReturnType {
    const byStatus = new Map<LoanStatus, { loans: number; principal: bigint }>();
    const buckets = AGEING_BUCKETS.map(() => ({ loans: 0, outstanding: 0n }));
    const funnel = {
      defaulted: new Set<bigint>(),
      certified: new Set<bigint>(),
      committed: new Set<bigint>(),
      settled: new Set<bigint>(),
      enforced: new Set<bigint>(),
      writtenOff: new Set<bigint>(),
    };
    let loans = 0;
    let principal = 0n;

    for (const row of selectLoans.iterate() as IterableIterator<LoanRow>) {
      const amount = BigInt(row.principal);
      let view: LoanView | null = null;
      let status: LoanStatus;
      let flags: number;
      if (row.facts === null) {
        status = Number(row.status) as LoanStatus;
        flags = Number(row.flags);
      } else {
        const facts = decodeLoanFacts(row.facts);
        view = toLoanView(facts, keeperFactsFrom({ defaultedAt: row.defaulted_at, progress: undefined }));
        status = statusAt(view, at);
        flags = facts.flags;
        if (facts.certified) funnel.certified.add(row.id);
      }
      loans += 1;
      principal += amount;
      const line = byStatus.get(status) ?? { loans: 0, principal: 0n };
      byStatus.set(status, { loans: line.loans + 1, principal: line.principal + amount });

      if ((flags & (FLAG_DEFAULTED | FLAG_ANNULLED)) !== 0) funnel.defaulted.add(row.id);
      if (status === LoanStatus.Certified) funnel.certified.add(row.id);
      if ((flags & FLAG_COMMITTED) !== 0) funnel.committed.add(row.id);
      if (status === LoanStatus.Settled) funnel.settled.add(row.id);
      if (Number(row.stage) === STAGE_ENFORCEMENT) funnel.enforced.add(row.id);
      if ((flags & FLAG_WRITTEN_OFF) !== 0) funnel.writtenOff.add(row.id);

      if (!OWING.has(status)) continue;
      let dueTime: bigint | null = row.next_due_time;
      let outstanding = amount;
      if (view !== null) {
        const oldest = view.paidInstallments + 1;
        dueTime = oldest > installmentCountOf(view) ? null : dueTimeOf(view, oldest);
        outstanding = view.balance;
      }
      const bucket = buckets[bucketOf(dueTime === null ? 0n : daysPastDue(dueTime, at))];
      bucket.loans += 1;
      bucket.outstanding += outstanding;
    }

    const stepOfEvent: Record<string, Set<bigint>> = {
      LoanDefaulted: funnel.defaulted,
      DefaultCertified: funnel.certified,
      CommitmentAccepted: funnel.committed,
      LoanSettled: funnel.settled,
      LoanWrittenOff: funnel.writtenOff,
    };
    for (const row of selectFunnelEvents.iterate(...FUNNEL_EVENTS) as IterableIterator<{
      name: string;
      loan_id: bigint;
    }>) {
      stepOfEvent[row.name].add(row.loan_id);
    }
    for (const id of selectEnforcementEvents.iterate(STAGE_ENFORCEMENT) as IterableIterator<bigint>) {
      funnel.enforced.add(id);
    }
    let writtenOffAmount = 0n;
    for (const value of selectWriteOffAmounts.iterate() as IterableIterator<unknown>) {
      // Decoded uint256 arguments are stored as decimal strings; anything else is not an amount.
      if (typeof value === "string" && /^[0-9]+$/.test(value)) writtenOffAmount += BigInt(value);
      else if (typeof value === "bigint" && value >= 0n) writtenOffAmount += value;
    }

    const statusLines: StatusLine[] = [];
    for (const status of Object.values(LoanStatus)) {
      const line = byStatus.get(status);
      if (status === LoanStatus.None && line === undefined) continue;
      statusLines.push({ status, loans: line?.loans ?? 0, principal: String(line?.principal ?? 0n) });
    }

    const ageing: AgeingLine[] = AGEING_BUCKETS.map((bucket, index) => ({
      ...bucket,
      loans: buckets[index].loans,
      outstanding: String(buckets[index].outstanding),
    }));

    return {
      asOf: at,
      loans,
      principal: String(principal),
      byStatus: statusLines,
      arrears: {
        loans: buckets.reduce((sum, bucket) => sum + bucket.loans, 0),
        outstanding: String(buckets.reduce((sum, bucket) => sum + bucket.outstanding, 0n)),
        buckets: ageing,
      },
      recovery: {
        defaulted: funnel.defaulted.size,
        certified: funnel.certified.size,
        committed: funnel.committed.size,
        settled: funnel.settled.size,
        enforced: funnel.enforced.size,
        writtenOff: funnel.writtenOff.size,
        writtenOffAmount: String(writtenOffAmount),
      },
      collections: collectionsUpTo(at),
    };
  }

  function collectionsUpTo(at: bigint): CollectionMonth[] {
    const now = new Date(Number(at) * 1000);
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth();
    const months = new Map<
      string,
      { payments: number; amount: bigint; principal: bigint; interest: bigint; penalty: bigint }
    >();
    for (let offset = COLLECTION_MONTHS - 1; offset >= 0; offset--) {
      months.set(monthKey(year, month - offset), { payments: 0, amount: 0n, principal: 0n, interest: 0n, penalty: 0n });
    }
    const from = BigInt(Date.UTC(year, month - (COLLECTION_MONTHS - 1), 1) / 1000);
    for (const row of selectPayments.iterate({ from, at }) as IterableIterator<PaymentRow>) {
      const paidAt = new Date(Number(row.timestamp) * 1000);
      const total = months.get(monthKey(paidAt.getUTCFullYear(), paidAt.getUTCMonth()));
      if (total === undefined) continue;
      total.payments += 1;
      total.amount += BigInt(row.amount);
      total.principal += BigInt(row.principal_paid);
      total.interest += BigInt(row.interest_paid);
      total.penalty += BigInt(row.penalty_paid);
    }
    return [...months].map(([key, total]) => ({
      month: key,
      payments: total.payments,
      amount: String(total.amount),
      principal: String(total.principal),
      interest: String(total.interest),
      penalty: String(total.penalty),
    }));
  }
}
