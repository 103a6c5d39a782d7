import { after, describe, it } from "node:test";
import { expect } from "chai";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import { ChainStateError } from "./chainState.ts";
import { countRows, freshStore, STORE_BACKENDS } from "./storeBackends.ts";
import type { ActionState, PlanActionParameters, UpsertLoanParameters } from "./types.ts";
import {
  FLAG_AUTO_DEBIT,
  FLAG_COMMITTED,
  FLAG_DEFAULTED,
  FLAG_REPAID,
  FLAG_WRITTEN_OFF,
} from "../../core/decisions.ts";
import { decodeLoanFacts, encodeLoanFacts, keeperFactsFrom } from "../../core/loanFacts.ts";

const loan = (overrides: Partial<UpsertLoanParameters> = {}): UpsertLoanParameters => ({
  id: 1n,
  templateId: 1n,
  borrower: "0x1111111111111111111111111111111111111111",
  claimHolder: "0x2222222222222222222222222222222222222222",
  principal: 1_000_000n,
  status: 1,
  stage: 0,
  flags: 0,
  nextDueTime: 1_700_000_000n,
  defaultEligibleAt: null,
  updatedBlock: 10n,
  ...overrides,
});

const event = { blockNumber: 10n, blockHash: "0xb10", txHash: "0xt1", logIndex: 3, address: "0xbook" } as const;

const autoDebit: PlanActionParameters = {
  key: "1:autoDebit:i1",
  loanId: 1n,
  kind: "autoDebit",
  installment: 1,
  validFrom: 1_700_000_000n,
  payload: {},
};

