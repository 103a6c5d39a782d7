import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { importStatement } from "../adapters/bank/importStatement.ts";
import { tempStore, WALL_MS, type TempStore } from "../adapters/bank/testBankStore.ts";
import { fixture } from "../core/statements/testStatements.ts";
import { signWebhook } from "../core/webhookSignature.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";

const OPERATOR_TOKEN = "o".repeat(40);

const SECRET = "whsec-icbc-0123456789abcdef0123456789abcdef";

/** Entry 8 of the ICBC fixture, as the bank's webhook reports it (amount in token base units, 6 decimals). */
const WEBHOOK_PAYMENT = {
  id: "ICBC2026112500008",
  amount: "500000000",
  currency: "USDC",
  bookedAt: "2026-11-25T09:45:00Z",
  remittanceInformation: "Repayment LOAN-1",
  endToEndId: "E2E-LOAN-1-0004",
};

let temp: TempStore;
let server: ListeningHttpServer;

async function post(body: object | string, secret = SECRET): Promise<{ status: number; body: any }> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(`${server.url}/bank/webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Bank-Source": "icbc",
      "Bank-Signature": signWebhook(secret, WALL_MS / 1000, text),
    },
    body: text,
  });
  return { status: response.status, body: await response.json() };
}

const get = async (path: string) => {
  const response = await fetch(server.url + path, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });
  return { status: response.status, body: (await response.json()) as any };
};

const importFixture = (name: string) =>
  importStatement({ store: temp.store, source: "icbc", fileName: name, bytes: fixture(name), decimals: 6 });

describe("the bank webhook and statement files together", () => {
  before(async () => {
    temp = tempStore();
    const status = { lastTickAtMs: null } as unknown as KeeperStatus;
    server = await createHttpServer({
      readModel: temp.store.readModel,
      metrics: createMetrics({ readModel: temp.store.readModel, status: () => status }),
      status: () => status,
      logger: createLogger({ level: "silent" }),
      clock: () => WALL_MS,
      chainNow: () => 0n,
      bank: { store: temp.store, secrets: { icbc: SECRET } },
      // Reading the quarantine takes a lender or an operator's token.
      operator: { store: temp.store, tokens: { ops: OPERATOR_TOKEN }, channels: ["letters"], evidenceAnchor: null },
    }).listen(0);
  });
  after(async () => {
    await server.close();
    temp.close();
  });

  it("counts a payment the webhook reported first as a duplicate in the statement, stored once", async () => {
    expect((await post(WEBHOOK_PAYMENT)).status).to.equal(201);
    const result = importFixture("icbc-camt053-001.08.xml");
    expect(result.kind).to.equal("imported");
    expect(result.statement).to.deep.include({ stored: 5, duplicates: 1, conflicts: 0 });
    expect(temp.counts().records).to.equal(6);
    expect(JSON.parse(temp.store.getBankRecord("ICBC2026112500008")?.rawPayload ?? "")).to.deep.equal(WEBHOOK_PAYMENT);
  });

  it("answers 200 duplicate to a webhook for a payment a statement stored first", async () => {
    const before = temp.counts();
    // Entry 1 of the statement, without the end-to-end id, in another time zone.
    const response = await post({
      id: "ICBC2026112500001",
      amount: "1234560000",
      bookedAt: "2026-11-25T01:30:00Z",
      remittanceInformation: "还款 LOAN-1 第3期",
    });
    expect(response.status).to.equal(200);
    expect(response.body).to.have.property("status", "duplicate");
    expect(temp.counts()).to.deep.equal(before);
  });

  it("quarantines a webhook conflict with the held record's id, and answers 409", async () => {
    const held = temp.store.getBankRecord("ICBC2026112500001");
    const before = temp.counts();
    const conflicting = { id: "ICBC2026112500001", amount: "1234560001", bookedAt: "2026-11-25T01:30:00Z" };
    const response = await post(conflicting);
    expect(response.status).to.equal(409);
    expect(response.body.error.message).to.include("nothing was written");
    expect(temp.counts()).to.deep.equal({ ...before, quarantine: before.quarantine + 1 });
    const [entry] = temp.store.listBankQuarantine({ limit: 1, offset: 0 }).entries;
    expect(entry).to.deep.include({ origin: "webhook", originRef: "webhook", bankReference: "ICBC2026112500001" });
    expect(entry.error).to.include(`(bank record ${held?.id}, amount 1234560000`);
    // The bank retries the same delivery: not quarantined twice.
    expect((await post(conflicting)).status).to.equal(409);
    expect(temp.counts()).to.deep.equal({ ...before, quarantine: before.quarantine + 1 });
  });

  it("quarantines an authenticated body that is not a valid payment, once, and not an unauthenticated one", async () => {
    const before = temp.counts();
    const invalid = { ...WEBHOOK_PAYMENT, id: "TX-NEG", amount: "-5" };
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await post(invalid);
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal("invalid_payment");
    }
    expect(temp.counts()).to.deep.equal({ ...before, quarantine: before.quarantine + 1 });
    const [entry] = temp.store.listBankQuarantine({ limit: 1, offset: 0 }).entries;
    expect(entry).to.deep.include({ origin: "webhook", bankReference: "TX-NEG", raw: JSON.stringify(invalid) });
    expect(entry.error).to.equal('amount: amount must be positive, got "-5"');

    const forged = await post({ ...invalid, id: "TX-FORGED" }, "whsec-wrong-0123456789abcdef0123456789abcd");
    expect(forged.status).to.equal(401);
    expect(temp.counts()).to.deep.equal({ ...before, quarantine: before.quarantine + 1 });
  });

  it("lists the quarantine newest first, paginated and by source, and refuses a bad query", async () => {
    const total = temp.counts().quarantine;
    const page = await get("/bank/quarantine?limit=1&offset=1");
    expect(page.status).to.equal(200);
    expect(page.body).to.deep.include({ total, limit: 1, offset: 1 });
    expect(page.body.entries).to.have.length(1);
    const all = await get("/bank/quarantine");
    expect(all.body.entries.map((entry: { id: number }) => entry.id)).to.deep.equal(
      [...all.body.entries.map((entry: { id: number }) => entry.id)].sort((a: number, b: number) => b - a),
    );
    expect(all.body.entries[0]).to.include.keys("source", "origin", "originRef", "position", "raw", "error");
    expect((await get("/bank/quarantine?source=other")).body).to.deep.include({ entries: [], total: 0 });
    for (const query of ["limit=0", "offset=-1", "state=x"]) {
      expect((await get(`/bank/quarantine?${query}`)).status, query).to.equal(400);
    }
  });
});
