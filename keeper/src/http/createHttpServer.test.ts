import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import type { ReadModel } from "../adapters/store/readModel.ts";
import {
  BIG_PAYMENT,
  BIG_PRINCIPAL,
  BORROWER_A,
  due,
  hashOf,
  KEEPER,
  LOAN_BOOK,
  NOW,
  seedBook,
  sendDuplicate,
  type SeededBook,
} from "../adapters/store/readModelFixture.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createHttpServer, HEALTH_MAX_TICK_AGE_MS, type ListeningHttpServer } from "./createHttpServer.ts";

const TICK_AT_MS = 1_700_000_000_000;

const STATUS: KeeperStatus = {
  mode: "embedded",
  chainId: 31337,
  loanBook: LOAN_BOOK,
  keeper: KEEPER,
  head: 120n,
  processedBlock: 112n,
  processedTime: NOW,
  confirmations: 6,
  lastTickAtMs: TICK_AT_MS,
  lastError: null,
  ticks: 3,
  idle: true,
  due: 0,
  pendingTransactions: 0,
  lastSent: 0,
  role: "single",
  leaseEpoch: null,
};

interface Running {
  readonly store: Store;
  readonly book: SeededBook;
  readonly server: ListeningHttpServer;
  readonly status: KeeperStatus;
  readonly clock: { ms: number };
  /** Every log line, parsed. */
  readonly logs: Record<string, unknown>[];
  get(path: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: any; text: string }>;
}

/** A seeded store behind the real express app, on a free port. */
async function start(readModel?: Pick<ReadModel, "listLoans" | "loanDetail">): Promise<Running> {
  const store = openStore(":memory:");
  const book = seedBook(store);
  const status: KeeperStatus = { ...STATUS };
  const clock = { ms: TICK_AT_MS + 1_000 };
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const metrics = createMetrics({ readModel: store.readModel, status: () => status });
  const http = createHttpServer({
    readModel: readModel ?? store.readModel,
    metrics,
    status: () => status,
    logger,
    clock: () => clock.ms,
    chainNow: () => NOW,
  });
  const server = await http.listen(0);
  return {
    store,
    book,
    server,
    status,
    clock,
    logs,
    async get(path, init) {
      const response = await fetch(server.url + path, init);
      const text = await response.text();
      const type = response.headers.get("content-type");
      return { status: response.status, type, text, body: type?.includes("json") ? JSON.parse(text) : undefined };
    },
  };
}

