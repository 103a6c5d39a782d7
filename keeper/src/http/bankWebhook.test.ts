import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { NOW, seedBook } from "../adapters/store/readModelFixture.ts";
import { signWebhook } from "../core/webhookSignature.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";

const OPERATOR_TOKEN = "o".repeat(40);

const SECRET_A = "whsec-a-0123456789abcdef0123456789abcdef";
const SECRET_B = "whsec-b-0123456789abcdef0123456789abcdef";
/** The keeper's wall clock in the tests, unix seconds. */
const WALL_S = 1_764_115_200;

const payment = (overrides: Record<string, unknown> = {}) => ({
  id: "TX-1",
  amount: "500",
  currency: "USDC",
  bookedAt: "2026-11-25T09:30:00+08:00",
  remittanceInformation: "Repayment LOAN-1",
  ...overrides,
});

interface PostOptions {
  readonly source?: string | null;
  readonly secret?: string;
  readonly t?: number;
  /** Replaces the computed `Bank-Signature` (null: none sent). */
  readonly signature?: string | null;
}

interface Running {
  readonly path: string;
  readonly store: Store;
  readonly server: ListeningHttpServer;
  readonly logs: Record<string, unknown>[];
  post(body: string | object, options?: PostOptions): Promise<{ status: number; body: any }>;
  get(path: string): Promise<{ status: number; body: any }>;
  /** Every bank record stored. */
  count(): number;
  close(): Promise<void>;
}

