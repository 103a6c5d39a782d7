import { after, describe, it } from "node:test";
import { expect } from "chai";
import { LoanStatus } from "../../core/decisions.ts";
import type { Store } from "./openStore.ts";
import { STORE_BACKENDS } from "./storeBackends.ts";
import {
  BEFORE_DUE,
  BIG_PAYMENT,
  BIG_PRINCIPAL,
  BORROWER_A,
  BORROWER_B,
  BORROWER_C,
  due,
  hashOf,
  loanOf,
  NOW,
  seedBook,
  sendDuplicate,
  type SeededBook,
} from "./readModelFixture.ts";

const ids = (loans: readonly { id: bigint }[]) => loans.map((loan) => loan.id);

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  async function seeded(): Promise<{ store: Store; book: SeededBook }> {
    const store = (await backend.fresh()).open();
    return { store, book: seedBook(store) };
  }

  describe(`readModel.listLoans on ${backend.name}`, { skip: backend.skip }, () => {
    it("computes each status at the time asked, and falls back to the stored one without facts", async () => {
      const { store } = await seeded();
      const now = store.readModel.listLoans({ now: NOW });
      expect(now.total).to.equal(5);
      expect(now.loans.map((loan) => [loan.id, loan.status])).to.deep.equal([
        [1n, LoanStatus.Active],
        // Stored Active at block 10; a day past its due time, without any block since, it is Late.
        [2n, LoanStatus.Late],
        [3n, LoanStatus.Defaulted],
        // No facts: the stored status.
        [4n, LoanStatus.Repaid],
        [5n, LoanStatus.Late],
      ]);
      const before = store.readModel.listLoans({ now: BEFORE_DUE });
      expect(before.loans.map((loan) => loan.status)).to.deep.equal([
        LoanStatus.Active,
        LoanStatus.Active,
        LoanStatus.Defaulted,
        LoanStatus.Repaid,
        LoanStatus.Active,
      ]);
    });

    it("returns the stored row's fields, amounts as exact decimal strings", async () => {
      const { store } = await seeded();
      const [, loan] = store.readModel.listLoans({ now: NOW }).loans;
      expect(loan).to.deep.equal({
        id: 2n,
        templateId: 1n,
        borrower: BORROWER_A,
        claimHolder: BORROWER_C,
        principal: BIG_PRINCIPAL.toString(),
        status: LoanStatus.Late,
        stage: 1,
        nextDueTime: due(1),
        defaultEligibleAt: null,
        updatedBlock: 10n,
      });
    });

    it("filters by computed status, borrower (any case) and template, with the total of every page", async () => {
      const { store } = await seeded();
      const list = (parameters: Omit<Parameters<Store["readModel"]["listLoans"]>[0], "now">) =>
        store.readModel.listLoans({ ...parameters, now: NOW });

      expect(ids(list({ status: [LoanStatus.Late] }).loans)).to.deep.equal([2n, 5n]);
      expect(ids(list({ status: [LoanStatus.Late, LoanStatus.Repaid] }).loans)).to.deep.equal([2n, 4n, 5n]);
      expect(list({ status: [LoanStatus.WrittenOff] })).to.deep.equal({ loans: [], total: 0 });
      // At an earlier time the same loans are not Late.
      expect(store.readModel.listLoans({ status: [LoanStatus.Late], now: BEFORE_DUE }).total).to.equal(0);

      expect(ids(list({ borrower: BORROWER_B }).loans)).to.deep.equal([3n, 4n]);
      const lower = BORROWER_A.toLowerCase() as typeof BORROWER_A;
      expect(lower).not.to.equal(BORROWER_A);
      expect(ids(list({ borrower: lower }).loans)).to.deep.equal([1n, 2n]);
      expect(ids(list({ templateId: 2n }).loans)).to.deep.equal([3n, 4n]);
      expect(ids(list({ templateId: 1n, status: [LoanStatus.Late] }).loans)).to.deep.equal([2n, 5n]);
      expect(ids(list({ borrower: BORROWER_C, templateId: 1n, status: [LoanStatus.Late] }).loans)).to.deep.equal([5n]);
      expect(list({ templateId: 2n ** 64n })).to.deep.equal({ loans: [], total: 0 });
    });

    it("paginates by id, with and without a status filter", async () => {
      const { store } = await seeded();
      for (let id = 6n; id <= 12n; id++) store.upsertLoan(loanOf(id));
      // 1 Active, 2 Late, 3 Defaulted, 4 Repaid, 5..12 Late.
      const page = (limit: number, offset: number, status?: number[]) =>
        store.readModel.listLoans({ limit, offset, status, now: NOW });

      expect(ids(page(3, 0).loans)).to.deep.equal([1n, 2n, 3n]);
      expect(ids(page(3, 3).loans)).to.deep.equal([4n, 5n, 6n]);
      expect(page(3, 3).total).to.equal(12);
      expect(page(3, 12)).to.deep.equal({ loans: [], total: 12 });

      const late = [LoanStatus.Late];
      expect(ids(page(4, 0, late).loans)).to.deep.equal([2n, 5n, 6n, 7n]);
      expect(ids(page(4, 4, late).loans)).to.deep.equal([8n, 9n, 10n, 11n]);
      expect(ids(page(4, 8, late).loans)).to.deep.equal([12n]);
      expect(page(4, 8, late).total).to.equal(9);
      expect(page(1, 100, late)).to.deep.equal({ loans: [], total: 9 });
      expect(store.readModel.listLoans({ now: NOW }).loans).to.have.length(12);
    });

    it("refuses a page size outside 1..500 and a negative offset", async () => {
      const { store } = await seeded();
      expect(store.readModel.listLoans({ limit: 500, now: NOW }).loans).to.have.length(5);
      for (const limit of [0, 501, 1.5, Number.NaN]) {
        expect(() => store.readModel.listLoans({ limit, now: NOW }), String(limit)).to.throw(RangeError, /limit/);
      }
      expect(() => store.readModel.listLoans({ offset: -1, now: NOW })).to.throw(RangeError, /offset/);
    });
  });

  describe(`readModel.loanDetail on ${backend.name}`, { skip: backend.skip }, () => {
    it("returns the loan with its installments, payments, events, actions and bank records, in order", async () => {
      const { store } = await seeded();
      const detail = store.readModel.loanDetail(2n, NOW);
      expect(detail).not.to.equal(null);
      expect(detail!.loan).to.include({ id: 2n, status: LoanStatus.Late, principal: BIG_PRINCIPAL.toString() });
      expect(detail!.installments).to.deep.equal([
        {
          number: 1,
          dueTime: due(1),
          principal: BIG_PRINCIPAL.toString(),
          interest: "60",
          paid: "0",
          updatedBlock: 10n,
        },
        { number: 2, dueTime: due(2), principal: "400", interest: "50", paid: "0", updatedBlock: 10n },
      ]);
      expect(detail!.payments.map((p) => [p.blockNumber, p.logIndex, p.amount])).to.deep.equal([
        [11n, 0, "10"],
        [12n, 1, BIG_PAYMENT.toString()],
      ]);
      expect(detail!.payments[0]).to.deep.equal({
        blockNumber: 11n,
        txHash: hashOf(0x11),
        logIndex: 0,
        payer: BORROWER_A,
        amount: "10",
        penaltyPaid: "0",
        interestPaid: "10",
        principalPaid: "0",
        prepaid: "0",
      });
      expect(detail!.events).to.deep.equal([
        {
          name: "LoanOriginated",
          args: { loanId: "2", borrower: BORROWER_A, principal: BIG_PRINCIPAL.toString() },
          blockNumber: 10n,
          txHash: hashOf(0x10),
          logIndex: 5,
        },
        { name: "Transfer", args: { value: "7" }, blockNumber: 12n, txHash: hashOf(0x12), logIndex: 0 },
        {
          name: "InstallmentPaid",
          args: { loanId: "2", amount: BIG_PAYMENT.toString() },
          blockNumber: 12n,
          txHash: hashOf(0x12),
          logIndex: 1,
        },
      ]);
      expect(detail!.actions).to.deep.equal([
        {
          key: "2:remindLate1:i1",
          kind: "remindLate1",
          installment: 1,
          state: "done",
          outcome: "notified",
          attempts: 0,
          lastError: null,
          txHash: null,
          doneBlock: null,
          validFrom: due(1) + 86_400n,
        },
        {
          key: "2:markLate:i1",
          kind: "markLate",
          installment: 1,
          state: "sent",
          outcome: null,
          attempts: 1,
          lastError: null,
          txHash: hashOf(0x7001),
          doneBlock: null,
          validFrom: due(1) + 1n,
        },
      ]);
      expect(detail!.bankRecords).to.deep.equal([
        {
          source: "camt053",
          bankReference: "BANK-2",
          loanReference: "LN-2",
          amount: "500",
          paidAt: due(1) + 3_600n,
          state: "matched",
          relayTx: null,
        },
      ]);
    });

    it("returns empty lists for a loan with nothing but its row, and the stored status without facts", async () => {
      const { store } = await seeded();
      expect(store.readModel.loanDetail(4n, NOW)).to.deep.include({
        installments: [],
        payments: [],
        events: [],
        actions: [],
        bankRecords: [],
      });
      expect(store.readModel.loanDetail(4n, NOW)!.loan.status).to.equal(LoanStatus.Repaid);
      expect(store.readModel.loanDetail(3n, NOW)!.actions.map((a) => [a.kind, a.state, a.doneBlock])).to.deep.equal([
        ["declareDefault", "done", 13n],
      ]);
    });

    it("is null for a loan the store does not follow, even beyond SQLite's integers", async () => {
      const { store } = await seeded();
      expect(store.readModel.loanDetail(99n, NOW)).to.equal(null);
      expect(store.readModel.loanDetail(0n, NOW)).to.equal(null);
      expect(store.readModel.loanDetail(2n ** 64n, NOW)).to.equal(null);
    });
  });

  describe(`readModel: counts for the metrics on ${backend.name}`, { skip: backend.skip }, () => {
    it("counts loans by status at the time asked", async () => {
      const { store } = await seeded();
      expect(store.readModel.loansByStatus(NOW)).to.deep.equal(
        new Map([
          [LoanStatus.Active, 1],
          [LoanStatus.Late, 2],
          [LoanStatus.Defaulted, 1],
          [LoanStatus.Repaid, 1],
        ]),
      );
      expect(store.readModel.loansByStatus(BEFORE_DUE)).to.deep.equal(
        new Map([
          [LoanStatus.Active, 3],
          [LoanStatus.Defaulted, 1],
          [LoanStatus.Repaid, 1],
        ]),
      );
    });

    it("counts actions by kind, state and outcome", async () => {
      const { store } = await seeded();
      expect(store.readModel.actionsByKindAndOutcome()).to.deep.equal([
        { kind: "autoDebit", state: "done", outcome: "mined", count: 1 },
        { kind: "declareDefault", state: "done", outcome: "mined", count: 1 },
        { kind: "markLate", state: "sent", outcome: null, count: 1 },
        { kind: "remindBeforeDue", state: "planned", outcome: null, count: 1 },
        { kind: "remindLate1", state: "done", outcome: "notified", count: 2 },
      ]);
    });

    it("counts transactions sent and not yet settled", async () => {
      const { store } = await seeded();
      expect(store.readModel.pendingTransactionCount()).to.equal(1);
      store.markTransaction(hashOf(0x7001), { state: "mined", minedBlock: 15n });
      expect(store.readModel.pendingTransactionCount()).to.equal(0);
    });

    it("finds an action carried by two mined transactions, and only then", async () => {
      const { store, book } = await seeded();
      // A replaced transaction and its mined replacement carry the same action: executed once.
      expect(store.readModel.duplicateActionCount()).to.equal(0);
      const again = sendDuplicate(store, book);
      expect(store.readModel.duplicateActionCount(), "sent, not mined").to.equal(0);
      store.markTransaction(again, { state: "mined", minedBlock: 15n });
      expect(store.readModel.duplicateActionCount()).to.equal(1);
      // Counted per action, however many transactions executed it.
      store.recordTransaction({
        hash: hashOf(0x7006),
        account: BORROWER_A,
        nonce: 0,
        gasLimit: 1n,
        maxFeePerGas: 1n,
        maxPriorityFeePerGas: 1n,
        sentBlock: 15n,
        raw: "0x00",
        functionName: "autoDebit",
        actionIds: [book.autoDebitActionId],
      });
      store.markTransaction(hashOf(0x7006), { state: "mined", minedBlock: 16n });
      expect(store.readModel.duplicateActionCount()).to.equal(1);
    });

    it("does not count a transaction whose batch skipped the action (it was planned again)", async () => {
      const { store, book } = await seeded();
      const again = sendDuplicate(store, book);
      store.markTransaction(again, { state: "mined", minedBlock: 15n });
      expect(store.readModel.duplicateActionCount()).to.equal(1);
      store.markCarried(again, book.autoDebitActionId, "LoanBook_NothingDue");
      expect(store.readModel.duplicateActionCount()).to.equal(0);
      store.markCarried(again, book.autoDebitActionId, null);
      expect(store.readModel.duplicateActionCount(), "done by both after all").to.equal(1);
    });

    it("reads an empty store", async () => {
      const store = (await backend.fresh()).open();
      expect(store.readModel.listLoans({ now: NOW })).to.deep.equal({ loans: [], total: 0 });
      expect(store.readModel.loansByStatus(NOW).size).to.equal(0);
      expect(store.readModel.actionsByKindAndOutcome()).to.deep.equal([]);
      expect(store.readModel.pendingTransactionCount()).to.equal(0);
      expect(store.readModel.duplicateActionCount()).to.equal(0);
      store.close();
    });
  });
}
