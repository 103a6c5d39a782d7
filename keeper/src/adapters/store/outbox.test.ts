import { after, describe, it } from "node:test";
import { expect } from "chai";
import type { Address, Hash } from "viem";
import { openStore, type Store } from "./openStore.ts";
import { OutboxError } from "./outbox.ts";
import { countRows, freshStore, STORE_BACKENDS } from "./storeBackends.ts";
import type { PlanActionParameters, RecordTransactionParameters } from "./types.ts";

/** An action as the decision core plans it, keyed as `decisions.ts` keys it. */
const action = (overrides: Partial<PlanActionParameters> = {}): PlanActionParameters => {
  const loanId = overrides.loanId ?? 1n;
  const kind = overrides.kind ?? "autoDebit";
  const installment = overrides.installment ?? 1;
  return {
    key: `${loanId}:${kind}:i${installment}`,
    loanId,
    kind,
    installment,
    validFrom: 1_700_000_000n,
    payload: {},
    ...overrides,
  };
};

const KEEPER: Address = "0x000000000000000000000000000000000000beef";
const OTHER: Address = "0x000000000000000000000000000000000000cafe";

const transaction = (
  hash: Hash,
  nonce: number,
  actionIds: readonly number[],
  overrides: Partial<RecordTransactionParameters> = {},
): RecordTransactionParameters => ({
  hash,
  account: KEEPER,
  nonce,
  gasLimit: 100_000n,
  maxFeePerGas: 2n ** 70n,
  maxPriorityFeePerGas: 1n,
  sentBlock: 50n,
  raw: `0x02f8${nonce.toString(16).padStart(4, "0")}`,
  functionName: "declareDefault",
  actionIds,
  ...overrides,
});

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  const newStore = () => freshStore(backend);

  describe(`outbox on ${backend.name}: actions`, { skip: backend.skip }, () => {
    it("enqueues one action per key and returns the existing one unchanged", async () => {
      const { store, db, clock } = await newStore();
      const planned = action({ key: "1:declareDefault:d0", kind: "declareDefault", installment: 0 });
      const first = store.enqueueAction(planned);
      expect(first.created).to.equal(true);
      expect(first.action).to.include({
        key: "1:declareDefault:d0",
        state: "planned",
        attempts: 0,
        notBefore: 0n,
        outcome: null,
        txHash: null,
        doneBlock: null,
        createdAtMs: 1_000,
      });

      clock.ms = 2_000;
      store.markAction(first.action.id, { state: "sent", attempted: true });
      const second = store.enqueueAction({ ...planned, validFrom: 5n, payload: { changed: true } });
      expect(second.created).to.equal(false);
      expect(second.action).to.include({ id: first.action.id, state: "sent", attempts: 1, updatedAtMs: 2_000 });
      expect(second.action.validFrom).to.equal(1_700_000_000n);
      expect(second.action.payload).to.deep.equal({});
      expect(countRows(db, "actions")).to.equal(1);
      store.close();
    });

    it("tells actions apart by key alone: the same loan, kind and installment under two keys are two actions", async () => {
      const { store, db } = await newStore();
      // Two commitments of a loan each have a first installment; both are installment 0 of the loan.
      const breach = { loanId: 1n, kind: "breachCommitment", installment: 0 } as const;
      const a = store.enqueueAction(action({ ...breach, key: "1:breachCommitment:c0xaa:1" }));
      const b = store.enqueueAction(action({ ...breach, key: "1:breachCommitment:c0xbb:1" }));
      expect([a.created, b.created]).to.deep.equal([true, true]);
      expect(a.action.id).not.to.equal(b.action.id);
      expect(store.enqueueAction(action({ ...breach, key: "1:breachCommitment:c0xaa:1" })).created).to.equal(false);

      expect(store.enqueueAction(action({ installment: 2 })).created).to.equal(true);
      expect(store.enqueueAction(action({ kind: "remindLate1" })).created).to.equal(true);
      expect(store.enqueueAction(action({ loanId: 2n })).created).to.equal(true);
      expect(countRows(db, "actions")).to.equal(5);
      store.close();
    });

    it("stores what the executor needs: validFrom and the payload, bigints as decimal strings", async () => {
      const { store } = await newStore();
      const amount = 2n ** 100n + 7n;
      const { action: stored } = store.enqueueAction(
        action({
          key: "4:relayBankPayment:bREF-1",
          loanId: 4n,
          kind: "relayBankPayment",
          installment: 0,
          validFrom: null,
          payload: { bankReference: "REF-1", amount, paidAt: 1_700_000_000n, relayed: false, note: null },
        }),
      );
      const expected = {
        bankReference: "REF-1",
        amount: String(amount),
        paidAt: "1700000000",
        relayed: false,
        note: null,
      };
      expect(stored.payload).to.deep.equal(expected);
      expect(stored.validFrom).to.equal(null);
      expect(store.getActionByKey("4:relayBankPayment:bREF-1")).to.deep.equal(stored);
      expect(store.getAction(stored.id)).to.deep.equal(stored);
      expect(store.getActionByKey("4:relayBankPayment:bREF-2")).to.equal(undefined);
      expect(store.getAction(stored.id + 1)).to.equal(undefined);
      store.close();
    });

    it("lists planned actions oldest first, and records attempts and errors", async () => {
      const { store } = await newStore();
      const ids = [3n, 1n, 2n].map((loanId) => store.enqueueAction(action({ loanId })).action.id);
      store.markAction(ids[0]!, { state: "failed", attempted: true, error: "LoanBook_InsufficientFunds" });
      expect(store.nextActions(10, 0n).map((planned) => planned.loanId)).to.deep.equal([1n, 2n]);
      expect(store.nextActions(1, 0n).map((planned) => planned.loanId)).to.deep.equal([1n]);

      store.markAction(ids[0]!, { state: "planned" });
      expect(store.getAction(ids[0]!)).to.include({
        state: "planned",
        attempts: 1,
        lastError: "LoanBook_InsufficientFunds",
      });
      store.markAction(ids[0]!, { state: "planned", error: null });
      expect(store.getAction(ids[0]!)?.lastError).to.equal(null);
      expect(() => store.markAction(999, { state: "sent" })).to.throw(OutboxError, "No action 999");
      store.close();
    });

    it("holds back a planned action until its notBefore (chain time)", async () => {
      const { store } = await newStore();
      const [early, waiting, late] = [1n, 2n, 3n].map((loanId) => store.enqueueAction(action({ loanId })).action.id);
      store.markAction(waiting!, { state: "planned", attempted: true, outcome: "NotEligibleYet", notBefore: 2_000n });
      store.markAction(late!, { state: "planned", notBefore: 3_000n });
      const loansAt = (at: bigint) => store.nextActions(10, at).map((planned) => planned.id);

      expect(loansAt(0n)).to.deep.equal([early]);
      expect(loansAt(1_999n)).to.deep.equal([early]);
      expect(loansAt(2_000n)).to.deep.equal([early, waiting]);
      expect(loansAt(3_000n)).to.deep.equal([early, waiting, late]);
      expect(store.nextActions(2, 3_000n).map((planned) => planned.id)).to.deep.equal([early, waiting]);

      store.markAction(waiting!, { state: "planned", notBefore: 0n });
      expect(loansAt(0n)).to.deep.equal([early, waiting]);
      store.close();
    });

    it("updates outcome, transaction, block and notBefore when given, leaves them when undefined, clears them on null", async () => {
      const { store, clock } = await newStore();
      const { id } = store.enqueueAction(action()).action;
      clock.ms = 2_000;
      store.markAction(id, {
        state: "sent",
        attempted: true,
        outcome: "sent",
        txHash: "0xt1",
        notBefore: 1_234n,
        error: "timeout",
      });
      expect(store.getAction(id)).to.include({
        state: "sent",
        attempts: 1,
        outcome: "sent",
        txHash: "0xt1",
        doneBlock: null,
        notBefore: 1_234n,
        lastError: "timeout",
        updatedAtMs: 2_000,
      });

      clock.ms = 3_000;
      store.markAction(id, { state: "done", outcome: "mined", doneBlock: 77n });
      expect(store.getAction(id)).to.include({
        state: "done",
        attempts: 1,
        outcome: "mined",
        txHash: "0xt1",
        doneBlock: 77n,
        notBefore: 1_234n,
        lastError: "timeout",
        updatedAtMs: 3_000,
      });

      store.markAction(id, { state: "done" });
      expect(store.getAction(id)).to.include({ outcome: "mined", txHash: "0xt1", doneBlock: 77n, notBefore: 1_234n });

      store.markAction(id, { state: "planned", outcome: null, txHash: null, doneBlock: null, error: null });
      expect(store.getAction(id)).to.include({
        state: "planned",
        outcome: null,
        txHash: null,
        doneBlock: null,
        lastError: null,
        notBefore: 1_234n,
        attempts: 1,
      });
      store.close();
    });

    it("lists a loan's actions and a transaction's actions", async () => {
      const { store } = await newStore();
      const a = store.enqueueAction(action({ loanId: 1n, installment: 1 })).action.id;
      const b = store.enqueueAction(action({ loanId: 2n, installment: 1 })).action.id;
      const c = store.enqueueAction(action({ loanId: 1n, installment: 2 })).action.id;
      expect(store.actionsOfLoan(1n).map((found) => found.id)).to.deep.equal([a, c]);
      expect(store.actionsOfLoan(3n)).to.deep.equal([]);

      store.recordTransaction(transaction("0xbatch", 0, [c, a]));
      expect(store.actionsOfTransaction("0xbatch").map((found) => found.id)).to.deep.equal([a, c]);
      expect(store.actionsOfTransaction("0xnone")).to.deep.equal([]);
      expect(store.getAction(b)?.state).to.equal("planned");
      store.close();
    });
  });

  describe(`outbox on ${backend.name}: transactions`, { skip: backend.skip }, () => {
    it("keeps the signed bytes and the function of a transaction, with the actions it carries", async () => {
      const { store, clock } = await newStore();
      const ids = [1n, 2n].map((loanId) => store.enqueueAction(action({ loanId })).action.id);
      clock.ms = 5_000;
      const signed = transaction("0xt1", 7, [ids[1]!, ids[0]!], { raw: "0x02f86b0180", functionName: "autoDebit" });
      store.recordTransaction(signed);

      expect(store.getTransaction("0xt1")).to.deep.equal({
        hash: "0xt1",
        account: KEEPER,
        nonce: 7,
        gasLimit: 100_000n,
        maxFeePerGas: 2n ** 70n,
        maxPriorityFeePerGas: 1n,
        state: "sent",
        sentBlock: 50n,
        minedBlock: null,
        raw: "0x02f86b0180",
        functionName: "autoDebit",
        actionIds: [ids[0], ids[1]],
      });
      expect(store.getTransaction("0xt2")).to.equal(undefined);
      store.close();
    });

    it("records nothing of a transaction that names an unknown action", async () => {
      const { store, db } = await newStore();
      const { id } = store.enqueueAction(action()).action;
      expect(() => store.recordTransaction(transaction("0xt1", 0, [id, id + 1]))).to.throw(/foreign key/i);
      expect(store.getTransaction("0xt1")).to.equal(undefined);
      expect(countRows(db, "transaction_actions")).to.equal(0);
      store.close();
    });

    it("lists an account's pending transactions by nonce, and every transaction signed at a nonce", async () => {
      const { store, clock } = await newStore();
      const ids = [1n, 2n, 3n, 4n].map((loanId) => store.enqueueAction(action({ loanId })).action.id);
      clock.ms = 1_000;
      store.recordTransaction(transaction("0xn5", 5, [ids[0]!]));
      clock.ms = 2_000;
      store.recordTransaction(transaction("0xn3", 3, [ids[1]!]));
      clock.ms = 3_000;
      store.recordTransaction(transaction("0xn4", 4, [ids[2]!]));
      clock.ms = 4_000;
      // The fee bump of nonce 4 carries the same action.
      store.recordTransaction(transaction("0xn4bump", 4, [ids[2]!], { maxFeePerGas: 2n ** 71n }));
      clock.ms = 5_000;
      store.recordTransaction(transaction("0xn2", 2, [ids[3]!]));
      store.recordTransaction(transaction("0xother", 1, [], { account: OTHER }));

      store.markTransaction("0xn2", { state: "mined", minedBlock: 60n });
      const hashes = (list: readonly { hash: Hash }[]) => list.map((tx) => tx.hash);
      expect(hashes(store.pendingTransactions(KEEPER))).to.deep.equal(["0xn3", "0xn4", "0xn4bump", "0xn5"]);
      expect(hashes(store.pendingTransactions(OTHER))).to.deep.equal(["0xother"]);

      store.markTransaction("0xn4", { state: "replaced" });
      expect(hashes(store.pendingTransactions(KEEPER))).to.deep.equal(["0xn3", "0xn4bump", "0xn5"]);
      expect(store.transactionsAtNonce(KEEPER, 4).map((tx) => [tx.hash, tx.state, tx.actionIds])).to.deep.equal([
        ["0xn4", "replaced", [ids[2]]],
        ["0xn4bump", "sent", [ids[2]]],
      ]);
      expect(store.transactionsAtNonce(OTHER, 4)).to.deep.equal([]);
      expect(store.transactionsAtNonce(KEEPER, 2)[0]).to.include({ state: "mined", minedBlock: 60n });
      expect(store.actionsOfTransaction("0xn4bump").map((found) => found.id)).to.deep.equal([ids[2]]);
      store.close();
    });

    it("takes a block for mined and reverted only, and refuses an unknown transaction", async () => {
      const { store } = await newStore();
      store.recordTransaction(transaction("0xt1", 0, []));
      expect(() => store.markTransaction("0xt1", { state: "mined" })).to.throw(OutboxError, "required");
      expect(() => store.markTransaction("0xt1", { state: "dropped", minedBlock: 1n })).to.throw(OutboxError);
      expect(() => store.markTransaction("0xt2", { state: "dropped" })).to.throw(OutboxError, "No transaction 0xt2");
      store.markTransaction("0xt1", { state: "reverted", minedBlock: 9n });
      expect(store.getTransaction("0xt1")).to.include({ state: "reverted", minedBlock: 9n });
      store.markTransaction("0xt1", { state: "dropped" });
      expect(store.getTransaction("0xt1")).to.include({ state: "dropped", minedBlock: null });
      store.close();
    });
  });

  describe(`outbox on ${backend.name}: nonces`, { skip: backend.skip }, () => {
    it("knows no nonce for an account that never signed, then the last one set, per account", async () => {
      const { store, db } = await newStore();
      expect(store.getNextNonce(KEEPER)).to.equal(undefined);
      store.setNextNonce(KEEPER, 0);
      expect(store.getNextNonce(KEEPER)).to.equal(0);
      store.setNextNonce(KEEPER, 5);
      store.setNextNonce(OTHER, 2);
      expect(store.getNextNonce(KEEPER)).to.equal(5);
      expect(store.getNextNonce(OTHER)).to.equal(2);
      expect(countRows(db, "nonce_state")).to.equal(2);
      expect(() => store.setNextNonce(KEEPER, -1)).to.throw(/check/i);
      expect(store.getNextNonce(KEEPER)).to.equal(5);
      store.close();
    });
  });
}
