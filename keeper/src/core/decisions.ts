/**
 * The keeper's decisions: from its own view of one loan (facts taken from chain events, chain reads and the bank
 * feed) and the time, what the loan needs now. Pure: no I/O, no clock (time is the block's or an injected clock's),
 * no allocation beyond the actions returned, so that a pass over 100,000 loans stays well under a second.
 *
 * The contract is the authority. Every rule that decides an on-chain action mirrors the Solidity function named in
 * its comment, step for step, so that the keeper acts from the first second the chain allows and never before:
 * - `declareDefault`: LoanLedger._defaultTrigger, _triggerAfterAnnulment, DefaultRules.eligibleAt/isTriggered,
 *   LoanBook.declareDefault (not closed, not defaulted, not paused);
 * - `breachCommitment`: EnforcementBase._commitmentBreachableAt, LoanLedger._firstUnpaidCommitment,
 *   Commitments.breachCommitment (committed, not paused);
 * - `autoDebit`: EnforcementBase._debitable, LoanLedger._quote (something is due), _fixedDebtDue;
 * - `relayBankPayment`: Payments.recordBankPayment (each bank reference once, paid at or after the start, not in
 *   the future, a non-zero amount, a loan not paid off);
 * - the status: EnforcementBase._statusOf; late installments: LoanLedger._missedInstallments.
 * The off-chain actions (reminders, late marks, the default notice) follow the keeper's contact rules, written below.
 */
import type { ScheduleKind } from "./scheduleMath.ts";

/*//////////////////////////////////////////////////////////////
                      THE CONTRACT'S CONSTANTS
//////////////////////////////////////////////////////////////*/

/** `Loans.Status` (contracts/types/DataTypes.sol), by value. */
export const LoanStatus = {
  None: 0,
  Active: 1,
  Late: 2,
  Defaulted: 3,
  Repaid: 4,
  Certified: 5,
  Committed: 6,
  Disputed: 7,
  Settled: 8,
  WrittenOff: 9,
} as const;
export type LoanStatus = (typeof LoanStatus)[keyof typeof LoanStatus];

/** `Loans.FLAG_*` (contracts/types/DataTypes.sol): the bits of `Loan.flags`. */
export const FLAG_DEFAULTED = 1;
export const FLAG_REPAID = 2;
export const FLAG_PENALTY_CHECKPOINT = 4;
export const FLAG_FIXED_DEBT = 8;
export const FLAG_COMMITTED = 16;
export const FLAG_WRITTEN_OFF = 32;
export const FLAG_AUTO_DEBIT = 64;
export const FLAG_ANNULLED = 128;
/** The flags that end a loan's normal course. */
export const FLAGS_CLOSED = FLAG_DEFAULTED | FLAG_REPAID | FLAG_WRITTEN_OFF;
/** The flags after which nothing is owed. */
export const FLAGS_PAID_OFF = FLAG_REPAID | FLAG_WRITTEN_OFF;

/** Solidity's `1 days`. */
export const DAY = 86_400n;

/*//////////////////////////////////////////////////////////////
                        THE KEEPER'S RULES
//////////////////////////////////////////////////////////////*/

/** The first reminder: from local midnight this many days before the due date. */
export const REMIND_BEFORE_DUE_DAYS = 3n;
/** The late reminders: from local midnight this many days after the due date. */
export const REMIND_LATE1_DAYS = 1n;
export const REMIND_LATE7_DAYS = 7n;
/** The debt-collection letter: this many days after the default, while the debt is still open (no commitment). */
export const DEBT_COLLECTION_LETTER_DAYS = 15n;

/*//////////////////////////////////////////////////////////////
                              MODEL
//////////////////////////////////////////////////////////////*/

/** A template's schedule, as far as due times go (`Loans.Template` and its custom plan). */
export interface ScheduleFacts {
  readonly kind: ScheduleKind;
  /** `Template.intervalSeconds`; 0 for a custom plan. */
  readonly intervalSeconds: bigint;
  /** `Template.count` (a bullet has one installment, due `count` intervals after the start). */
  readonly count: number;
  /** Custom plans only: `PlanEntry.dueOffset` of each installment, seconds from the start; empty otherwise. */
  readonly dueOffsets: readonly bigint[];
}

/** The repayment commitment in force or last in force (`LoanStorage.commitments`, `Case.commitment*`). */
export interface CommitmentFacts {
  /** `commitmentHash` of its `CommitmentAccepted` event: tells one commitment of a loan from the next. */
  readonly id: string;
  /** `CommitmentEntry.dueTime`, increasing. */
  readonly dueTimes: readonly bigint[];
  /** `CommitmentEntry.cumulative`: the total due by each due time, increasing. */
  readonly cumulative: readonly bigint[];
  /** `Case.commitmentTotal`: the debt it covers (`Loan.balance` is what is left of it). */
  readonly total: bigint;
  /** `Case.commitmentGraceSeconds`. */
  readonly graceSeconds: bigint;
}

