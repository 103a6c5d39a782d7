import { after, describe, it } from "node:test";
import { expect } from "chai";
import type { Hash } from "viem";
import { ChainStateError } from "./chainState.ts";
import type { Store } from "./openStore.ts";
import { STORE_BACKENDS, type StoreBackend, type TestDatabase } from "./storeBackends.ts";

const hashOf = (block: bigint, fork = "a"): Hash => `0x${fork}${block}`;
const ANCESTOR = 102n;
const HEAD = 105n;

/**
 * Blocks 100..105 with an event in each; payments at 101 and 104; loan 1 read at 101, loan 2 at 104, loan 3 at 102
 * with its installments read at 103; transaction 0xt102 mined at 102 (its action done), 0xt104 mined at 104 (reverted,
 * its action failed), 0xtpending sent; notices to loans 1 and 2 done off chain at 104 and 103.
 */
async function bookAtHead(backend: StoreBackend): Promise<{ store: Store; db: TestDatabase }> {
  const db = await backend.fresh();
  const store = db.open({ now: () => 5_000 });
  store.transaction(() => {
    for (let number = 100n; number <= HEAD; number++) {
      store.recordBlock({ number, hash: hashOf(number), parentHash: hashOf(number - 1n), timestamp: number * 12n });
      store.insertEvent({
        blockNumber: number,
        blockHash: hashOf(number),
        txHash: `0xe${number}`,
        logIndex: 0,
        address: "0xbook",
        name: "RepaymentMade",
        loanId: 1n,
        args: { loanId: 1n },
      });
    }
    for (const block of [101n, 104n]) {
      store.insertPayment({
        loanId: 1n,
        txHash: `0xe${block}`,
        logIndex: 1,
        blockNumber: block,
        payer: "0xpayer",
        amount: 2n ** 65n,
        penaltyPaid: 0n,
        interestPaid: 1n,
        principalPaid: 2n ** 65n - 1n,
        prepaid: 0n,
      });
    }
    const loan = { templateId: 1n, borrower: "0xb", claimHolder: "0xc", principal: 100n, stage: 0, flags: 0 } as const;
    const more = { status: 1, nextDueTime: 1n, defaultEligibleAt: null } as const;
    store.upsertLoan({ ...loan, ...more, id: 1n, updatedBlock: 101n });
    store.upsertLoan({ ...loan, ...more, id: 2n, updatedBlock: 104n });
    store.upsertLoan({ ...loan, ...more, id: 3n, updatedBlock: 102n });
    const installment = { number: 1, dueTime: 1n, principal: 100n, interest: 1n, paid: 0n };
    store.replaceInstallments(1n, 101n, [installment]);
    store.replaceInstallments(3n, 103n, [installment, { ...installment, number: 2 }]);

    const send = (hash: Hash, loanId: bigint, sentBlock: bigint) => {
      const { id } = store.enqueueAction({
        key: `${loanId}:declareDefault:d0`,
        loanId,
        kind: "declareDefault",
        installment: 0,
        validFrom: 1_000n,
        payload: {},
      }).action;
      store.recordTransaction({
        hash,
        account: "0xkeeper",
        nonce: Number(sentBlock),
        gasLimit: 100_000n,
        maxFeePerGas: 2n ** 70n,
        maxPriorityFeePerGas: 1n,
        sentBlock,
        raw: `0x02${sentBlock}`,
        functionName: "declareDefault",
        actionIds: [id],
      });
      store.markAction(id, { state: "sent", attempted: true, txHash: hash });
      return id;
    };
    store.markAction(send("0xt102", 1n, 101n), { state: "done", outcome: "mined", doneBlock: 102n });
    store.markTransaction("0xt102", { state: "mined", minedBlock: 102n });
    const reverted = { state: "failed", outcome: "LoanBook_NotEligible", error: "reverted", doneBlock: 104n } as const;
    store.markAction(send("0xt104", 2n, 103n), reverted);
    store.markTransaction("0xt104", { state: "reverted", minedBlock: 104n });
    send("0xtpending", 3n, 104n);
    // Off chain: notices done while 104 and 103 were the head; no transaction carried them.
    const notice = (loanId: bigint, doneBlock: bigint) => {
      const key = `${loanId}:remindLate1:i1`;
      const planned = { key, loanId, kind: "remindLate1", installment: 1, validFrom: 1_000n, payload: {} };
      const { id } = store.enqueueAction(planned).action;
      store.markAction(id, { state: "done", attempted: true, outcome: "notified", doneBlock });
    };
    notice(1n, 104n);
    notice(2n, 103n);
    store.setCheckpoint({ blockNumber: HEAD, blockHash: hashOf(HEAD) });
  });
  return { store, db };
}