describe("createHttpServer", () => {
  let app: Running;
  before(async () => {
    app = await start();
  });
  after(async () => {
    await app.server.close();
    app.store.close();
  });

  describe("GET /api/loans", () => {
    it("lists loans with statuses by name at chain time, bigints and amounts as decimal strings", async () => {
      const { status, body } = await app.get("/api/loans");
      expect(status).to.equal(200);
      expect(body).to.include({ total: 5, limit: 50, offset: 0, asOf: NOW.toString() });
      expect(body.loans.map((loan: { id: string; status: string }) => [loan.id, loan.status])).to.deep.equal([
        ["1", "Active"],
        ["2", "Late"],
        ["3", "Defaulted"],
        ["4", "Repaid"],
        ["5", "Late"],
      ]);
      expect(body.loans[1]).to.deep.equal({
        id: "2",
        templateId: "1",
        borrower: BORROWER_A,
        claimHolder: body.loans[1].claimHolder,
        principal: BIG_PRINCIPAL.toString(),
        status: "Late",
        stage: 1,
        nextDueTime: due(1).toString(),
        defaultEligibleAt: null,
        updatedBlock: "10",
      });
    });

    const cases: { query: string; ids: string[]; total?: number }[] = [
      { query: "status=Late,Defaulted", ids: ["2", "3", "5"] },
      { query: "status=2", ids: ["2", "5"] },
      { query: "status=Repaid,2", ids: ["2", "4", "5"] },
      { query: "status=Late&status=Repaid", ids: ["2", "4", "5"] },
      { query: "status=WrittenOff", ids: [] },
      { query: `borrower=${BORROWER_A.toLowerCase()}`, ids: ["1", "2"] },
      { query: "template=2", ids: ["3", "4"] },
      { query: "template=1&status=Active", ids: ["1"] },
      { query: "limit=2", ids: ["1", "2"], total: 5 },
      { query: "limit=2&offset=3", ids: ["4", "5"], total: 5 },
      { query: "limit=1&offset=1&status=Late", ids: ["5"], total: 2 },
      { query: "offset=10", ids: [], total: 5 },
    ];
    for (const { query, ids, total } of cases) {
      it(`filters and pages: ${query}`, async () => {
        const { status, body } = await app.get(`/api/loans?${query}`);
        expect(status).to.equal(200);
        expect(body.loans.map((loan: { id: string }) => loan.id)).to.deep.equal(ids);
        expect(body.total).to.equal(total ?? ids.length);
      });
    }

    it("echoes the page it served", async () => {
      const { body } = await app.get("/api/loans?limit=2&offset=3");
      expect(body).to.include({ limit: 2, offset: 3 });
    });

    const bad: { query: string; path: string; message: RegExp }[] = [
      { query: "limit=0", path: "limit", message: /at least 1/ },
      { query: "limit=501", path: "limit", message: /at most 500/ },
      { query: "limit=1e3", path: "limit", message: /decimal integer/ },
      { query: "limit=abc", path: "limit", message: /decimal integer/ },
      { query: "limit=1&limit=2", path: "limit", message: /string/i },
      { query: "offset=-1", path: "offset", message: /decimal integer/ },
      { query: "status=late", path: "status", message: /Unknown status "late": expected one of None, Active, Late/ },
      { query: "status=Late,Bogus", path: "status", message: /Unknown status "Bogus"/ },
      { query: "status=10", path: "status", message: /Unknown status "10"/ },
      { query: "status=", path: "status", message: /Unknown status ""/ },
      { query: "borrower=0x1234", path: "borrower", message: /20-byte hex address/ },
      { query: "template=-1", path: "template", message: /decimal integer/ },
      { query: "templateId=1", path: "", message: /Unrecognized key.*templateId/ },
    ];
    for (const { query, path, message } of bad) {
      it(`answers 400 to ${query}`, async () => {
        const { status, body } = await app.get(`/api/loans?${query}`);
        expect(status).to.equal(400);
        expect(body.error).to.include({ code: "bad_request", message: "Invalid query parameters" });
        expect(body.error.issues).to.have.length.greaterThan(0);
        expect(body.error.issues[0].path).to.equal(path);
        expect(body.error.issues[0].message).to.match(message);
      });
    }
  });

  describe("GET /api/loans/:id", () => {
    it("returns the loan's detail, statuses as names and amounts as decimal strings", async () => {
      const { status, body } = await app.get("/api/loans/2");
      expect(status).to.equal(200);
      expect(body.asOf).to.equal(NOW.toString());
      expect(body.loan).to.include({
        id: "2",
        status: "Late",
        principal: BIG_PRINCIPAL.toString(),
        updatedBlock: "10",
      });
      expect(
        body.installments.map((i: { number: number; principal: string }) => [i.number, i.principal]),
      ).to.deep.equal([
        [1, BIG_PRINCIPAL.toString()],
        [2, "400"],
      ]);
      expect(
        body.payments.map((p: { blockNumber: string; amount: string }) => [p.blockNumber, p.amount]),
      ).to.deep.equal([
        ["11", "10"],
        ["12", BIG_PAYMENT.toString()],
      ]);
      expect(body.events.map((e: { name: string }) => e.name)).to.deep.equal([
        "LoanOriginated",
        "Transfer",
        "InstallmentPaid",
      ]);
      expect(body.events[0]).to.deep.equal({
        name: "LoanOriginated",
        args: { loanId: "2", borrower: BORROWER_A, principal: BIG_PRINCIPAL.toString() },
        blockNumber: "10",
        txHash: hashOf(0x10),
        logIndex: 5,
      });
      expect(body.actions[1]).to.deep.equal({
        key: "2:markLate:i1",
        kind: "markLate",
        installment: 1,
        state: "sent",
        outcome: null,
        attempts: 1,
        lastError: null,
        txHash: hashOf(0x7001),
        doneBlock: null,
        validFrom: (due(1) + 1n).toString(),
      });
      expect(body.bankRecords).to.have.length(1);
      expect(body.bankRecords[0]).to.include({ bankReference: "BANK-2", amount: "500", state: "matched" });
      expect(body.bankRecords[0]).not.to.have.property("rawPayload");
    });

    it("names the stored status of a loan without facts", async () => {
      const { body } = await app.get("/api/loans/4");
      expect(body.loan.status).to.equal("Repaid");
    });

    for (const id of ["99", "0", "18446744073709551616"]) {
      it(`answers 404 to an unknown loan ${id}`, async () => {
        const { status, body } = await app.get(`/api/loans/${id}`);
        expect(status).to.equal(404);
        expect(body).to.deep.equal({ error: { code: "not_found", message: `No loan ${id}` } });
      });
    }

    for (const id of ["abc", "-1", "1e3", "1.5", "0x10", "%20"]) {
      it(`answers 400 to the id ${JSON.stringify(id)}`, async () => {
        const { status, body } = await app.get(`/api/loans/${id}`);
        expect(status).to.equal(400);
        expect(body.error).to.include({ code: "bad_request", message: "Invalid loan id" });
        expect(body.error.issues[0].message).to.equal("Loan id must be a decimal integer");
      });
    }

    it("answers 400 JSON to an id that is not valid percent-encoding", async () => {
      const { status, body } = await app.get("/api/loans/%E0");
      expect(status).to.equal(400);
      expect(body.error.code).to.equal("bad_request");
    });
  });

  describe("unknown routes", () => {
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", "/api/loans/2/extra"],
      ["POST", "/api/loans"],
    ]) {
      it(`answers 404 JSON to ${method} ${path}`, async () => {
        const { status, body } = await app.get(path, { method });
        expect(status).to.equal(404);
        expect(body).to.deep.equal({ error: { code: "not_found", message: `No route ${method} ${path}` } });
      });
    }
  });

  describe("GET /health", () => {
    it("answers 200 with the status, bigints as strings, while ticks are recent and succeed", async () => {
      const { status, body } = await app.get("/health");
      expect(status).to.equal(200);
      expect(body).to.deep.equal({
        status: "ok",
        mode: "embedded",
        chainId: 31337,
        loanBook: LOAN_BOOK,
        keeper: KEEPER,
        head: "120",
        processedBlock: "112",
        processedTime: NOW.toString(),
        confirmations: 6,
        lastTickAtMs: TICK_AT_MS,
        lastError: null,
        ticks: 3,
        idle: true,
        due: 0,
        pendingTransactions: 0,
        lastSent: 0,
        role: "single",
        leaseEpoch: null,
        behind: "8",
      });
      app.clock.ms = TICK_AT_MS + HEALTH_MAX_TICK_AGE_MS;
      expect((await app.get("/health")).status).to.equal(200);
    });

    it("answers 503 degraded when the last tick is too old", async () => {
      app.clock.ms = TICK_AT_MS + HEALTH_MAX_TICK_AGE_MS + 1;
      const { status, body } = await app.get("/health");
      expect(status).to.equal(503);
      expect(body).to.include({ status: "degraded", lastTickAtMs: TICK_AT_MS });
      app.clock.ms = TICK_AT_MS + 1_000;
    });

    it("answers 503 degraded when the last tick failed", async () => {
      app.status.lastError = "RPC timeout";
      try {
        const { status, body } = await app.get("/health");
        expect(status).to.equal(503);
        expect(body).to.include({ status: "degraded", lastError: "RPC timeout" });
      } finally {
        app.status.lastError = null;
      }
    });

    it("answers 503 starting before the first tick, with nulls for what is not known", async () => {
      Object.assign(app.status, { lastTickAtMs: null, head: null, processedBlock: null, ticks: 0 });
      try {
        const { status, body } = await app.get("/health");
        expect(status).to.equal(503);
        expect(body).to.include({ status: "starting", head: null, processedBlock: null, behind: null, ticks: 0 });
      } finally {
        Object.assign(app.status, { lastTickAtMs: STATUS.lastTickAtMs, head: 120n, processedBlock: 112n, ticks: 3 });
      }
    });
  });

  describe("GET /metrics", () => {
    it("serves the registry's text with its content type, collected at each scrape", async () => {
      const first = await app.get("/metrics");
      expect(first.status).to.equal(200);
      expect(first.type).to.match(/^text\/plain; version=0\.0\.4/);
      const lines = first.text.split("\n");
      expect(lines).to.include.members([
        'keeper_loans{status="Active"} 1',
        'keeper_loans{status="Late"} 2',
        'keeper_loans{status="Defaulted"} 1',
        'keeper_loans{status="Repaid"} 1',
        'keeper_loans{status="Committed"} 0',
        'keeper_actions{kind="remindLate1",state="done",outcome="notified"} 2',
        'keeper_actions{kind="markLate",state="sent",outcome="none"} 1',
        "keeper_pending_transactions 1",
        "keeper_head_block 120",
        "keeper_processed_block 112",
        "keeper_blocks_behind_head 8",
        "keeper_duplicate_actions 0",
      ]);
      expect(first.text).to.match(/^process_cpu_user_seconds_total \d/m);

      app.store.markTransaction(sendDuplicate(app.store, app.book), { state: "mined", minedBlock: 15n });
      const second = await app.get("/metrics");
      expect(second.text.split("\n")).to.include("keeper_duplicate_actions 1");
      expect(second.text.split("\n")).to.include("keeper_pending_transactions 1");
    });
  });

  it("logs each request at debug level with method, path, status and duration", async () => {
    await app.get("/api/loans/99?x=1");
    const line = app.logs.findLast((entry) => entry.msg === "http request");
    expect(line).to.include({ level: 20, method: "GET", path: "/api/loans/99", status: 404 });
    expect(line!.ms).to.be.a("number").and.at.least(0);
  });
});