/** A payment at the lender's bank that the keeper matched to the loan. */
export interface BankRecord {
  /** The `bankReferenceHash` the chain credits once. */
  readonly bankReference: string;
  readonly amount: bigint;
  /** When it was paid at the bank (seconds): the chain credits it as of then. */
  readonly paidAt: bigint;
  /** Already credited on chain (`BankPaymentRecorded` seen). */
  readonly relayed: boolean;
}

/** Chain reads for auto-debit, all at one block. */
export interface FundsFacts {
  /** The chain's `amountDue(loanId)`. */
  readonly amountDue: bigint;
  /** The borrower's token balance and its allowance to the loan book. */
  readonly borrowerBalance: bigint;
  readonly borrowerAllowance: bigint;
  /** The block time of the reads. */
  readonly asOf: bigint;
}

/** The reminder kinds, one each per installment. */
export type ReminderKind = "remindBeforeDue" | "remindDueToday" | "remindLate1" | "remindLate7";

/** What the keeper needs to contact the borrower, and what it already did. */
export interface ContactFacts {
  /** The borrower's zone, seconds east of UTC: reminders count calendar days there. */
  readonly utcOffsetSeconds: bigint;
  /**
   * Per reminder kind, the highest installment it was sent for (0: none). Only shortens the output: each action's
   * key is what makes it idempotent.
   */
  readonly remindedThrough: Readonly<Record<ReminderKind, number>>;
  /** The default (see `defaultEpoch`) whose notice was sent; null: none. */
  readonly defaultNoticeSentFor: bigint | null;
}

/**
 * Everything `decide` needs about one loan, as plain data: the stored facts of the chain (`Loans.Loan`, its
 * template, its `Case`), never a stored status (the status is computed at the time asked, as `statusOf` does), and
 * the keeper's own facts (bank records, funds read, what was already done).
 */
export interface LoanView {
  readonly loanId: bigint;
  /** `Loan.startTime` (0: no such loan). */
  readonly startTime: bigint;
  /** `Loan.flags`: the FLAG_* bits. */
  readonly flags: number;
  /** `Loan.paidInstallments`: the oldest unpaid installment is the next one. */
  readonly paidInstallments: number;
  /** `Loan.balance`: under a fixed debt (a commitment, enforcement), the whole debt left. */
  readonly balance: bigint;
  readonly schedule: ScheduleFacts;
  /** `Template.defaultDaysPastDue` (0: no such trigger). */
  readonly defaultDaysPastDue: number;
  /** `Template.defaultMissedInstallments` (0: no such trigger). */
  readonly defaultMissedInstallments: number;
  /** `Template.objectionWindowSeconds`. */
  readonly objectionWindowSeconds: bigint;
  /** `Case.certificateId != 0`. */
  readonly certified: boolean;
  /** `Case.objectionDeadline`: an objection is open until then (0: none filed, or resolved). */
  readonly objectionDeadline: bigint;
  /** `Case.annulledAt`: when the last default was annulled (0: never). */
  readonly annulledAt: bigint;
  /** Block time of the current default's `LoanDefaulted` (0: not defaulted). */
  readonly defaultedAt: bigint;
  readonly commitment: CommitmentFacts | null;
  /** Auto-debit reads; null: not read. */
  readonly funds: FundsFacts | null;
  /** Bank payments matched to the loan, relayed or not. */
  readonly bankRecords: readonly BankRecord[];
  /** The highest installment a late mark was recorded for (0: none). As `remindedThrough`, only shortens output. */
  readonly lateMarkedThrough: number;
  readonly contact: ContactFacts;
}

/** The keeper's standing orders. */
export interface KeeperPolicy {
  /** LoanBook is paused: no default declaration, no breach (the chain would refuse both). */
  readonly paused: boolean;
}

export type ActionKind =
  ReminderKind | "markLate" | "declareDefault" | "breachCommitment" | "autoDebit" | "relayBankPayment" | NoticeKind;

/**
 * The notices of a default, each once per default: the default notice at once; the debt-collection letter
 * `DEBT_COLLECTION_LETTER_DAYS` after the default; the litigation-risk notice once a notary certified the default
 * (the lender can then apply to the court for enforcement on the execution certificate).
 */
export type NoticeKind = "defaultNotice" | "debtCollectionLetter" | "litigationRiskNotice";

/** A reminder or a late mark, for one installment. */
export interface InstallmentAction {
  readonly kind: ReminderKind | "markLate";
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint;
  readonly installment: number;
  readonly dueTime: bigint;
}

/** `declareDefault(loanId)`: the trigger holds since `validFrom`, counted from the oldest unpaid installment. */
export interface DeclareDefaultAction {
  readonly kind: "declareDefault";
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint;
  readonly installment: number;
  readonly dueTime: bigint;
}

/** `breachCommitment(loanId)`: commitment installment `commitmentInstallment` (1-based) is missed by `amount`. */
export interface BreachCommitmentAction {
  readonly kind: "breachCommitment";
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint;
  readonly commitmentInstallment: number;
  readonly dueTime: bigint;
  readonly amount: bigint;
}