/** The rows of `sql` as arrays, integers as numbers. */
function rows(db: TestDatabase, sql: string): unknown[] {
  return db.rows(sql).map((row) => Object.values(row).map((v) => (typeof v === "bigint" ? Number(v) : v)));
}

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  describe(`rollbackTo on ${backend.name}`, { skip: backend.skip }, () => {
    it("removes exactly what the blocks above the ancestor produced and moves the checkpoint", async () => {
      const { store, db } = await bookAtHead(backend);
      const result = store.rollbackTo(ANCESTOR);

      expect(result).to.deep.equal({
        blocks: 3,
        events: 3,
        payments: 1,
        installments: 2,
        transactions: 1,
        staleLoanIds: [2n, 3n],
      });
      expect(store.getCheckpoint()).to.deep.equal({ blockNumber: ANCESTOR, blockHash: hashOf(ANCESTOR) });
      expect(rows(db, "SELECT number FROM blocks ORDER BY number")).to.deep.equal([[100], [101], [102]]);
      expect(rows(db, "SELECT block_number FROM events ORDER BY block_number")).to.deep.equal([[100], [101], [102]]);
      expect(rows(db, "SELECT block_number, amount FROM payments")).to.deep.equal([[101, String(2n ** 65n)]]);
      expect(rows(db, "SELECT loan_id, number FROM installments")).to.deep.equal([[1, 1]]);

      expect(rows(db, "SELECT id, updated_block, stale FROM loans ORDER BY id")).to.deep.equal([
        [1, 101, 0],
        [2, 104, 1],
        [3, 102, 1],
      ]);
      expect(rows(db, "SELECT hash, state, mined_block FROM transactions ORDER BY hash")).to.deep.equal([
        ["0xt102", "mined", 102],
        ["0xt104", "sent", null],
        ["0xtpending", "sent", null],
      ]);
      expect(rows(db, "SELECT key, state, tx_hash, done_block FROM actions ORDER BY id")).to.deep.equal([
        ["1:declareDefault:d0", "done", "0xt102", 102],
        ["2:declareDefault:d0", "sent", "0xt104", null],
        ["3:declareDefault:d0", "sent", "0xtpending", null],
        ["1:remindLate1:i1", "done", null, 104],
        ["2:remindLate1:i1", "done", null, 103],
      ]);
      store.close();
    });

    it("puts an action settled in a removed block back in flight, keeping its transaction and attempts", async () => {
      const { store, db } = await bookAtHead(backend);
      const before = store.getActionByKey("2:declareDefault:d0")!;
      const kept = store.getActionByKey("1:declareDefault:d0")!;
      store.markCarried("0xt104", before.id, "LoanBook_NotInDefault");
      store.markCarried("0xt102", kept.id, "LoanBook_AlreadyDefaulted");
      store.rollbackTo(ANCESTOR);
      // What a removed block's transaction did with its actions is forgotten with the block; an older one's is kept.
      const links =
        "SELECT tx_hash, skipped FROM transaction_actions WHERE tx_hash IN ('0xt102', '0xt104') ORDER BY tx_hash";
      expect(rows(db, links)).to.deep.equal([
        ["0xt102", "LoanBook_AlreadyDefaulted"],
        ["0xt104", null],
      ]);
      const after = store.getActionByKey("2:declareDefault:d0")!;
      expect(after).to.include({ state: "sent", doneBlock: null, txHash: "0xt104", attempts: before.attempts });
      expect(store.getTransaction("0xt104")).to.include({ state: "sent", minedBlock: null });
      expect(store.actionsOfTransaction("0xt104").map((action) => action.id)).to.deep.equal([before.id]);
      // Once more, the old fork's head and the new one: nothing left above the ancestor to undo.
      expect(store.rollbackTo(ANCESTOR).transactions).to.equal(0);
      expect(store.getActionByKey("1:declareDefault:d0")).to.include({ state: "done", doneBlock: 102n });
      expect(store.getActionByKey("1:remindLate1:i1")).to.include({
        state: "done",
        doneBlock: 104n,
        outcome: "notified",
      });
      store.close();
    });

    it("plans again an action dropped on a refusal simulated at a removed block, and only it", async () => {
      const { store } = await bookAtHead(backend);
      const drop = (loanId: bigint, doneBlock: bigint) => {
        const planned = { key: `${loanId}:autoDebit:i1`, loanId, kind: "autoDebit", installment: 0, validFrom: 1n };
        const { id } = store.enqueueAction({ ...planned, payload: {} }).action;
        store.markAction(id, { state: "dropped", outcome: "LoanBook_LoanRepaid", doneBlock });
        return planned.key;
      };
      const removed = drop(1n, 103n);
      const kept = drop(2n, 102n);
      store.rollbackTo(ANCESTOR);
      expect(store.getActionByKey(removed)).to.include({
        state: "planned",
        outcome: null,
        doneBlock: null,
        notBefore: 0n,
      });
      expect(store.getActionByKey(kept)).to.include({
        state: "dropped",
        outcome: "LoanBook_LoanRepaid",
        doneBlock: 102n,
      });
      expect(store.nextActions(10, 2n ** 40n).map((action) => action.key)).to.deep.equal([removed]);
      store.close();
    });

    it("re-sends at a deeper ancestor the action whose block it removes too", async () => {
      const { store } = await bookAtHead(backend);
      store.rollbackTo(101n);
      expect(store.getActionByKey("1:declareDefault:d0")).to.include({
        state: "sent",
        doneBlock: null,
        txHash: "0xt102",
      });
      expect(store.getTransaction("0xt102")).to.include({ state: "sent", minedBlock: null });
      expect(store.nextActions(10, 2n ** 40n)).to.deep.equal([]);
      store.close();
    });

    it("lets the new fork be recorded, and a refresh clears the stale mark", async () => {
      const { store } = await bookAtHead(backend);
      store.rollbackTo(ANCESTOR);
      expect(() =>
        store.recordBlock({ number: 103n, hash: hashOf(103n, "b"), parentHash: hashOf(ANCESTOR), timestamp: 1n }),
      ).not.to.throw();
      const loan = store.getLoan(2n)!;
      expect(loan.stale).to.equal(true);
      const { stale: _, ...fields } = loan;
      store.upsertLoan({ ...fields, status: 4, updatedBlock: 103n });
      expect(store.getLoan(2n)).to.include({ stale: false, status: 4, updatedBlock: 103n });
      expect(store.staleLoanIds()).to.deep.equal([3n]);
      store.close();
    });

    it("puts back to matched a bank payment credited in a removed block, and only it", async () => {
      const { store } = await bookAtHead(backend);
      const record = { source: "BANK", loanReference: "L1", loanId: 1n, amount: 5n, rawPayload: "{}" } as const;
      store.insertBankRecord({ ...record, bankReference: "kept", paidAt: 1n });
      store.insertBankRecord({ ...record, bankReference: "orphaned", paidAt: 2n });
      // Credited by the transactions of the events at 101 (kept) and 104 (removed).
      store.insertEvent({
        blockNumber: 104n,
        blockHash: hashOf(104n),
        txHash: "0xe104",
        logIndex: 2,
        address: "0xbook",
        name: "BankPaymentRecorded",
        loanId: 1n,
        args: {},
      });
      store.insertEvent({
        blockNumber: 101n,
        blockHash: hashOf(101n),
        txHash: "0xe101",
        logIndex: 2,
        address: "0xbook",
        name: "BankPaymentRecorded",
        loanId: 1n,
        args: {},
      });
      store.markBankRecordRelayed("kept", "0xe101");
      store.markBankRecordRelayed("orphaned", "0xe104");
      store.rollbackTo(ANCESTOR);
      expect(store.getBankRecord("kept")).to.include({ state: "relayed", relayTx: "0xe101" });
      expect(store.getBankRecord("orphaned")).to.include({ state: "matched", relayTx: null });
      store.close();
    });

    it("refuses an ancestor it has not recorded, changing nothing", async () => {
      const { store, db } = await bookAtHead(backend);
      const before = rows(db, "SELECT count(*) FROM blocks UNION ALL SELECT count(*) FROM events");
      expect(() => store.rollbackTo(99n)).to.throw(ChainStateError, "not recorded");
      expect(rows(db, "SELECT count(*) FROM blocks UNION ALL SELECT count(*) FROM events")).to.deep.equal(before);
      expect(store.getCheckpoint()?.blockNumber).to.equal(HEAD);
      expect(store.staleLoanIds()).to.deep.equal([]);
      store.close();
    });

    it("is a no-op at the head", async () => {
      const { store } = await bookAtHead(backend);
      expect(store.rollbackTo(HEAD)).to.deep.equal({
        blocks: 0,
        events: 0,
        payments: 0,
        installments: 0,
        transactions: 0,
        staleLoanIds: [],
      });
      store.close();
    });
  });
}
