import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { pino } from "pino";
import { getAddress, type Address } from "viem";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { BORROWER_A, NOW, seedBook } from "../adapters/store/readModelFixture.ts";
import { verifyContactProof } from "../core/contactMerkle.ts";
import { createContactDesk } from "../runtime/contactDesk.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";

const ALICE = "op-alice-0123456789abcdef0123456789abcdef";
const BOB = "op-bob-0123456789abcdef0123456789abcdef00";
const ANCHOR: Address = getAddress("0x" + "77".repeat(20));

describe("operator routes", () => {
  const dir = mkdtempSync(join(tmpdir(), "operator-routes-"));
  let store: Store;
  let server: ListeningHttpServer;
  let bare: ListeningHttpServer;

  before(async () => {
    store = openStore(join(dir, "keeper.sqlite"));
    seedBook(store);
    const status = { lastTickAtMs: null } as unknown as KeeperStatus;
    const common = {
      readModel: store.readModel,
      metrics: createMetrics({ readModel: store.readModel, status: () => status }),
      status: () => status,
      logger: pino({ level: "silent" }),
      clock: Date.now,
      chainNow: () => NOW,
    };
    const operator = { store, channels: ["letters", "webhook"], evidenceAnchor: ANCHOR };
    server = await createHttpServer({
      ...common,
      operator: { ...operator, tokens: { alice: ALICE, bob: BOB } },
    }).listen(0);
    bare = await createHttpServer({ ...common, operator: { ...operator, tokens: {} } }).listen(0);
  });
  after(async () => {
    await server.close();
    await bare.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    path: string,
    { token = ALICE as string | null, body = undefined as unknown, base = () => server.url } = {},
  ) => {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${base()}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** A suspense record: no loan reference in the text. */
  function suspenseRecord(reference: string): number {
    store.insertBankRecord({
      source: "bank_a",
      bankReference: reference,
      loanReference: "",
      loanId: null,
      amount: 700n,
      paidAt: NOW - 100n,
      rawPayload: "{}",
      reason: "no loan reference",
    });
    return store.getBankRecord(reference)!.id;
  }

  it("refuses without a token, with a wrong one, and when no operator is configured; changes nothing", async () => {
    const id = suspenseRecord("SUSP-AUTH");
    const noToken = await call("POST", `/bank/records/${id}/assign`, { token: null, body: { loanId: "1" } });
    expect(noToken.status).to.equal(401);
    expect(noToken.body.error.code).to.equal("missing_token");
    const wrong = await call("POST", `/bank/records/${id}/assign`, { token: ALICE + "x", body: { loanId: "1" } });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.code).to.equal("bad_token");
    const none = await call("POST", `/bank/records/${id}/assign`, { base: () => bare.url, body: { loanId: "1" } });
    expect(none.status).to.equal(503);
    expect(none.body.error.code).to.equal("not_configured");
    for (const path of ["/api/contacts", "/api/contacts/log?loanId=1", "/api/contacts/log/1/proof"]) {
      expect((await call("GET", path, { token: null })).status, path).to.equal(401);
    }
    expect(store.getBankRecord("SUSP-AUTH")).to.include({ state: "suspense", loanId: null });
  });

  it("assigns a suspense payment to a loan on an operator's word, once; every bad request is refused", async () => {
    const id = suspenseRecord("SUSP-1");
    const bad = [
      { body: { loanId: 1 }, status: 400, code: "bad_request" },
      { body: { loanId: "-1" }, status: 400, code: "bad_request" },
      { body: { loanId: "1", extra: true }, status: 400, code: "bad_request" },
      { body: "{not json", status: 400, code: "bad_request" },
      { body: { loanId: "99" }, status: 404, code: "unknown_loan" },
      { body: { loanId: "99999999999999999999999" }, status: 400, code: "bad_request" },
    ];
    for (const { body, status, code } of bad) {
      const answer = await call("POST", `/bank/records/${id}/assign`, { body });
      expect(answer.status, JSON.stringify(body)).to.equal(status);
      expect(answer.body.error.code).to.equal(code);
    }
    expect((await call("POST", `/bank/records/123456/assign`, { body: { loanId: "1" } })).status).to.equal(404);
    expect(store.getBankRecord("SUSP-1")).to.include({ state: "suspense", loanId: null });

    const ok = await call("POST", `/bank/records/${id}/assign`, { token: BOB, body: { loanId: "1" } });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ status: "assigned", id, loanId: "1", assignedBy: "bob" });
    expect(store.getBankRecord("SUSP-1")).to.include({ state: "matched", loanId: 1n, loanReference: "LOAN-1" });
    const again = await call("POST", `/bank/records/${id}/assign`, { body: { loanId: "2" } });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal("wrong_state");
    expect(store.getBankRecord("SUSP-1")).to.include({ state: "matched", loanId: 1n });
  });

  it("stores a borrower's contact details off chain, validated", async () => {
    const path = `/api/borrowers/${BORROWER_A}/contact`;
    const good = { timeZone: "America/New_York", locale: "en", channel: "webhook", recipient: "+1 212 555 0100" };
    for (const [body, field] of [
      [{ ...good, timeZone: "Mars/Olympus" }, "timeZone"],
      [{ ...good, locale: "fr" }, "locale"],
      [{ ...good, channel: "pigeon" }, "channel"],
      [{ ...good, recipient: "  " }, "recipient"],
    ] as const) {
      const answer = await call("PUT", path, { body });
      expect(answer.status).to.equal(400);
      expect(answer.body.error.issues[0].path).to.equal(field);
    }
    expect((await call("PUT", "/api/borrowers/0x1234/contact", { body: good })).status).to.equal(400);
    expect(store.contacts.getBorrowerContact(BORROWER_A)).to.equal(undefined);
    const ok = await call("PUT", path, { body: good });
    expect(ok.status).to.equal(200);
    // The handle is personal data: not echoed back.
    expect(ok.body.contact.recipient).to.equal("[stored]");
    expect(store.contacts.getBorrowerContact(BORROWER_A)).to.deep.include({
      timeZone: "America/New_York",
      locale: "en",
    });
  });

  it("lists messages and serves an entry's evidence: leaf, proof and root, once its batch is closed", async () => {
    const desk = createContactDesk({
      store,
      channels: new Map([["webhook", { name: "webhook", deliver: async () => ({ kind: "delivered" as const }) }]]),
      policy: {
        quietHours: { start: "22:00", end: "08:00" },
        dailyLimit: 5,
        defaultTimeZone: "Asia/Shanghai",
        defaultLocale: "zh",
        defaultChannel: "webhook",
        decimals: 6,
        currency: "USDC",
        lenderName: "Example Lender",
        paymentInstructions: { zh: "转账", en: "a transfer" },
        contactInstructions: { zh: "热线", en: "our line" },
        anchorBatchSize: 2,
        anchorMaxAgeSeconds: 3_600n,
      },
      logger: pino({ level: "silent" }),
      clock: () => 1_000,
    });
    // Noon in New York (borrower A's zone, set above).
    const noon = BigInt(Date.UTC(2026, 10, 27, 17, 0) / 1000);
    store.planActions(
      ["remindBeforeDue", "remindDueToday"].map((kind) => ({
        key: `2:${kind}:i1`,
        loanId: 2n,
        kind,
        installment: 1,
        validFrom: noon,
        payload: { dueTime: String(noon + 86_400n) },
      })),
    );
    for (const kind of ["remindBeforeDue", "remindDueToday"]) {
      const action = store.getActionByKey(`2:${kind}:i1`)!;
      store.transaction(() => desk.queue(action, noon));
    }
    const listed = await call("GET", "/api/contacts?loanId=2&state=waiting");
    expect(listed.status).to.equal(200);
    expect(listed.body.total).to.equal(2);
    expect(listed.body.messages[0]).to.include({ locale: "en", timeZone: "America/New_York" });
    expect((await call("GET", "/api/contacts?state=lost")).status).to.equal(400);

    await desk.deliver(noon);
    const { body: log } = await call("GET", "/api/contacts/log?loanId=2");
    expect(log.entries).to.have.length(2);
    const first = log.entries[0].id as number;
    const open = await call("GET", `/api/contacts/log/${first}/proof`);
    expect(open.status).to.equal(409);
    expect(open.body.error.code).to.equal("not_anchored");
    expect((await call("GET", "/api/contacts/log/999999/proof")).status).to.equal(404);

    const root = desk.anchor(noon);
    const proof = await call("GET", `/api/contacts/log/${first}/proof`);
    expect(proof.status).to.equal(200);
    expect(proof.body.root).to.equal(root);
    expect(proof.body.anchor).to.deep.include({ contract: ANCHOR, state: "planned" });
    const values = proof.body.leafValues;
    const entry = { ...values, entryId: BigInt(values.entryId), loanId: BigInt(values.loanId) };
    expect(verifyContactProof(root!, entry, proof.body.proof)).to.equal(true);
  });
});