/**
 * `autoDebit(loanId)`. `amount` is what the view says is due (null: the chain's figure must be read first; the
 * chain pulls its own `amountDue` anyway). `validFrom`: when it fell due (null: a whole fixed debt, due since a
 * breach or enforcement the view does not date).
 */
export interface AutoDebitAction {
  readonly kind: "autoDebit";
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint | null;
  readonly amount: bigint | null;
}

/** `recordBankPayment` of one matched bank record. */
export interface RelayBankPaymentAction {
  readonly kind: "relayBankPayment";
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint;
  readonly bankReference: string;
  readonly amount: bigint;
  readonly paidAt: bigint;
}

/** A notice of a default to the borrower (`NoticeKind`). */
export interface NoticeAction {
  readonly kind: NoticeKind;
  readonly loanId: bigint;
  readonly key: string;
  readonly validFrom: bigint;
}

export type Action =
  | InstallmentAction
  | DeclareDefaultAction
  | BreachCommitmentAction
  | AutoDebitAction
  | RelayBankPaymentAction
  | NoticeAction;

/*//////////////////////////////////////////////////////////////
                     MIRRORS OF THE CONTRACT
//////////////////////////////////////////////////////////////*/

/** Installments of the loan: one for a bullet, `count` otherwise. Mirrors `LoanLedger._installmentCount`. */
export function installmentCountOf(loan: LoanView): number {
  return loan.schedule.kind === "bullet" ? 1 : loan.schedule.count;
}

/** Due time of installment `number` (1-based). Mirrors `LoanLedger._dueTime`. */
export function dueTimeOf(loan: LoanView, number: number): bigint {
  const schedule = loan.schedule;
  if (schedule.kind === "custom") return loan.startTime + schedule.dueOffsets[number - 1];
  if (schedule.kind === "bullet") return loan.startTime + schedule.intervalSeconds * BigInt(schedule.count);
  return loan.startTime + BigInt(number) * schedule.intervalSeconds;
}

/**
 * The loan's status at `now`. Mirrors `EnforcementBase._statusOf`: paid in full is Repaid (Settled after a default),
 * then WrittenOff; a default is Disputed while an objection is open (deadline >= now), then Committed, then Certified
 * or Defaulted; otherwise Late from the second after the oldest unpaid installment's due time.
 */
export function statusAt(loan: LoanView, now: bigint): LoanStatus {
  if (loan.startTime === 0n) return LoanStatus.None;
  const flags = loan.flags;
  if ((flags & FLAG_REPAID) !== 0) return (flags & FLAG_DEFAULTED) !== 0 ? LoanStatus.Settled : LoanStatus.Repaid;
  if ((flags & FLAG_WRITTEN_OFF) !== 0) return LoanStatus.WrittenOff;
  if ((flags & FLAG_DEFAULTED) !== 0) {
    if (loan.objectionDeadline >= now) return LoanStatus.Disputed;
    if ((flags & FLAG_COMMITTED) !== 0) return LoanStatus.Committed;
    return loan.certified ? LoanStatus.Certified : LoanStatus.Defaulted;
  }
  const oldest = loan.paidInstallments + 1;
  // An open loan always has an unpaid installment (a view that says otherwise is not late on anything).
  if (oldest > installmentCountOf(loan)) return LoanStatus.Active;
  return now > dueTimeOf(loan, oldest) ? LoanStatus.Late : LoanStatus.Active;
}

/**
 * The first moment the trigger holds if nothing more is paid (0n: never). Mirrors `DefaultRules.eligibleAt`.
 */
export function eligibleAt(
  oldestDueTime: bigint,
  nthUnpaidDueTime: bigint,
  daysPastDue: number,
  missedInstallments: number,
): bigint {
  let at = 0n;
  if (daysPastDue !== 0) at = oldestDueTime + BigInt(daysPastDue) * DAY;
  if (missedInstallments !== 0 && nthUnpaidDueTime !== 0n) {
    // Missed from the second after its due time.
    const missedAt = nthUnpaidDueTime + 1n;
    at = at === 0n || missedAt < at ? missedAt : at;
  }
  return at;
}

/**
 * When the loan can be declared in default if nothing more is paid (0n: never), whatever its flags (the caller
 * checks that it is in its normal course). Mirrors `LoanLedger._defaultTrigger`, with `_triggerAfterAnnulment` once
 * a default was annulled.
 */
export function defaultTriggerAt(loan: LoanView): bigint {
  const count = installmentCountOf(loan);
  const oldest = loan.paidInstallments + 1;
  // An open loan always has an unpaid installment; a view that says otherwise (the chain would read past the plan)
  // has no trigger.
  if (oldest > count) return 0n;
  const oldestDue = dueTimeOf(loan, oldest);
  const missedTrigger = loan.defaultMissedInstallments;
  if ((loan.flags & FLAG_ANNULLED) !== 0) return triggerAfterAnnulment(loan, oldest, oldestDue, count);
  // With fewer installments left than the trigger counts, missing all of them is enough.
  const nthDue = missedTrigger !== 0 ? dueTimeOf(loan, Math.min(oldest + missedTrigger - 1, count)) : 0n;
  return eligibleAt(oldestDue, nthDue, loan.defaultDaysPastDue, missedTrigger);
}