describe("createHttpServer: failures", () => {
  const failing = (error: Error): Pick<ReadModel, "listLoans" | "loanDetail"> => ({
    listLoans: () => {
      throw error;
    },
    loanDetail: () => {
      throw error;
    },
  });

  it("answers 500 JSON without the message or stack, and logs the error", async () => {
    const app = await start(failing(new Error("database disk image is malformed")));
    try {
      for (const path of ["/api/loans", "/api/loans/1"]) {
        const { status, body, text } = await app.get(path);
        expect(status).to.equal(500);
        expect(body).to.deep.equal({ error: { code: "internal", message: "Internal server error" } });
        expect(text).not.to.include("malformed");
        expect(text).not.to.include("at ");
      }
      const logged = app.logs.filter((entry) => entry.msg === "http request failed");
      expect(logged).to.have.length(2);
      expect(logged[0]).to.include({ level: 50, path: "/api/loans" });
      expect((logged[0].err as { message: string }).message).to.equal("database disk image is malformed");
    } finally {
      await app.server.close();
    }
  });

  it("writes any bigint a route returns as a decimal string instead of failing", async () => {
    const app = await start({
      listLoans: () => ({ loans: [], total: 0 }),
      loanDetail: (id) => ({
        loan: {
          id,
          templateId: 1n,
          borrower: BORROWER_A,
          claimHolder: BORROWER_A,
          principal: "1",
          status: 1,
          stage: 0,
          nextDueTime: null,
          defaultEligibleAt: null,
          updatedBlock: 2n ** 70n,
        },
        installments: [],
        payments: [],
        events: [
          { name: "Odd", args: { deep: [{ value: 2n ** 64n }] }, blockNumber: 1n, txHash: hashOf(1), logIndex: 0 },
        ],
        actions: [],
        bankRecords: [],
      }),
    });
    try {
      const { status, body } = await app.get("/api/loans/7");
      expect(status).to.equal(200);
      expect(body.loan).to.include({ id: "7", updatedBlock: (2n ** 70n).toString(), status: "Active" });
      expect(body.events[0].args).to.deep.equal({ deep: [{ value: (2n ** 64n).toString() }] });
    } finally {
      await app.server.close();
    }
  });

  it("answers 500 JSON when the metrics cannot be collected", async () => {
    const app = await start();
    try {
      app.store.close();
      const { status, body } = await app.get("/metrics");
      expect(status).to.equal(500);
      expect(body.error.code).to.equal("internal");
    } finally {
      await app.server.close();
    }
  });

  it("listens on the port asked and stops on close", async () => {
    const app = await start();
    try {
      expect(app.server.url).to.equal(`http://127.0.0.1:${app.server.port}`);
      expect(app.server.port).to.be.greaterThan(0);
      expect((await app.get("/health")).status).to.equal(200);
    } finally {
      await app.server.close();
    }
    let refused: unknown;
    try {
      await fetch(`${app.server.url}/health`);
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(TypeError);
    app.store.close();
  });

  it("rejects when the port is taken", async () => {
    const app = await start();
    try {
      const store = openStore(":memory:");
      const metrics = createMetrics({ readModel: store.readModel, status: () => STATUS });
      const second = createHttpServer({
        readModel: store.readModel,
        metrics,
        status: () => STATUS,
        logger: createLogger({ level: "silent", destination: { write: () => {} } }),
        clock: () => 0,
        chainNow: () => NOW,
      });
      let failure: unknown;
      try {
        await second.listen(app.server.port);
      } catch (error) {
        failure = error;
      }
      expect(failure).to.have.property("code", "EADDRINUSE");
    } finally {
      await app.server.close();
    }
  });
});
