/**
 * The decision pass reads only the loans with something due (`next_check_at`), yet must plan exactly what deciding
 * every loan at every pass plans. The main test runs one book in two stores through the same history (time moving
 * by minutes to weeks, the executor carrying actions out, the follower storing payments and defaults): one store
 * with a single planner (incremental passes), the other with a new planner at each pass (every pass full, as the
 * planner did before next checks). Their outboxes must be equal after every pass.
 */
import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import {
  DAY,
  FLAG_DEFAULTED,
  FLAG_FIXED_DEBT,
  FLAG_REPAID,
  FLAGS_CLOSED,
  type KeeperPolicy,
} from "../core/decisions.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import { decodeLoanFacts, encodeLoanFacts, type LoanFacts } from "../core/loanFacts.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { INTERVAL, START, due, loanOf } from "../adapters/store/readModelFixture.ts";
import { generator, syntheticLoan } from "../../../scripts/keeper/syntheticBook.ts";
import { createPlanner } from "./planner.ts";

const dir = mkdtempSync(join(tmpdir(), "keeper-planner-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newStore = (): Store => openStore(join(dir, `store-${++files}.sqlite`));
const logger = pino({ level: "silent" });
const run: KeeperPolicy = { paused: false };
const paused: KeeperPolicy = { paused: true };
const HOUR = 3_600n;

/** Every key in the outbox, sorted. */
function outboxKeys(store: Store): string[] {
  const keys: string[] = [];
  for (const id of store.loanIds()) for (const action of store.actionsOfLoan(id)) keys.push(action.key);
  return keys.sort();
}

/** The earliest next check stored after `now` (null: none). */
function earliestCheckAfter(store: Store, now: bigint): bigint | null {
  const [row] = store.loansDueForCheck(2n ** 62n, { nextCheckAt: now, id: 2n ** 62n }, 1);
  return row?.nextCheckAt ?? null;
}

/** The executor: every planned action done at `now` (the chain's effects come through `follow`). */
function carryOut(store: Store, now: bigint): string[] {
  const done: string[] = [];
  store.transaction(() => {
    for (const action of store.nextActions(Number.MAX_SAFE_INTEGER, now)) {
      store.markAction(action.id, { state: "done", outcome: "test" });
      done.push(action.key);
    }
  });
  return done;
}

function upsertFacts(store: Store, facts: LoanFacts, defaultedAt: bigint | null): void {
  store.upsertLoan({ ...loanOf(facts.loanId, { flags: facts.flags, defaultedAt }), facts: encodeLoanFacts(facts) });
}

/**
 * The follower after the executor: a declared default turns the loan Defaulted; some borrowers pay their oldest
 * installment (chosen by `random`, the same in both stores).
 */
function follow(store: Store, done: readonly string[], now: bigint, random: () => number): void {
  const defaulted = new Set(done.filter((key) => key.includes(":declareDefault:")).map((key) => key.split(":")[0]));
  store.transaction(() => {
    for (const id of store.loanIds()) {
      const record = store.getLoan(id)!;
      const facts = decodeLoanFacts(record.facts!);
      const roll = random();
      if (defaulted.has(String(id))) {
        upsertFacts(store, { ...facts, flags: facts.flags | FLAG_DEFAULTED | FLAG_FIXED_DEBT }, now);
      } else if ((facts.flags & FLAGS_CLOSED) === 0 && roll < 0.05) {
        const count = facts.schedule.kind === "bullet" ? 1 : facts.schedule.count;
        const paid = facts.paidInstallments + 1;
        const flags = paid >= count ? facts.flags | FLAG_REPAID : facts.flags;
        upsertFacts(store, { ...facts, paidInstallments: Math.min(paid, count), flags }, record.defaultedAt);
      }
    }
  });
}

describe("planner", () => {
  it("plans at every pass exactly what a full pass plans, deciding only the loans due", () => {
    const incremental = newStore();
    const reference = newStore();
    const book = generator(7);
    const t0 = 20_000n * DAY + 5n * HOUR;
    const loans = Array.from({ length: 300 }, (_, i) => syntheticLoan(BigInt(i + 1), t0, book));
    for (const store of [incremental, reference]) {
      store.transaction(() => {
        for (const facts of loans) {
          const defaultedAt = (facts.flags & FLAG_DEFAULTED) !== 0 ? t0 - 10n * DAY : null;
          store.upsertLoan({
            ...loanOf(facts.loanId, { flags: facts.flags, defaultedAt }),
            facts: encodeLoanFacts(facts),
          });
        }
      });
    }
    // Loan 3 gets a bank payment dated ahead of the clock; relayed when its relay is done.
    for (const store of [incremental, reference]) {
      store.insertBankRecord({
        source: "camt053",
        bankReference: "REF-3",
        loanReference: "L3",
        loanId: 3n,
        amount: 10n,
        paidAt: t0 + 2n * DAY,
        rawPayload: "{}",
      });
    }
    const planner = createPlanner({ store: incremental, logger, pageSize: 16 });
    const steps = generator(11);
    const followIncremental = generator(13);
    const followReference = generator(13);
    let now = t0;
    let decided = 0;
    let decidedInFull = 0;
    for (let pass = 0; pass < 60; pass++) {
      const policy = pass >= 20 && pass < 25 ? paused : run;
      const result = planner.plan(now, policy);
      const full = createPlanner({ store: reference, logger }).plan(now, policy);
      expect(outboxKeys(incremental), `pass ${pass} at ${now}`).to.deep.equal(outboxKeys(reference));
      expect(result.planned).to.equal(full.planned);
      expect(result.full).to.equal(pass === 0 || pass === 20 || pass === 25);
      if (!result.full) {
        decided += result.loans;
        decidedInFull += full.loans;
      }
      const doneIncremental = carryOut(incremental, now);
      const doneReference = carryOut(reference, now);
      expect([...doneIncremental].sort()).to.deep.equal([...doneReference].sort());
      for (const key of doneIncremental) {
        if (key.includes(":relayBankPayment:")) {
          for (const store of [incremental, reference]) store.markBankRecordRelayed("REF-3", null);
        }
      }
      follow(incremental, doneIncremental, now, followIncremental);
      follow(reference, doneReference, now, followReference);
      // The second before the earliest stored check (a check stored late shows there: the full pass plans more),
      // then the check itself; then minutes to weeks on, many passes between two boundaries, some on one.
      const earliest = earliestCheckAfter(incremental, now);
      const roll = steps();
      if (pass % 3 === 0 && earliest !== null && earliest - 1n > now) now = earliest - 1n;
      else if (pass % 3 === 1 && earliest !== null) now = earliest;
      else now += roll < 0.3 ? BigInt(Math.floor(roll * 3_000)) * 60n : BigInt(Math.floor(roll * 14 * 86_400));
    }
    expect(outboxKeys(incremental).some((key) => key.includes(":relayBankPayment:"))).to.equal(true);
    expect(decided, "incremental passes decide a fraction of the book").to.be.below(decidedInFull / 3);
    incremental.close();
    reference.close();
  });

  it("decides again a loan whose facts changed, whatever its stored check", () => {
    const store = newStore();
    store.upsertLoan(loanOf(1n));
    const planner = createPlanner({ store, logger });
    const now = START + DAY;
    expect(planner.plan(now, run)).to.include({ loans: 1, full: true });
    expect(store.loanFactsOf(1n)!.nextCheckAt).to.equal(due(1) - 3n * DAY - 10n * HOUR);
    expect(planner.plan(now + 1n, run)).to.include({ loans: 0, full: false });
    // The follower stores the same loan in default: new facts, decided at once.
    store.upsertLoan(loanOf(1n, { flags: FLAG_DEFAULTED, defaultedAt: now }, { flags: FLAG_DEFAULTED }));
    expect(store.loanFactsOf(1n)!.nextCheckAt).to.equal(0n);
    expect(planner.plan(now + 2n, run)).to.include({ loans: 1, planned: 1 });
    expect(store.getActionByKey("1:defaultNotice:d0")?.state).to.equal("planned");
    store.close();
  });

  it("decides every loan again when the policy changes: a default held while paused is declared", () => {
    const store = newStore();
    // Installment 1 unpaid for 30 days: the default is due; paused, it is not declared and not scheduled.
    store.upsertLoan(loanOf(1n, {}, { paidInstallments: 0 }));
    store.upsertLoan(loanOf(2n, {}, { paidInstallments: 1 }));
    const planner = createPlanner({ store, logger });
    const now = due(1) + 31n * DAY;
    expect(planner.plan(now, paused)).to.include({ loans: 2, full: true });
    expect(store.getActionByKey("1:declareDefault:d0")).to.equal(undefined);
    expect(planner.plan(now + 1n, paused)).to.include({ full: false });
    expect(planner.plan(now + 2n, run)).to.include({ loans: 2, full: true });
    expect(store.getActionByKey("1:declareDefault:d0")?.state).to.equal("planned");
    expect(planner.plan(now + 3n, run)).to.include({ loans: 0, full: false });
    store.close();
  });

  it("a loan paid off, or not read, is never checked until its facts change", () => {
    const store = newStore();
    store.upsertLoan(loanOf(1n, { flags: FLAG_REPAID }, { flags: FLAG_REPAID, paidInstallments: 12 }));
    store.upsertLoan(loanOf(2n, {}, null));
    expect(store.loanFactsOf(1n)!.nextCheckAt).to.equal(null);
    expect(store.loanFactsOf(2n)!.nextCheckAt).to.equal(null);
    const planner = createPlanner({ store, logger });
    expect(planner.plan(due(12) + 100n * DAY, run)).to.include({ loans: 2, due: 0, full: true });
    expect(planner.plan(due(12) + 200n * DAY, run)).to.include({ loans: 0, full: false });
    store.close();
  });

  it("decides a loan while a matched bank payment waits and once after it is relayed", () => {
    const store = newStore();
    store.upsertLoan(loanOf(1n));
    const planner = createPlanner({ store, logger });
    const now = due(1) + 2n * DAY;
    planner.plan(now, run);
    carryOut(store, now);
    const stored = store.loanFactsOf(1n)!.nextCheckAt!;
    expect(stored > now + 1n).to.equal(true);
    store.insertBankRecord({
      source: "camt053",
      bankReference: "REF-1",
      loanReference: "L1",
      loanId: 1n,
      amount: 5n,
      paidAt: now,
      rawPayload: "{}",
    });
    expect(planner.plan(now + 1n, run)).to.include({ loans: 1, planned: 1 });
    expect(store.getActionByKey(`1:relayBankPayment:b${bankReferenceOf("REF-1")}`)).to.not.equal(undefined);
    // The payment held contact back: relayed, the loan is decided once more, then left to its check.
    store.markBankRecordRelayed("REF-1", null);
    expect(planner.plan(now + 2n, run)).to.include({ loans: 1 });
    expect(planner.plan(now + 3n, run)).to.include({ loans: 0 });
    expect(store.loanFactsOf(1n)!.nextCheckAt).to.equal(stored);
    store.close();
  });

  it("reads a large book in pages: the same outbox whatever the page size", () => {
    const stores = [newStore(), newStore()];
    for (const store of stores) {
      store.transaction(() => {
        for (let id = 1n; id <= 50n; id++) {
          store.upsertLoan(loanOf(id, {}, { startTime: START + id * HOUR, paidInstallments: Number(id % 3n) }));
        }
      });
    }
    const small = createPlanner({ store: stores[0], logger, pageSize: 7 });
    const large = createPlanner({ store: stores[1], logger, pageSize: 1_000 });
    for (let now = START; now < START + 6n * INTERVAL; now += 5n * DAY) {
      expect(small.plan(now, run)).to.deep.equal(large.plan(now, run));
      expect(outboxKeys(stores[0])).to.deep.equal(outboxKeys(stores[1]));
    }
    for (const store of stores) store.close();
  });
});

/** The hash the chain credits for a camt053 reference, as the planner computes it. */
function bankReferenceOf(reference: string): string {
  return bankReferenceHashOf("camt053", reference);
}