/**
 * Mirrors `LoanLedger._triggerAfterAnnulment`: installments unpaid at the decision count as falling due at the
 * decision (the days clock restarts from it), the missed-installments trigger counts only installments falling due
 * after it; with neither, the borrower gets the objection window to pay.
 */
function triggerAfterAnnulment(loan: LoanView, oldest: number, oldestDue: bigint, count: number): bigint {
  const annulledAt = loan.annulledAt;
  const missedTrigger = loan.defaultMissedInstallments;
  // The Solidity loop `while (firstAfter <= count && _dueTime(firstAfter) <= annulledAt) ++firstAfter`: the first
  // installment from the oldest due strictly after the decision (due times increase, so a search gives the same).
  const firstAfter = firstDueFrom(loan, oldest, annulledAt + 1n, count);
  const nthDue =
    missedTrigger !== 0 && firstAfter <= count ? dueTimeOf(loan, Math.min(firstAfter + missedTrigger - 1, count)) : 0n;
  const daysPastDue = loan.defaultDaysPastDue;
  if (daysPastDue === 0 && nthDue === 0n) return annulledAt + loan.objectionWindowSeconds;
  return eligibleAt(oldestDue > annulledAt ? oldestDue : annulledAt, nthDue, daysPastDue, missedTrigger);
}

/**
 * The first commitment installment (from 0) not paid in full given what was paid; the plan's length when all are.
 * Mirrors `LoanLedger._firstUnpaidCommitment` (binary search: cumulative amounts increase).
 */
export function firstUnpaidCommitment(commitment: CommitmentFacts, paid: bigint): number {
  const cumulative = commitment.cumulative;
  let low = 0;
  let high = cumulative.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid] <= paid) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * When the commitment can be declared breached if nothing more is paid (0n: never, all paid, or no commitment).
 * Mirrors `EnforcementBase._commitmentBreachableAt`: missed from the second after its grace ends.
 */
export function commitmentBreachableAt(loan: LoanView): bigint {
  const commitment = loan.commitment;
  if (commitment === null) return 0n;
  const index = firstUnpaidCommitment(commitment, commitment.total - loan.balance);
  if (index === commitment.dueTimes.length) return 0n;
  return commitment.dueTimes[index] + commitment.graceSeconds + 1n;
}

/**
 * What a restructured loan owes at `now`. Mirrors `LoanLedger._fixedDebtDue`: under a commitment, its installments
 * due by now less what was paid; otherwise (breached, or taken to enforcement) the whole debt left.
 */
export function fixedDebtDue(loan: LoanView, now: bigint): bigint {
  const commitment = loan.commitment;
  if ((loan.flags & FLAG_COMMITTED) === 0 || commitment === null) return loan.balance;
  const paid = commitment.total - loan.balance;
  // The cumulative amount due by now: the last entry due by now (due times increase).
  let dueByNow = 0n;
  for (let i = commitment.dueTimes.length; i !== 0; --i) {
    if (commitment.dueTimes[i - 1] <= now) {
      dueByNow = commitment.cumulative[i - 1];
      break;
    }
  }
  return dueByNow > paid ? dueByNow - paid : 0n;
}

/*//////////////////////////////////////////////////////////////
                              DECIDE
//////////////////////////////////////////////////////////////*/

/**
 * The actions loan `loan` needs at `now` (block time or an injected clock), in the order to carry them out: money
 * first (bank payments, then auto-debit), then the chain's transitions (breach, default), then the borrower's notices
 * and the keeper's records. Deterministic; no two actions share a key; the same facts give the same keys.
 *
 * Nothing for a loan paid off (Repaid, Settled) or written off. While an objection is open (Disputed) no contact.
 * While LoanBook is paused no default and no breach. While a matched bank payment waits to be relayed, no contact,
 * no late mark and no auto-debit (the borrower has paid; the chain must see it first).
 *
 * @example
 * const actions = decide(view, block.timestamp, { paused: false });
 * for (const action of actions) if (!(await store.isDone(action.key))) await act(action);
 */
