/**
 * A synthetic loan book for the keeper's benchmarks: `count` loans with the chain facts a real book would have at
 * time `now`, deterministic (a fixed-seed generator), written to a store as the follower writes them, in batched
 * transactions (a million loans in seconds). `timeWhenDue` finds, from the next checks the planner stored, when the
 * next share of the book comes due: the benchmark's steady passes run then, each with about 1% of the book due.
 *
 * The mix: three templates (monthly annuity over 12, monthly equal-principal over 12 with 2 missed installments as
 * the trigger, a 6-month bullet), loans started up to a year before `now`; most pay on time, some are behind, 5% in
 * default (a third of those committed), 5% repaid.
 */
import { DAY, FLAG_COMMITTED, FLAG_DEFAULTED, FLAG_FIXED_DEBT, FLAG_REPAID } from "../../keeper/src/core/decisions.ts";
import { encodeLoanFacts, type LoanFacts } from "../../keeper/src/core/loanFacts.ts";
import type { Store } from "../../keeper/src/adapters/store/openStore.ts";

const MONTH = 30n * DAY;
const BORROWER = "0x00000000000000000000000000000000000b0b00";
const LENDER = "0x000000000000000000000000000000000000a11c";

/** Mulberry32: a small, fast, seeded generator (benchmarks must be repeatable). */
export function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The facts of synthetic loan `id` at `now`. */
export function syntheticLoan(id: bigint, now: bigint, random: () => number): LoanFacts {
  const template = Math.floor(random() * 3);
  const startTime = now - BigInt(Math.floor(random() * 365)) * DAY - BigInt(Math.floor(random() * 86_400));
  const count = template === 2 ? 1 : 12;
  const interval = template === 2 ? MONTH : MONTH;
  const bulletCount = 6;
  const elapsed = Number((now - startTime) / interval);
  const dueSoFar = Math.min(template === 2 ? (elapsed >= bulletCount ? 1 : 0) : elapsed, count);
  const roll = random();
  let flags = 0;
  let paidInstallments = dueSoFar;
  let commitment: LoanFacts["commitment"] = null;
  let balance = 1_000_000_000n + BigInt(Math.floor(random() * 4_000_000_000));
  if (roll < 0.05) {
    flags = FLAG_REPAID;
    paidInstallments = count;
  } else if (roll < 0.1) {
    flags = FLAG_DEFAULTED | FLAG_FIXED_DEBT;
    paidInstallments = Math.max(0, dueSoFar - 3);
    if (roll < 0.067) {
      flags |= FLAG_COMMITTED;
      const first = startTime + BigInt(paidInstallments + 3) * interval;
      const total = balance;
      commitment = {
        id: `${total}@${first}`,
        dueTimes: [0n, 1n, 2n, 3n, 4n, 5n].map((i) => first + i * MONTH),
        cumulative: [1n, 2n, 3n, 4n, 5n, 6n].map((i) => (total * i) / 6n),
        total,
        graceSeconds: 5n * DAY,
      };
      balance = total - (total * BigInt(Math.floor(random() * 3))) / 6n;
    }
  } else if (roll < 0.25) {
    // Behind by one or two installments.
    paidInstallments = Math.max(0, dueSoFar - 1 - Math.floor(random() * 2));
  }
  return {
    loanId: id,
    startTime,
    flags,
    paidInstallments: Math.min(paidInstallments, count),
    balance,
    schedule: {
      kind: template === 0 ? "annuity" : template === 1 ? "equalPrincipal" : "bullet",
      intervalSeconds: template === 2 ? (BigInt(bulletCount) * MONTH) / BigInt(bulletCount) : interval,
      count: template === 2 ? bulletCount : count,
      dueOffsets: [],
    },
    defaultDaysPastDue: template === 1 ? 0 : 30,
    defaultMissedInstallments: template === 1 ? 2 : 0,
    objectionWindowSeconds: 7n * DAY,
    certified: (flags & FLAG_DEFAULTED) !== 0 && random() < 0.5,
    objectionDeadline: 0n,
    annulledAt: 0n,
    commitment,
  };
}

/** Loans written per transaction: one transaction per loan would be bound by fsync, one for the book by memory. */
export const BOOK_BATCH = 10_000;

/**
 * Writes `count` synthetic loans to `store`, `BOOK_BATCH` to a transaction, as the follower writes them (each with
 * its next check at 0: decided at the next pass).
 *
 * @example
 * writeSyntheticBook(store, 1_000_000, 20_000n * DAY);
 */
export function writeSyntheticBook(store: Store, count: number, now: bigint, seed = 42): void {
  const random = generator(seed);
  for (let from = 1; from <= count; from += BOOK_BATCH) {
    const to = Math.min(count, from + BOOK_BATCH - 1);
    store.transaction(() => {
      for (let i = from; i <= to; i++) {
        const id = BigInt(i);
        const facts = syntheticLoan(id, now, random);
        store.upsertLoan({
          id,
          templateId: 1n,
          borrower: BORROWER,
          claimHolder: LENDER,
          principal: 5_000_000_000n,
          status: 1,
          stage: 0,
          flags: facts.flags,
          nextDueTime: null,
          defaultEligibleAt: null,
          updatedBlock: 1n,
          facts: encodeLoanFacts(facts),
          defaultedAt: (facts.flags & FLAG_DEFAULTED) !== 0 ? now - 10n * DAY : null,
        });
      }
    });
  }
}

/**
 * The chain time by which `count` more loans of the book come due after `after`, from their stored next checks (a
 * page of the index, not the book); null when fewer than `count` ever do. The benchmark's steady passes run at these
 * times, so that each decides about `count` loans as a running keeper would when that many fall due.
 *
 * @example
 * const at = timeWhenDue(store, now, 10_000); // a pass at `at` decides about 10,000 loans
 */
export function timeWhenDue(store: Store, after: bigint, count: number): bigint | null {
  const rows = store.loansDueForCheck(1n << 62n, { nextCheckAt: after, id: 1n << 62n }, count);
  return rows.length < count ? null : rows[rows.length - 1].nextCheckAt;
}
