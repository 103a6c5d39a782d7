import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { expect } from "chai";
import { createPortfolio, type Portfolio } from "../adapters/store/portfolio.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import {
  BIG_PRINCIPAL,
  BORROWER_A,
  hashOf,
  KEEPER,
  LOAN_BOOK,
  NOW,
  seedBook,
} from "../adapters/store/readModelFixture.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";

const STATUS: KeeperStatus = {
  mode: "embedded",
  chainId: 31337,
  loanBook: LOAN_BOOK,
  keeper: KEEPER,
  head: 120n,
  processedBlock: 112n,
  processedTime: NOW,
  confirmations: 6,
  lastTickAtMs: 0,
  lastError: null,
  ticks: 3,
  idle: true,
  due: 0,
  pendingTransactions: 0,
  lastSent: 0,
  role: "single",
  leaseEpoch: null,
};

const zeroMonth = { payments: 0, amount: "0", principal: "0", interest: "0", penalty: "0" };
const MONTHS = ["2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11"];
MONTHS.push("2021-12", "2022-01", "2022-02");

/** The portfolio is a lender's view: an operator's token stands for one here. */
const TOKEN = "ops-portfolio-0123456789abcdef0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const get = (url: string) => fetch(url, { headers: AUTH });

describe("GET /api/portfolio", () => {
  let dir: string;
  let store: Store;
  let db: Database.Database;
  let server: ListeningHttpServer;
  let bare: ListeningHttpServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "portfolio-route-"));
    const path = join(dir, "keeper.sqlite");
    store = openStore(path);
    seedBook(store);
    // One payment in a recorded block of January 2022 (the seeded ones are in blocks without a time).
    store.recordBlock({ number: 50n, hash: hashOf(0x50), parentHash: hashOf(0x49), timestamp: NOW - 20n * 86_400n });
    store.insertPayment({
      loanId: 1n,
      payer: BORROWER_A,
      blockNumber: 50n,
      txHash: hashOf(0x5000),
      logIndex: 0,
      amount: 1_500n,
      penaltyPaid: 0n,
      interestPaid: 500n,
      principalPaid: 1_000n,
      prepaid: 0n,
    });
    db = new Database(path, { readonly: true });
    db.defaultSafeIntegers(true);
    const common = {
      readModel: store.readModel,
      metrics: createMetrics({ readModel: store.readModel, status: () => STATUS }),
      status: () => STATUS,
      logger: createLogger({ level: "silent" }),
      clock: () => 0,
      chainNow: () => NOW,
      operator: { store, tokens: { ops: TOKEN }, channels: ["letters"], evidenceAnchor: null },
    };
    server = await createHttpServer({ ...common, portfolio: createPortfolio(db) }).listen(0);
    bare = await createHttpServer(common).listen(0);
  });

  after(async () => {
    await server?.close();
    await bare?.close();
    db?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the portfolio at the chain time, statuses by name, amounts as decimal strings", async () => {
    const response = await get(`${server.url}/api/portfolio`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^application\/json/);
    const status = (name: string, loans = 0, principal = "0") => ({ status: name, loans, principal });
    expect(await response.json()).to.deep.equal({
      asOf: String(NOW),
      loans: 5,
      principal: String(BIG_PRINCIPAL + 4_000_000n),
      byStatus: [
        status("Active", 1, "1000000"),
        status("Late", 2, String(BIG_PRINCIPAL + 1_000_000n)),
        status("Defaulted", 1, "1000000"),
        status("Repaid", 1, "1000000"),
        status("Certified"),
        status("Committed"),
        status("Disputed"),
        status("Settled"),
        status("WrittenOff"),
      ],
      arrears: {
        loans: 4,
        outstanding: "4000000",
        buckets: [
          { bucket: "current", minDays: 0, maxDays: 0, loans: 1, outstanding: "1000000" },
          { bucket: "1-30", minDays: 1, maxDays: 30, loans: 3, outstanding: "3000000" },
          { bucket: "31-60", minDays: 31, maxDays: 60, loans: 0, outstanding: "0" },
          { bucket: "61-90", minDays: 61, maxDays: 90, loans: 0, outstanding: "0" },
          { bucket: "90+", minDays: 91, maxDays: null, loans: 0, outstanding: "0" },
        ],
      },
      recovery: {
        defaulted: 1,
        certified: 0,
        committed: 0,
        settled: 0,
        enforced: 0,
        writtenOff: 0,
        writtenOffAmount: "0",
      },
      collections: MONTHS.map((month) =>
        month === "2022-01"
          ? { month, payments: 1, amount: "1500", principal: "1000", interest: "500", penalty: "0" }
          : { month, ...zeroMonth },
      ),
    });
  });

  it("is a lender's view: refused without credentials or with a wrong token", async () => {
    expect((await fetch(`${server.url}/api/portfolio`)).status).to.equal(401);
    const wrong = await fetch(`${server.url}/api/portfolio`, { headers: { Authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).to.equal(401);
  });

  it("takes no query parameters", async () => {
    const response = await get(`${server.url}/api/portfolio?at=1`);
    expect(response.status).to.equal(400);
    const body = (await response.json()) as { error: { code: string; issues: { message: string }[] } };
    expect(body.error.code).to.equal("bad_request");
    expect(body.error.issues[0].message).to.match(/at/);
  });

  it("is read-only: other methods are not routes", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await fetch(`${server.url}/api/portfolio`, { method, body: "{}", headers: AUTH });
      expect(response.status, method).to.equal(404);
    }
  });

  it("is not served without a portfolio", async () => {
    const response = await get(`${bare.url}/api/portfolio`);
    expect(response.status).to.equal(404);
  });

  it("computes at each request's chain time", async () => {
    const times: bigint[] = [];
    const spy: Pick<Portfolio, "portfolioOf"> = {
      portfolioOf: (at) => {
        times.push(at);
        return createPortfolio(db).portfolioOf(at);
      },
    };
    let now = NOW;
    const http = createHttpServer({
      readModel: store.readModel,
      metrics: createMetrics({ readModel: store.readModel, status: () => STATUS }),
      status: () => STATUS,
      logger: createLogger({ level: "silent" }),
      clock: () => 0,
      chainNow: () => now,
      portfolio: spy,
      operator: { store, tokens: { ops: TOKEN }, channels: ["letters"], evidenceAnchor: null },
    });
    const listening = await http.listen(0);
    try {
      await (await get(`${listening.url}/api/portfolio`)).json();
      now = NOW + 100n * 86_400n;
      const body = (await (await get(`${listening.url}/api/portfolio`)).json()) as {
        asOf: string;
        arrears: { buckets: { bucket: string; loans: number }[] };
      };
      expect(times).to.deep.equal([NOW, NOW + 100n * 86_400n]);
      expect(body.asOf).to.equal(String(now));
      // 101 days past installment 1: loans 2, 3 and 5 are 90+; loan 1 (paid 1) is 71 days past installment 2.
      expect(body.arrears.buckets.map((line) => [line.bucket, line.loans])).to.deep.equal([
        ["current", 0],
        ["1-30", 0],
        ["31-60", 0],
        ["61-90", 1],
        ["90+", 3],
      ]);
    } finally {
      await listening.close();
    }
  });
});