export function decide(loan: LoanView, now: bigint, policy: KeeperPolicy): Action[] {
  const actions: Action[] = [];
  const flags = loan.flags;
  if (loan.startTime === 0n || (flags & FLAGS_PAID_OFF) !== 0) return actions;
  const loanId = loan.loanId;

  // Bank payments (Payments.recordBankPayment): oldest first. A payment waiting to be relayed holds back what it
  // may make needless or wrong: contact, late marks, auto-debit.
  const held = relayBankPayments(loan, now, actions);

  // Auto-debit (EnforcementBase._debitable): opted in, something due, the borrower's balance and allowance cover it.
  if (!held && (flags & FLAG_AUTO_DEBIT) !== 0) pushAutoDebit(loan, now, actions);

  // Breach (Commitments.breachCommitment): committed, not paused, from the second after the first unpaid
  // commitment installment's due time plus grace.
  if (!policy.paused && (flags & FLAG_COMMITTED) !== 0 && loan.commitment !== null) {
    const commitment = loan.commitment;
    const paid = commitment.total - loan.balance;
    const index = firstUnpaidCommitment(commitment, paid);
    if (index !== commitment.dueTimes.length) {
      const dueTime = commitment.dueTimes[index];
      const breachableAt = dueTime + commitment.graceSeconds + 1n;
      if (now >= breachableAt) {
        actions.push({
          kind: "breachCommitment",
          loanId,
          key: `${loanId}:breachCommitment:c${commitment.id}:${index + 1}`,
          validFrom: breachableAt,
          commitmentInstallment: index + 1,
          dueTime,
          amount: commitment.cumulative[index] - paid,
        });
      }
    }
  }

  if ((flags & FLAGS_CLOSED) === 0) {
    // The normal course (Active or Late).
    const count = installmentCountOf(loan);
    const oldest = loan.paidInstallments + 1;
    if (oldest > count) return actions;
    // Default (LoanBook.declareDefault, DefaultRules.isTriggered): not paused, the trigger holds.
    if (!policy.paused) {
      const at = defaultTriggerAt(loan);
      if (at !== 0n && now >= at) {
        actions.push({
          kind: "declareDefault",
          loanId,
          key: `${loanId}:declareDefault:d${defaultEpoch(loan)}`,
          validFrom: at,
          installment: oldest,
          dueTime: dueTimeOf(loan, oldest),
        });
      }
    }
    if (!held) pushScheduleActions(loan, now, oldest, count, actions);
  } else if ((flags & FLAG_DEFAULTED) !== 0 && !held) {
    pushNotices(loan, now, actions);
  }
  return actions;
}

/**
 * The notices of a default (`NoticeKind`), each once per default, to a loan Defaulted or Certified: not Disputed (no
 * contact while an objection is open), not Committed (the borrower has acknowledged the debt).
 */
function pushNotices(loan: LoanView, now: bigint, actions: Action[]): void {
  if ((loan.flags & FLAG_COMMITTED) !== 0 || loan.objectionDeadline >= now) return;
  const loanId = loan.loanId;
  const epoch = defaultEpoch(loan);
  const notice = (kind: NoticeKind, validFrom: bigint) =>
    actions.push({ kind, loanId, key: `${loanId}:${kind}:d${epoch}`, validFrom });
  if (loan.contact.defaultNoticeSentFor !== epoch) notice("defaultNotice", loan.defaultedAt);
  const letterAt = debtCollectionLetterAt(loan);
  if (now >= letterAt) notice("debtCollectionLetter", letterAt);
  if (loan.certified) notice("litigationRiskNotice", loan.defaultedAt);
}

/** When the debt-collection letter of the current default is due (NEVER: the default's time is not known). */
function debtCollectionLetterAt(loan: LoanView): bigint {
  return loan.defaultedAt === 0n ? NEVER : loan.defaultedAt + DEBT_COLLECTION_LETTER_DAYS * DAY;
}

/**
 * The outbox key of the relay of bank payment `bankReferenceHash` to loan `loanId`: one relay per loan and reference.
 *
 * @example
 * relayBankPaymentKey(7n, "0xab…"); // "7:relayBankPayment:b0xab…"
 */
export function relayBankPaymentKey(loanId: bigint, bankReferenceHash: string): string {
  return `${loanId}:relayBankPayment:b${bankReferenceHash}`;
}

/**
 * A default's identity: `Case.annulledAt` when it was declared (0 for a loan's first default). Each annulment sets a
 * new `annulledAt`, and only an annulment makes a loan defaultable again, so no two defaults of a loan share it.
 */
export function defaultEpoch(loan: LoanView): bigint {
  return loan.annulledAt;
}

/*//////////////////////////////////////////////////////////////
                            NEXT WAKE-UP
//////////////////////////////////////////////////////////////*/

/**
 * The earliest time after `now` at which `decide` returns an action (a key) it does not return at `now`, given the
 * same view; null when no such time comes (only new facts change the answer). Actions that stop being due (a
 * reminder superseded by the next) are not counted: nothing needs doing when one goes.
 *
 * @example
 * const wakeAt = nextWakeUp(view, now, policy); // schedule the loan at wakeAt instead of polling it
 */
