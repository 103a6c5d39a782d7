import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import { ChainStateError } from "./chainState.ts";
import { openStore, type Store } from "./openStore.ts";
import { OutboxError } from "./outbox.ts";
import type { UpsertLoanParameters } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "keeper-store-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A store on a new file, with a clock that moves only when told. */
function newStore(): { store: Store; path: string; clock: { ms: number } } {
  const path = join(dir, `store-${++files}.sqlite`);
  const clock = { ms: 1_000 };
  return { store: openStore(path, { now: () => clock.ms }), path, clock };
}

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

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

describe("openStore: actions", () => {
  it("enqueues one action per key and returns the existing one unchanged", () => {
    const { store, path, clock } = newStore();
    const key = { loanId: 1n, kind: "declareDefault", installment: 0 };
    const first = store.enqueueAction(key);
    expect(first.created).to.equal(true);
    expect(first.action).to.include({ state: "planned", attempts: 0, createdAtMs: 1_000 });

    clock.ms = 2_000;
    store.markAction(first.action.id, { state: "sent", attempted: true });
    const second = store.enqueueAction(key);
    expect(second.created).to.equal(false);
    expect(second.action).to.include({ id: first.action.id, state: "sent", attempts: 1, updatedAtMs: 2_000 });
    expect(count(path, "actions")).to.equal(1);

    expect(store.enqueueAction({ ...key, installment: 2 }).created).to.equal(true);
    expect(store.enqueueAction({ ...key, kind: "autoDebit" }).created).to.equal(true);
    expect(store.enqueueAction({ ...key, loanId: 2n }).created).to.equal(true);
    expect(count(path, "actions")).to.equal(4);
    store.close();
  });

  it("lists planned actions oldest first, and records attempts and errors", () => {
    const { store } = newStore();
    const ids = [3n, 1n, 2n].map(
      (loanId) => store.enqueueAction({ loanId, kind: "autoDebit", installment: 1 }).action.id,
    );
    store.markAction(ids[0]!, { state: "failed", attempted: true, error: "LoanBook_InsufficientFunds" });
    expect(store.nextActions(10).map((action) => action.loanId)).to.deep.equal([1n, 2n]);
    expect(store.nextActions(1).map((action) => action.loanId)).to.deep.equal([1n]);

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
});

describe("openStore: chain records", () => {
  it("stores an event once per transaction hash and log index", () => {
    const { store, path } = newStore();
    const args = { loanId: 1n, actor: "0xabc", missedInstallments: 2n ** 70n };
    expect(store.insertEvent({ ...event, name: "LoanDefaulted", loanId: 1n, args })).to.equal(true);
    expect(store.insertEvent({ ...event, name: "LoanDefaulted", loanId: 1n, args })).to.equal(false);
    expect(store.insertEvent({ ...event, logIndex: 4, name: "LoanDefaulted", loanId: 1n, args })).to.equal(true);
    expect(count(path, "events")).to.equal(2);

    const db = new Database(path, { readonly: true });
    const stored = db.prepare("SELECT args FROM events WHERE log_index = 3").pluck().get() as string;
    db.close();
    expect(JSON.parse(stored)).to.deep.equal({ loanId: "1", actor: "0xabc", missedInstallments: String(2n ** 70n) });
    store.close();
  });

  it("records a block once and refuses another block at the same height", () => {
    const { store } = newStore();
    const block = { number: 5n, hash: "0xaa", parentHash: "0x99", timestamp: 1_700_000_000n } as const;
    store.recordBlock(block);
    store.recordBlock(block);
    expect(store.getBlock(5n)).to.deep.equal(block);
    expect(() => store.recordBlock({ ...block, hash: "0xbb" })).to.throw(ChainStateError, "roll back");
    store.close();
  });

  it("enforces foreign keys", () => {
    const { store } = newStore();
    const installment = { number: 1, dueTime: 1n, principal: 1n, interest: 0n, paid: 0n };
    expect(() => store.replaceInstallments(42n, 10n, [installment])).to.throw("FOREIGN KEY");
    store.close();
  });
});

describe("openStore: amounts", () => {
  const big = [2n ** 64n, 2n ** 64n + 1n, 2n ** 128n + 12_345n, 2n ** 256n - 1n, 0n];

  it("round-trips amounts above 2^64 exactly", () => {
    const { store } = newStore();
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

  it("converts at the edge, refusing what is not a uint256 or a canonical decimal", () => {
    for (const value of big) expect(fromDbAmount(toDbAmount(value))).to.equal(value);
    expect(() => toDbAmount(-1n)).to.throw(RangeError);
    expect(() => toDbAmount(2n ** 256n)).to.throw(RangeError);
    for (const text of ["", "01", "1e3", "-1", " 1", "0x10"])
      expect(() => fromDbAmount(text), text).to.throw(RangeError);
  });

  it("refuses a non-canonical amount written behind its back", () => {
    const { store, path } = newStore();
    store.close();
    const db = new Database(path);
    const insert = db.prepare(
      `INSERT INTO loans (id, template_id, borrower, claim_holder, principal, status, stage, flags, updated_block)
       VALUES (1, 1, '0x1', '0x2', ?, 1, 0, 0, 1)`,
    );
    for (const text of ["", "007", "1.5", "-3", "1e9"]) expect(() => insert.run(text), text).to.throw("CHECK");
    db.close();
  });
});

describe("openStore: transactions", () => {
  it("writes nothing when the function throws", () => {
    const { store, path } = newStore();
    store.setCheckpoint({ blockNumber: 9n, blockHash: "0x09" });
    expect(() =>
      store.transaction(() => {
        store.recordBlock({ number: 10n, hash: "0xb10", parentHash: "0x09", timestamp: 1n });
        store.upsertLoan(loan());
        store.insertEvent({ ...event, name: "LoanOriginated", loanId: 1n, args: {} });
        store.enqueueAction({ loanId: 1n, kind: "autoDebit", installment: 1 });
        store.setCheckpoint({ blockNumber: 10n, blockHash: "0xb10" });
        throw new Error("boom");
      }),
    ).to.throw("boom");
    expect(store.getCheckpoint()).to.deep.equal({ blockNumber: 9n, blockHash: "0x09" });
    for (const table of ["blocks", "loans", "events", "actions"]) expect(count(path, table), table).to.equal(0);
    store.close();
  });

  it("keeps everything when it returns, and refuses an async function", async () => {
    const { store, path } = newStore();
    const id = store.transaction(() => {
      store.upsertLoan(loan());
      return store.enqueueAction({ loanId: 1n, kind: "autoDebit", installment: 1 }).action.id;
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
    expect(count(path, "loans")).to.equal(1);
    store.close();
  });
});