/** The real express app over a seeded SQLite file (loans 1 to 5, two bank records), on a free port. */
async function start(secrets: Record<string, string> = { bank_a: SECRET_A, bank_b: SECRET_B }): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "bank-webhook-"));
  const path = join(dir, "keeper.sqlite");
  const store = openStore(path);
  seedBook(store);
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const status = { lastTickAtMs: null } as unknown as KeeperStatus;
  const server = await createHttpServer({
    readModel: store.readModel,
    metrics: createMetrics({ readModel: store.readModel, status: () => status }),
    status: () => status,
    logger,
    clock: () => WALL_S * 1000,
    chainNow: () => NOW,
    bank: { store, secrets },
    // Reading the records takes a lender or an operator's token.
    operator: { store, tokens: { ops: OPERATOR_TOKEN }, channels: ["letters"], evidenceAnchor: null },
  }).listen(0);
  const json = async (response: Response) => ({ status: response.status, body: await response.json() });
  return {
    path,
    store,
    server,
    logs,
    async post(body, { source = "bank_a", secret = SECRET_A, t = WALL_S, signature } = {}) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (source !== null) headers["Bank-Source"] = source;
      const header = signature === undefined ? signWebhook(secret, t, text) : signature;
      if (header !== null) headers["Bank-Signature"] = header;
      return json(await fetch(`${server.url}/bank/webhook`, { method: "POST", headers, body: text }));
    },
    get: async (path) =>
      json(await fetch(server.url + path, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } })),
    count: () => store.listBankRecords({ limit: 1, offset: 0 }).total,
    async close() {
      await server.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("POST /bank/webhook", () => {
  let app: Running;
  before(async () => {
    app = await start();
  });
  after(() => app.close());

  it("stores a signed payment matched to its loan, durably, before answering 201", async () => {
    const before = app.count();
    const { status, body } = await app.post(payment());
    expect(status).to.equal(201);
    expect(body.status).to.equal("stored");
    expect(body.record).to.include({
      source: "bank_a",
      bankReference: "TX-1",
      loanReference: "LOAN-1",
      loanId: "1",
      amount: "500",
      paidAt: String(Date.UTC(2026, 10, 25, 1, 30) / 1000),
      state: "matched",
      reason: null,
    });
    expect(app.count()).to.equal(before + 1);
    // Committed: another connection to the file sees it.
    const other = openStore(app.path);
    try {
      expect(other.getBankRecord("TX-1")).to.include({ source: "bank_a", loanId: 1n, amount: 500n, state: "matched" });
    } finally {
      other.close();
    }
  });

  it("answers 200 duplicate to a redelivery (even re-serialised) and writes nothing", async () => {
    const before = app.count();
    const first = await app.post(payment());
    const { bookedAt: _, ...rest } = payment();
    const reordered = `{ "bookedAt": "2026-11-25T01:30:00Z", ${JSON.stringify(rest).slice(1)}`;
    const second = await app.post(reordered);
    for (const { status, body } of [first, second]) {
      expect(status).to.equal(200);
      expect(body).to.have.property("status", "duplicate");
      expect(body.record).to.include({ bankReference: "TX-1", state: "matched" });
    }
    expect(app.count()).to.equal(before);
  });

  it("answers 409 to the same id with another payment or from another source, writes nothing and logs it", async () => {
    const before = app.count();
    const table: [string, object, PostOptions, RegExp][] = [
      ["another amount", payment({ amount: "501" }), {}, /"TX-1" is already stored with a different payment/],
      ["another source", payment(), { source: "bank_b", secret: SECRET_B }, /from another source \(bank_a\)/],
      ["a record of another feed", payment({ id: "BANK-2" }), {}, /"BANK-2" is already stored from another source/],
    ];
    for (const [name, body, options, message] of table) {
      const response = await app.post(body, options);
      expect(response.status, name).to.equal(409);
      expect(response.body.error.code, name).to.equal("conflict");
      expect(response.body.error.message, name).to.match(message).and.include("nothing was written");
    }
    expect(app.count()).to.equal(before);
    expect(app.store.getBankRecord("TX-1")?.amount).to.equal(500n);
    const warnings = app.logs.filter((line) => line.msg === "bank webhook refused: conflicting duplicate");
    expect(warnings).to.have.length(3);
    expect(warnings[0]).to.include({ source: "bank_a", bankReference: "TX-1" });
    expect(warnings[0].body).to.include('"amount":"501"');
  });

  it("refuses each bad delivery with its status, code and message, and stores nothing", async () => {
    const good = JSON.stringify(payment({ id: "TX-BAD" }));
    const table: [string, string | object, PostOptions, number, string, RegExp][] = [
      ["wrong secret", good, { secret: SECRET_B }, 401, "bad_signature", /No Bank-Signature v1 signature matches/],
      [
        "tampered body",
        good.replace("500", "900"),
        { signature: signWebhook(SECRET_A, WALL_S, good) },
        401,
        "bad_signature",
        /matches the body/,
      ],
      ["stale timestamp", good, { t: WALL_S - 301 }, 401, "stale_timestamp", /301 s old/],
      ["future timestamp", good, { t: WALL_S + 301 }, 401, "stale_timestamp", /301 s in the future/],
      ["no signature", good, { signature: null }, 401, "missing_signature", /Missing Bank-Signature header/],
      ["malformed signature", good, { signature: "sha256=abc" }, 401, "malformed_signature", /Malformed/],
      ["unknown source", good, { source: "bank_z" }, 401, "unknown_source", /Unknown Bank-Source "bank_z"/],
      ["no source", good, { source: null }, 401, "unknown_source", /Missing Bank-Source header/],
      ["malformed JSON", '{"id": "TX-BAD",', {}, 400, "malformed_json", /The body is not valid JSON/],
      ["empty body", "", {}, 400, "malformed_json", /not valid JSON/],
      ["negative amount", payment({ id: "TX-BAD", amount: "-500" }), {}, 400, "invalid_payment", /not a valid/],
      ["zero amount", payment({ id: "TX-BAD", amount: "0" }), {}, 400, "invalid_payment", /not a valid/],
      [
        "overflowing amount",
        payment({ id: "TX-BAD", amount: (2n ** 128n).toString() }),
        {},
        400,
        "invalid_payment",
        /not a valid/,
      ],
      ["decimal amount", payment({ id: "TX-BAD", amount: "5.00" }), {}, 400, "invalid_payment", /not a valid/],
      ["no id", payment({ id: undefined }), {}, 400, "invalid_payment", /not a valid/],
    ];
    const before = app.count();
    for (const [name, body, options, status, code, message] of table) {
      const response = await app.post(body, options);
      expect(response.status, name).to.equal(status);
      expect(response.body.error.code, name).to.equal(code);
      expect(response.body.error.message, name).to.match(message);
      expect(app.count(), name).to.equal(before);
    }
    expect(app.store.getBankRecord("TX-BAD")).to.equal(undefined);
  });

  it("names the bad amount in the zod issues", async () => {
    const table: [string, string][] = [
      ["-500", 'amount must be positive, got "-500"'],
      ["0", "amount must be positive, got zero"],
      [(2n ** 128n).toString(), "amount must be below 2^128"],
      ["0500", "amount must not have leading zeros"],
    ];
    for (const [amount, message] of table) {
      const { status, body } = await app.post(payment({ id: "TX-AMOUNT", amount }));
      expect(status, amount).to.equal(400);
      expect(body.error.issues, amount).to.have.length(1);
      expect(body.error.issues[0].path, amount).to.equal("amount");
      expect(body.error.issues[0].message, amount).to.include(message);
    }
  });

  it("refuses a body over 64 kB with 413, whatever its content type", async () => {
    const before = app.count();
    const big = JSON.stringify(payment({ id: "TX-BIG", remittanceInformation: "x".repeat(70_000) }));
    const { status, body } = await app.post(big);
    expect(status).to.equal(413);
    expect(body.error).to.deep.equal({ code: "payload_too_large", message: "The body is larger than 64kb" });
    expect(app.count()).to.equal(before);
  });

  it("signs the exact bytes: a body sent without a content type is still checked and stored", async () => {
    const text = JSON.stringify(payment({ id: "TX-RAW", remittanceInformation: "LOAN-2" }));
    const response = await fetch(`${app.server.url}/bank/webhook`, {
      method: "POST",
      headers: { "Bank-Source": "bank_a", "Bank-Signature": signWebhook(SECRET_A, WALL_S, text) },
      body: new Blob([text]),
    });
    expect(response.status).to.equal(201);
    expect(app.store.getBankRecord("TX-RAW")?.rawPayload).to.equal(text);
  });

  it("puts unmatched, unknown-loan and ambiguous payments in suspense with the reason", async () => {
    const before = app.count();
    const table: [string, Record<string, unknown>, string, RegExp][] = [
      ["TX-S1", { remittanceInformation: "thanks" }, "", /no loan reference/],
      ["TX-S2", { remittanceInformation: "LOAN-99" }, "LOAN-99", /unknown loan: no loan 99/],
      ["TX-S3", { remittanceInformation: "LOAN-1", endToEndId: "LOAN-2" }, "LOAN-1,LOAN-2", /ambiguous/],
    ];
    for (const [id, fields, loanReference, reason] of table) {
      const { status, body } = await app.post(payment({ id, ...fields }));
      expect(status, id).to.equal(201);
      expect(body.record, id).to.include({ state: "suspense", loanId: null, loanReference });
      expect(body.record.reason, id).to.match(reason);
    }
    expect(app.count()).to.equal(before + 3);
  });

  it("stores payments delivered out of order (later booking first)", async () => {
    const later = await app.post(
      payment({ id: "TX-O2", bookedAt: "2026-11-26T10:00:00Z", remittanceInformation: "LOAN-3" }),
    );
    const earlier = await app.post(
      payment({ id: "TX-O1", bookedAt: "2026-11-20T10:00:00Z", remittanceInformation: "LOAN-3" }),
    );
    expect([later.status, earlier.status]).to.deep.equal([201, 201]);
    const ofLoan = app.store.bankRecordsOfLoan(3n).map((record) => record.bankReference);
    expect(ofLoan).to.deep.equal(["TX-O1", "TX-O2"]);
  });
});

describe("GET /bank/records", () => {
  let app: Running;
  before(async () => {
    app = await start();
    for (const [id, remittanceInformation] of [
      ["TX-1", "LOAN-1"],
      ["TX-2", "none"],
      ["TX-3", "LOAN-42"],
    ]) {
      expect((await app.post(payment({ id, remittanceInformation }))).status).to.equal(201);
    }
  });
  after(() => app.close());

  it("takes an operator's token (or a lender's session, auth/auth.test.ts) to read the records", async () => {
    const anonymous = await fetch(`${app.server.url}/bank/records`);
    expect(anonymous.status).to.equal(401);
    const wrong = await fetch(`${app.server.url}/bank/records`, { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).to.equal(401);
  });

  it("lists the suspense queue newest first with reasons, paginated", async () => {
    const { status, body } = await app.get("/bank/records?state=suspense");
    expect(status).to.equal(200);
    expect(body).to.include({ total: 3, limit: 50, offset: 0 });
    expect(body.records.map((r: { bankReference: string }) => r.bankReference)).to.deep.equal([
      "TX-3",
      "TX-2",
      "BANK-X",
    ]);
    expect(body.records[0].reason).to.include("unknown loan: no loan 42");
    expect(body.records[0].rawPayload).to.include("LOAN-42");

    const page = await app.get("/bank/records?state=suspense&limit=1&offset=1");
    expect(page.body).to.include({ total: 3, limit: 1, offset: 1 });
    expect(page.body.records.map((r: { bankReference: string }) => r.bankReference)).to.deep.equal(["TX-2"]);
  });

  it("lists matched records, or every record without a state", async () => {
    const matched = await app.get("/bank/records?state=matched");
    expect(matched.body.records.map((r: { bankReference: string }) => r.bankReference)).to.deep.equal([
      "TX-1",
      "BANK-2",
    ]);
    expect((await app.get("/bank/records")).body.total).to.equal(5);
  });

  it("refuses an unknown state or parameter with 400", async () => {
    const { status, body } = await app.get("/bank/records?state=lost&page=2");
    expect(status).to.equal(400);
    expect(body.error.code).to.equal("bad_request");
    expect(body.error.issues.map((issue: { message: string }) => issue.message).join(" ")).to.include(
      "state must be one of received, matched, suspense, relayed",
    );
  });
});

describe("the webhook without bank sources", () => {
  it("answers 503 not_configured and stores nothing", async () => {
    const app = await start({});
    try {
      const before = app.count();
      const { status, body } = await app.post(payment());
      expect(status).to.equal(503);
      expect(body.error).to.deep.equal({
        code: "not_configured",
        message: "No bank sources configured: set KEEPER_BANK_WEBHOOK_SECRETS",
      });
      expect(app.count()).to.equal(before);
    } finally {
      await app.close();
    }
  });
});