export function nextWakeUp(loan: LoanView, now: bigint, policy: KeeperPolicy): bigint | null {
  const flags = loan.flags;
  if (loan.startTime === 0n || (flags & FLAGS_PAID_OFF) !== 0) return null;
  // Every candidate below is the first time its kind shows a key it does not show at `now`; the earliest is the
  // answer. Kinds held back by a bank payment waiting at `now` never show with this view; those held back by one
  // that becomes relayable later need no care: that payment is itself a new action, and nothing held comes first.
  const held = relayPendingBy(loan, now);
  let next = firstRelayableAfter(loan, now);

  if (!held && (flags & FLAG_AUTO_DEBIT) !== 0) {
    const at = autoDebitFrom(loan);
    if (at !== NEVER && at > now && autoDebitAmountAt(loan, at) !== 0n && next > at) next = at;
  }
  if (!policy.paused && (flags & FLAG_COMMITTED) !== 0) {
    const at = commitmentBreachableAt(loan);
    if (at > now && next > at) next = at;
  }
  if ((flags & FLAGS_CLOSED) === 0) {
    const count = installmentCountOf(loan);
    const oldest = loan.paidInstallments + 1;
    if (oldest > count) return next === NEVER ? null : next;
    if (!policy.paused) {
      const at = defaultTriggerAt(loan);
      if (at > now && next > at) next = at;
    }
    if (!held) {
      const at = nextScheduleAction(loan, now, oldest, count);
      if (next > at) next = at;
    }
  } else if ((flags & FLAG_DEFAULTED) !== 0 && !held && (flags & FLAG_COMMITTED) === 0) {
    // The notices wait for an open objection to lapse (a decision is a new fact); the letter for its day.
    const letterAt = debtCollectionLetterAt(loan);
    let at = letterAt > now ? letterAt : NEVER;
    if (loan.objectionDeadline >= now) {
      const opensAt = loan.objectionDeadline + 1n;
      const noticeWaits = loan.contact.defaultNoticeSentFor !== defaultEpoch(loan) || loan.certified;
      if (noticeWaits || letterAt <= opensAt) at = opensAt;
    }
    if (next > at) next = at;
  }
  return next === NEVER ? null : next;
}

/*//////////////////////////////////////////////////////////////
                             INTERNALS
//////////////////////////////////////////////////////////////*/

/** No time: above every uint40. */
const NEVER = 1n << 64n;
/** An amount the view cannot tell (the chain's figure must be read). */
const UNKNOWN = -1n;

/**
 * The first installment from `from` (at most `count + 1`) whose due time is at or after `t`. Due times increase, so
 * this is `count + 1` when none is; O(1) on a regular grid, a binary search on a custom plan.
 */
function firstDueFrom(loan: LoanView, from: number, t: bigint, count: number): number {
  if (from > count) return count + 1;
  const schedule = loan.schedule;
  if (schedule.kind === "custom") {
    const relative = t - loan.startTime;
    const offsets = schedule.dueOffsets;
    let low = from - 1;
    let high = count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (offsets[mid] < relative) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }
  if (schedule.kind === "bullet") return dueTimeOf(loan, 1) >= t ? from : count + 1;
  // Installment n is due at start + n * interval: the first at or after t is ceil((t - start) / interval).
  const relative = t - loan.startTime;
  if (relative <= 0n) return from;
  const interval = schedule.intervalSeconds;
  const first = (relative + interval - 1n) / interval;
  if (first > BigInt(count)) return count + 1;
  const n = Number(first);
  return n > from ? n : from;
}

/** Local midnight (in the borrower's zone) of the day holding `t`. */
function dayStart(loan: LoanView, t: bigint): bigint {
  const shifted = (t + loan.contact.utcOffsetSeconds) % DAY;
  return t - (shifted < 0n ? shifted + DAY : shifted);
}

/**
 * Whether bank record `i` is the one to relay for its reference: not relayed, relayable (Payments.recordBankPayment
 * refuses a zero amount and a time before the loan's start; a reference is credited once), no record of the same
 * reference relayed, and no earlier record of the same reference.
 */
function isRelayable(loan: LoanView, i: number): boolean {
  const records = loan.bankRecords;
  const record = records[i];
  if (record.relayed || record.amount === 0n || record.paidAt < loan.startTime) return false;
  for (let j = 0; j < records.length; j++) {
    if (j === i) continue;
    const other = records[j];
    if (other.bankReference !== record.bankReference) continue;
    if (other.relayed) return false;
    if (other.amount === 0n || other.paidAt < loan.startTime) continue;
    if (other.paidAt < record.paidAt || (other.paidAt === record.paidAt && j < i)) return false;
  }
  return true;
}

/** Whether a record to relay was paid by `t`. */
function relayPendingBy(loan: LoanView, t: bigint): boolean {
  const records = loan.bankRecords;
  for (let i = 0; i < records.length; i++) if (records[i].paidAt <= t && isRelayable(loan, i)) return true;
  return false;
}

/** The earliest `paidAt` after `t` of a record to relay (NEVER: none). */
function firstRelayableAfter(loan: LoanView, t: bigint): bigint {
  let first = NEVER;
  const records = loan.bankRecords;
  for (let i = 0; i < records.length; i++) {
    const paidAt = records[i].paidAt;
    if (paidAt > t && paidAt < first && isRelayable(loan, i)) first = paidAt;
  }
  return first;
}