/** The chain facts of loan `loanId` with these flags, as `loanFacts.ts` encodes them. */
const factsOf = (loanId: bigint, flags: number): string =>
  encodeLoanFacts({
    loanId,
    startTime: 1_690_000_000n,
    flags,
    paidInstallments: 1,
    balance: 2n ** 128n - 1n,
    schedule: { kind: "annuity", intervalSeconds: 2_592_000n, count: 12, dueOffsets: [] },
    defaultDaysPastDue: 30,
    defaultMissedInstallments: 3,
    objectionWindowSeconds: 1_209_600n,
    certified: false,
    objectionDeadline: 0n,
    annulledAt: 0n,
    commitment: null,
  });

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  const newStore = () => freshStore(backend);

  describe(`openStore on ${backend.name}: loans`, { skip: backend.skip }, () => {
    it("keeps a loan's chain facts and when it defaulted, and clears them when an upsert omits them", async () => {
      const { store } = await newStore();
      const facts = factsOf(1n, FLAG_DEFAULTED);
      store.upsertLoan(loan({ facts, defaultedAt: 1_700_000_500n }));
      expect(store.getLoan(1n)).to.include({ facts, defaultedAt: 1_700_000_500n });
      expect(decodeLoanFacts(store.getLoan(1n)!.facts!).balance).to.equal(2n ** 128n - 1n);
      store.upsertLoan(loan({ updatedBlock: 11n }));
      expect(store.getLoan(1n)).to.include({ facts: null, defaultedAt: null, updatedBlock: 11n });
      expect(() => store.upsertLoan(loan({ facts: "{not json" }))).to.throw(/check/i);
      store.close();
    });

    it("lists the open loans' facts by id: not a loan without facts, nor one repaid or written off", async () => {
      const { store } = await newStore();
      const open = [
        { id: 5n, flags: 0, defaultedAt: null },
        { id: 2n, flags: FLAG_DEFAULTED | FLAG_COMMITTED, defaultedAt: 1_700_000_900n },
        { id: 9n, flags: FLAG_AUTO_DEBIT, defaultedAt: null },
      ];
      for (const { id, flags, defaultedAt } of open)
        store.upsertLoan(loan({ id, flags, facts: factsOf(id, flags), defaultedAt }));
      store.upsertLoan(loan({ id: 3n, flags: FLAG_REPAID, facts: factsOf(3n, FLAG_REPAID) }));
      const writtenOff = FLAG_DEFAULTED | FLAG_WRITTEN_OFF;
      store.upsertLoan(loan({ id: 4n, flags: writtenOff, facts: factsOf(4n, writtenOff), defaultedAt: 1n }));
      store.upsertLoan(loan({ id: 1n, flags: 0 }));

      expect([...store.openLoanFacts()]).to.deep.equal([
        { id: 2n, facts: factsOf(2n, FLAG_DEFAULTED | FLAG_COMMITTED), defaultedAt: 1_700_000_900n },
        { id: 5n, facts: factsOf(5n, 0), defaultedAt: null },
        { id: 9n, facts: factsOf(9n, FLAG_AUTO_DEBIT), defaultedAt: null },
      ]);
      expect(store.loanIds()).to.deep.equal([1n, 2n, 3n, 4n, 5n, 9n]);
      store.close();
    });

    it("counts contact progress from done actions only, the highest installment per loan and kind", async () => {
      const { store } = await newStore();
      const plan = (loanId: bigint, kind: string, installment: number, state?: ActionState) => {
        const key = `${loanId}:${kind}:i${installment}`;
        const { id } = store.enqueueAction({ key, loanId, kind, installment, validFrom: 0n, payload: {} }).action;
        if (state !== undefined) store.markAction(id, { state });
      };
      plan(1n, "remindBeforeDue", 1, "done");
      plan(1n, "remindBeforeDue", 3, "done");
      plan(1n, "remindBeforeDue", 2, "done");
      plan(1n, "remindBeforeDue", 4, "sent");
      plan(1n, "remindBeforeDue", 5);
      plan(1n, "remindLate1", 2, "failed");
      plan(1n, "remindLate7", 2, "dropped");
      plan(1n, "markLate", 2, "done");
      plan(1n, "declareDefault", 7, "done");
      plan(2n, "remindDueToday", 1, "done");
      plan(2n, "remindLate7", 3, "planned");
      plan(3n, "remindLate1", 1, "sent");

      const progress = store.contactProgress();
      expect([...progress.keys()]).to.have.members([1n, 2n]);
      expect(Object.fromEntries(progress.get(1n)!)).to.deep.equal({ remindBeforeDue: 3, markLate: 2 });
      expect(Object.fromEntries(progress.get(2n)!)).to.deep.equal({ remindDueToday: 1 });

      const keeper = keeperFactsFrom({ defaultedAt: null, progress: progress.get(1n) });
      expect(keeper.lateMarkedThrough).to.equal(2);
      expect(keeper.contact.remindedThrough).to.deep.equal({
        remindBeforeDue: 3,
        remindDueToday: 0,
        remindLate1: 0,
        remindLate7: 0,
      });
      store.close();
    });
  });

  describe(`openStore on ${backend.name}: chain records`, { skip: backend.skip }, () => {
    it("stores an event once per transaction hash and log index", async () => {
      const { store, db } = await newStore();
      const args = { loanId: 1n, actor: "0xabc", missedInstallments: 2n ** 70n };
      expect(store.insertEvent({ ...event, name: "LoanDefaulted", loanId: 1n, args })).to.equal(true);
      expect(store.insertEvent({ ...event, name: "LoanDefaulted", loanId: 1n, args })).to.equal(false);
      expect(store.insertEvent({ ...event, logIndex: 4, name: "LoanDefaulted", loanId: 1n, args })).to.equal(true);
      expect(countRows(db, "events")).to.equal(2);

      const [{ args: stored }] = db.rows<{ args: string }>("SELECT args FROM events WHERE log_index = 3");
      expect(JSON.parse(stored)).to.deep.equal({ loanId: "1", actor: "0xabc", missedInstallments: String(2n ** 70n) });
      store.close();
    });

    it("records a block once and refuses another block at the same height", async () => {
      const { store } = await newStore();
      const block = { number: 5n, hash: "0xaa", parentHash: "0x99", timestamp: 1_700_000_000n } as const;
      store.recordBlock(block);
      store.recordBlock(block);
      expect(store.getBlock(5n)).to.deep.equal(block);
      expect(() => store.recordBlock({ ...block, hash: "0xbb" })).to.throw(ChainStateError, "roll back");
      store.close();
    });

    it("enforces foreign keys", async () => {
      const { store } = await newStore();
      const installment = { number: 1, dueTime: 1n, principal: 1n, interest: 0n, paid: 0n };
      expect(() => store.replaceInstallments(42n, 10n, [installment])).to.throw(/foreign key/i);
      store.close();
    });
  });

  describe(`openStore on ${backend.name}: amounts`, { skip: backend.skip }, () => {
    const big = [2n ** 64n, 2n ** 64n + 1n, 2n ** 128n + 12_345n, 2n ** 256n - 1n, 0n];

    it("round-trips amounts above 2^64 exactly", async () => {
      const { store } = await newStore();
      for (const [index, principal] of big.entries()) {
        const id = BigInt(index + 1);
        store.upsertLoan(loan({ id, principal }));
        expect(store.getLoan(id)?.principal).to.equal(principal);
        const installments = [{ number: 1, dueTime: 2n ** 40n - 1n, principal, interest: principal, paid: principal }];
        store.replaceInstallments(id, 10n, installments);
        expect(store.getInstallments(id)).to.deep.equal(installments);
      }
      store.close();
    });

    it("converts at the edge, refusing what is not a uint256 or a canonical decimal", async () => {
      for (const value of big) expect(fromDbAmount(toDbAmount(value))).to.equal(value);
      expect(() => toDbAmount(-1n)).to.throw(RangeError);
      expect(() => toDbAmount(2n ** 256n)).to.throw(RangeError);
      for (const text of ["", "01", "1e3", "-1", " 1", "0x10"])
        expect(() => fromDbAmount(text), text).to.throw(RangeError);
    });

    it("refuses a non-canonical amount written behind its back", async () => {
      const { store, db } = await newStore();
      store.close();
      const insert = (text: string) =>
        db.run(
          `INSERT INTO loans (id, template_id, borrower, claim_holder, principal, status, stage, flags, updated_block)
           VALUES (1, 1, '0x1', '0x2', ?, 1, 0, 0, 1)`,
          text,
        );
      for (const text of ["", "007", "1.5", "-3", "1e9"]) expect(() => insert(text), text).to.throw(/check/i);
    });
  });

  describe(`openStore on ${backend.name}: transactions`, { skip: backend.skip }, () => {
    it("writes nothing when the function throws", async () => {
      const { store, db } = await newStore();
      store.setCheckpoint({ blockNumber: 9n, blockHash: "0x09" });
      expect(() =>
        store.transaction(() => {
          store.recordBlock({ number: 10n, hash: "0xb10", parentHash: "0x09", timestamp: 1n });
          store.upsertLoan(loan());
          store.insertEvent({ ...event, name: "LoanOriginated", loanId: 1n, args: {} });
          store.enqueueAction(autoDebit);
          store.setCheckpoint({ blockNumber: 10n, blockHash: "0xb10" });
          throw new Error("boom");
        }),
      ).to.throw("boom");
      expect(store.getCheckpoint()).to.deep.equal({ blockNumber: 9n, blockHash: "0x09" });
      for (const table of ["blocks", "loans", "events", "actions"]) expect(countRows(db, table), table).to.equal(0);
      store.close();
    });

    it("keeps everything when it returns, and refuses an async function", async () => {
      const { store, db } = await newStore();
      const id = store.transaction(() => {
        store.upsertLoan(loan());
        return store.enqueueAction(autoDebit).action.id;
      });
      expect(store.getAction(id)?.state).to.equal("planned");
      expect(store.getLoan(1n)?.principal).to.equal(1_000_000n);

      const pending: Promise<unknown>[] = [];
      expect(() =>
        store.transaction(() => {
          store.upsertLoan(loan({ id: 2n }));
          const promise = Promise.resolve();
          pending.push(promise);
          return promise;
        }),
      ).to.throw(TypeError, "synchronous");
      await Promise.all(pending);
      expect(store.getLoan(2n)).to.equal(undefined);
      expect(countRows(db, "loans")).to.equal(1);
      store.close();
    });
  });
}
