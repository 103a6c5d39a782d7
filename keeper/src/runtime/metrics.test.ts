import { describe, it } from "node:test";
import { expect } from "chai";
import { register as globalRegistry } from "prom-client";
import { openStore } from "../adapters/store/openStore.ts";
import { BEFORE_DUE, KEEPER, LOAN_BOOK, NOW, seedBook, sendDuplicate } from "../adapters/store/readModelFixture.ts";
import { createMetrics, type KeeperStatus } from "./metrics.ts";

const STATUS: KeeperStatus = {
  mode: "rpc",
  chainId: 31337,
  loanBook: LOAN_BOOK,
  keeper: KEEPER,
  head: 120n,
  processedBlock: 112n,
  processedTime: NOW,
  confirmations: 6,
  lastTickAtMs: 1_000,
  lastError: null,
  ticks: 3,
  idle: true,
  due: 0,
  pendingTransactions: 0,
  lastSent: 0,
  role: "single",
  leaseEpoch: null,
};

/** The samples of the exposition text, by series (name and labels as written). */
function samples(text: string): Map<string, string> {
  const series = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    series.set(line.slice(0, at), line.slice(at + 1));
  }
  return series;
}

function setUp(status: Partial<KeeperStatus> = {}) {
  const store = openStore(":memory:");
  const book = seedBook(store);
  const current = { ...STATUS, ...status };
  const metrics = createMetrics({ readModel: store.readModel, status: () => current });
  const scrape = async () => samples(await metrics.metrics());
  return { store, book, current, metrics, scrape };
}

describe("createMetrics", () => {
  it("exposes loans by status at the processed block's time, every status named", async () => {
    const { scrape, current } = setUp();
    const series = await scrape();
    expect(series.get('keeper_loans{status="Active"}')).to.equal("1");
    expect(series.get('keeper_loans{status="Late"}')).to.equal("2");
    expect(series.get('keeper_loans{status="Defaulted"}')).to.equal("1");
    expect(series.get('keeper_loans{status="Repaid"}')).to.equal("1");
    expect(series.get('keeper_loans{status="WrittenOff"}')).to.equal("0");
    expect([...series.keys()].filter((key) => key.startsWith("keeper_loans{"))).to.have.length(10);

    // Collected at each scrape: the time moved back, the counts follow.
    current.processedTime = BEFORE_DUE;
    const earlier = await scrape();
    expect(earlier.get('keeper_loans{status="Active"}')).to.equal("3");
    expect(earlier.get('keeper_loans{status="Late"}')).to.equal("0");

    current.processedTime = null;
    const unknown = await scrape();
    expect([...unknown.keys()].some((key) => key.startsWith("keeper_loans"))).to.equal(false);
  });

  it("counts loans at the chain time given, when one is", async () => {
    const store = openStore(":memory:");
    seedBook(store);
    const metrics = createMetrics({ readModel: store.readModel, status: () => STATUS, chainNow: () => BEFORE_DUE });
    const series = samples(await metrics.metrics());
    expect(series.get('keeper_loans{status="Active"}')).to.equal("3");
  });

  it("exposes actions by kind, state and outcome, dropping label sets that emptied", async () => {
    const { scrape, store } = setUp();
    const series = await scrape();
    expect(series.get('keeper_actions{kind="remindLate1",state="done",outcome="notified"}')).to.equal("2");
    expect(series.get('keeper_actions{kind="markLate",state="sent",outcome="none"}')).to.equal("1");
    expect(series.get('keeper_actions{kind="autoDebit",state="done",outcome="mined"}')).to.equal("1");

    const lateMark = store.getActionByKey("2:markLate:i1")!;
    store.markAction(lateMark.id, { state: "done", outcome: "mined" });
    const after = await scrape();
    expect(after.has('keeper_actions{kind="markLate",state="sent",outcome="none"}')).to.equal(false);
    expect(after.get('keeper_actions{kind="markLate",state="done",outcome="mined"}')).to.equal("1");
  });

  it("exposes pending transactions, blocks and the duplicate check", async () => {
    const { scrape, store, book, current } = setUp();
    const series = await scrape();
    expect(series.get("keeper_pending_transactions")).to.equal("1");
    expect(series.get("keeper_head_block")).to.equal("120");
    expect(series.get("keeper_processed_block")).to.equal("112");
    expect(series.get("keeper_blocks_behind_head")).to.equal("8");
    expect(series.get("keeper_duplicate_actions")).to.equal("0");

    store.markTransaction(sendDuplicate(store, book), { state: "mined", minedBlock: 15n });
    current.head = 130n;
    const after = await scrape();
    expect(after.get("keeper_duplicate_actions")).to.equal("1");
    expect(after.get("keeper_blocks_behind_head")).to.equal("18");
    expect(after.get("keeper_head_block")).to.equal("130");
  });

  it("shows NaN, not 0, for blocks not known yet", async () => {
    const { scrape } = setUp({ head: null, processedBlock: null, processedTime: null });
    const series = await scrape();
    expect(series.get("keeper_head_block")).to.equal("Nan");
    expect(series.get("keeper_processed_block")).to.equal("Nan");
    expect(series.get("keeper_blocks_behind_head")).to.equal("Nan");
  });

  it("exposes bank records and messages to borrowers by state, when given them", async () => {
    const store = openStore(":memory:");
    seedBook(store);
    store.insertBankRecord({
      source: "bank",
      bankReference: "S-1",
      loanReference: "",
      loanId: null,
      amount: 5n,
      paidAt: NOW,
      rawPayload: "{}",
      reason: "no loan reference",
    });
    const metrics = createMetrics({
      readModel: store.readModel,
      status: () => STATUS,
      contactMessages: store.contacts.contactMessageCounts,
      bankRecords: store.bankRecordCounts,
    });
    const series = samples(await metrics.metrics());
    const suspense = store.listBankRecords({ state: "suspense", limit: 100, offset: 0 }).records;
    expect(suspense.map((record) => record.bankReference)).to.include("S-1");
    expect(series.get('keeper_bank_records{state="suspense"}')).to.equal(String(suspense.length));
    expect(series.get('keeper_bank_records{state="matched"}')).to.equal(
      String(store.listBankRecords({ state: "matched", limit: 100, offset: 0 }).total),
    );
    expect(series.get('keeper_contact_messages{state="waiting"}')).to.equal("0");
    // Without them, no such series.
    const { scrape } = setUp();
    expect([...(await scrape()).keys()].some((key) => key.startsWith("keeper_bank_records"))).to.equal(false);
  });

  it("adds the default process metrics to its own registry, not the global one", async () => {
    const { metrics, scrape } = setUp();
    const series = await scrape();
    expect(series.has("process_cpu_user_seconds_total")).to.equal(true);
    expect(series.has("nodejs_heap_size_used_bytes")).to.equal(true);
    expect(metrics.contentType).to.match(/^text\/plain/);
    expect(await globalRegistry.metrics()).not.to.include("keeper_");
    // Two keepers in one process do not collide.
    expect(() => setUp()).not.to.throw();
  });
});