/** Pushes a relay for each record to relay that was paid by `now` (the chain refuses a later `paidAt`), oldest first;
 * returns whether any was pushed. */
function relayBankPayments(loan: LoanView, now: bigint, actions: Action[]): boolean {
  const records = loan.bankRecords;
  if (records.length === 0) return false;
  const start = actions.length;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record.paidAt > now || !isRelayable(loan, i)) continue;
    actions.push({
      kind: "relayBankPayment",
      loanId: loan.loanId,
      key: relayBankPaymentKey(loan.loanId, record.bankReference),
      validFrom: record.paidAt,
      bankReference: record.bankReference,
      amount: record.amount,
      paidAt: record.paidAt,
    });
  }
  const pushed = actions.length - start;
  if (pushed > 1) sortRelays(actions, start);
  return pushed !== 0;
}

/** Insertion sort of the relays from `start`: paid first, then by reference (records are few). */
function sortRelays(actions: Action[], start: number): void {
  for (let i = start + 1; i < actions.length; i++) {
    const current = actions[i] as RelayBankPaymentAction;
    let j = i - 1;
    while (j >= start) {
      const previous = actions[j] as RelayBankPaymentAction;
      if (
        previous.paidAt < current.paidAt ||
        (previous.paidAt === current.paidAt && previous.bankReference <= current.bankReference)
      ) {
        break;
      }
      actions[j + 1] = previous;
      j--;
    }
    actions[j + 1] = current;
  }
}

/**
 * When something first falls due for auto-debit (NEVER: never with this view; 0n: a whole fixed debt, due all along).
 * Mirrors what makes `LoanLedger._quote`'s `dueNow` non-zero: the oldest unpaid installment's due time (due at that
 * very second: `dueTime > block.timestamp` is not yet due), or the first unpaid commitment installment's due time
 * (`_fixedDebtDue`).
 */
function autoDebitFrom(loan: LoanView): bigint {
  if ((loan.flags & FLAG_FIXED_DEBT) === 0) {
    const oldest = loan.paidInstallments + 1;
    return oldest > installmentCountOf(loan) ? NEVER : dueTimeOf(loan, oldest);
  }
  const commitment = loan.commitment;
  if ((loan.flags & FLAG_COMMITTED) === 0 || commitment === null) return loan.balance === 0n ? NEVER : 0n;
  const index = firstUnpaidCommitment(commitment, commitment.total - loan.balance);
  return index === commitment.dueTimes.length ? NEVER : commitment.dueTimes[index];
}

/**
 * What auto-debit would pull at `t` per the view, if the borrower's funds cover it: 0n for nothing (nothing due, or
 * funds read that do not cover it), UNKNOWN when something is due but the view does not know how much (the chain's
 * `amountDue` was not read since it fell due). Mirrors `EnforcementBase._debitable`: a fixed debt's due amount is
 * exact (`_fixedDebtDue`); a scheduled loan's is the chain's `amountDue` read at or after the oldest installment's
 * due time.
 */
function autoDebitAmountAt(loan: LoanView, t: bigint): bigint {
  const from = autoDebitFrom(loan);
  if (from === NEVER || t < from) return 0n;
  const funds = loan.funds;
  let amount: bigint;
  if ((loan.flags & FLAG_FIXED_DEBT) !== 0) amount = fixedDebtDue(loan, t);
  else amount = funds !== null && funds.asOf >= from ? funds.amountDue : UNKNOWN;
  if (amount === 0n) return 0n;
  if (amount !== UNKNOWN && funds !== null && (funds.borrowerBalance < amount || funds.borrowerAllowance < amount)) {
    return 0n;
  }
  return amount;
}

function pushAutoDebit(loan: LoanView, now: bigint, actions: Action[]): void {
  const amount = autoDebitAmountAt(loan, now);
  if (amount === 0n) return;
  const loanId = loan.loanId;
  let key: string;
  let validFrom: bigint | null;
  const commitment = loan.commitment;
  if ((loan.flags & FLAG_FIXED_DEBT) === 0) {
    const oldest = loan.paidInstallments + 1;
    key = `${loanId}:autoDebit:i${oldest}`;
    validFrom = dueTimeOf(loan, oldest);
  } else if ((loan.flags & FLAG_COMMITTED) !== 0 && commitment !== null) {
    const index = firstUnpaidCommitment(commitment, commitment.total - loan.balance);
    key = `${loanId}:autoDebit:c${commitment.id}:${index + 1}`;
    validFrom = commitment.dueTimes[index];
  } else {
    key = `${loanId}:autoDebit:f${loan.balance}`;
    validFrom = null;
  }
  actions.push({ kind: "autoDebit", loanId, key, validFrom, amount: amount === UNKNOWN ? null : amount });
}

/**
 * Late marks and reminders of a loan in its normal course. Late marks: every unpaid installment past its due time
 * (from the second after it, as `LoanLedger._missedInstallments` counts them and `_statusOf` turns Late). Reminders,
 * in calendar days of the borrower's zone:
 * - the next installment not yet late (due at or after now): `remindBeforeDue` from local midnight three days before
 *   its due date until the due date, then `remindDueToday` until its due time (inclusive: not late yet);
 * - the oldest unpaid installment once late: `remindLate1` from local midnight the day after its due date, replaced
 *   by `remindLate7` from local midnight seven days after it.
 */
function pushScheduleActions(loan: LoanView, now: bigint, oldest: number, count: number, actions: Action[]): void {
  const loanId = loan.loanId;
  const upcoming = firstDueFrom(loan, oldest, now, count);
  for (let n = Math.max(oldest, loan.lateMarkedThrough + 1); n < upcoming; n++) {
    const dueTime = dueTimeOf(loan, n);
    actions.push({
      kind: "markLate",
      loanId,
      key: `${loanId}:markLate:i${n}`,
      validFrom: dueTime + 1n,
      installment: n,
      dueTime,
    });
  }
  const reminded = loan.contact.remindedThrough;
  if (oldest < upcoming) {
    const dueTime = dueTimeOf(loan, oldest);
    const dueDay = dayStart(loan, dueTime);
    const late7 = dueDay + REMIND_LATE7_DAYS * DAY;
    const late1 = dueDay + REMIND_LATE1_DAYS * DAY;
    if (now >= late7) {
      if (oldest > reminded.remindLate7) pushReminder(loan, "remindLate7", oldest, dueTime, late7, actions);
    } else if (now >= late1 && oldest > reminded.remindLate1) {
      pushReminder(loan, "remindLate1", oldest, dueTime, late1, actions);
    }
  }
  if (upcoming <= count) {
    const dueTime = dueTimeOf(loan, upcoming);
    const dueDay = dayStart(loan, dueTime);
    const before = dueDay - REMIND_BEFORE_DUE_DAYS * DAY;
    if (now >= dueDay) {
      if (upcoming > reminded.remindDueToday) pushReminder(loan, "remindDueToday", upcoming, dueTime, dueDay, actions);
    } else if (now >= before && upcoming > reminded.remindBeforeDue) {
      pushReminder(loan, "remindBeforeDue", upcoming, dueTime, before, actions);
    }
  }
}

function pushReminder(
  loan: LoanView,
  kind: ReminderKind,
  installment: number,
  dueTime: bigint,
  validFrom: bigint,
  actions: Action[],
): void {
  actions.push({
    kind,
    loanId: loan.loanId,
    key: `${loan.loanId}:${kind}:i${installment}`,
    validFrom,
    installment,
    dueTime,
  });
}

/**
 * The first time after `now` that `pushScheduleActions` pushes a key it does not push at `now` (NEVER: none). Per
 * kind: the next installment to turn late; the oldest one's late reminders; and, walking the installments from the
 * upcoming one, the first whose before-due or due-today window opens after `now` (installment n > upcoming becomes
 * the upcoming one at the second after installment n - 1's due time, so its window opens no earlier).
 */
function nextScheduleAction(loan: LoanView, now: bigint, oldest: number, count: number): bigint {
  let next = NEVER;
  const upcoming = firstDueFrom(loan, oldest, now, count);
  const toMark = Math.max(upcoming, loan.lateMarkedThrough + 1);
  if (toMark <= count) next = dueTimeOf(loan, toMark) + 1n;

  const reminded = loan.contact.remindedThrough;
  const oldestDay = dayStart(loan, dueTimeOf(loan, oldest));
  const late1 = oldestDay + REMIND_LATE1_DAYS * DAY;
  const late7 = oldestDay + REMIND_LATE7_DAYS * DAY;
  if (oldest > reminded.remindLate1 && late1 > now && late1 < next) next = late1;
  if (oldest > reminded.remindLate7 && late7 > now && late7 < next) next = late7;

  for (let n = Math.max(upcoming, reminded.remindBeforeDue + 1); n <= count; n++) {
    const dueDay = dayStart(loan, dueTimeOf(loan, n));
    let opens = dueDay - REMIND_BEFORE_DUE_DAYS * DAY;
    if (n > upcoming) {
      const upcomingFrom = dueTimeOf(loan, n - 1) + 1n;
      if (upcomingFrom > opens) opens = upcomingFrom;
    }
    // An empty window (the installment became the upcoming one on its due date) never shows.
    if (opens >= dueDay) continue;
    if (opens > now) {
      if (opens < next) next = opens;
      break;
    }
  }
  for (let n = Math.max(upcoming, reminded.remindDueToday + 1); n <= count; n++) {
    let opens = dayStart(loan, dueTimeOf(loan, n));
    if (n > upcoming) {
      const upcomingFrom = dueTimeOf(loan, n - 1) + 1n;
      if (upcomingFrom > opens) opens = upcomingFrom;
    }
    if (opens > now) {
      if (opens < next) next = opens;
      break;
    }
  }
  return next;
}
