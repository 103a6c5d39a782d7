/**
 * The lender's routes for a signed-in lender (its session cookie) as for an operator: the loan evidence export
 * (`loanEvidenceRoutes.ts`), the suspense assignment and the contact log (`operatorRoutes.ts`). Each refusal (no
 * credentials, the wrong role, another lender's loan, a bad id or body, a foreign origin) is checked to change nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { expect } from "chai";
import { getAddress, type Address } from "viem";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { BORROWER_A, hashOf, LENDER, LOAN_BOOK, NOW, seedBook } from "../adapters/store/readModelFixture.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { createRoleResolver } from "./auth/roles.ts";
import { SESSION_COOKIE } from "./auth/requireAuth.ts";
import { hashSecret } from "./auth/secrets.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";
import { LOAN_EVIDENCE_FORMAT } from "./loanEvidenceRoutes.ts";

const CLOCK_MS = Date.parse("2026-11-26T06:00:00Z");
const OPERATOR_TOKEN = "ops-lender-access-0123456789abcdef012345";
/** A lender holding no claim of the seeded book. */
const OTHER_LENDER: Address = getAddress("0x" + "99".repeat(20));
const SESSIONS = { lender: "l".repeat(43), otherLender: "o".repeat(43), borrower: "b".repeat(43) } as const;
type Who = keyof typeof SESSIONS | "operator" | "nobody";

describe("the lender's routes, signed in", () => {
  const dir = mkdtempSync(join(tmpdir(), "lender-access-"));
  let store: Store;
  let server: ListeningHttpServer;

  before(async () => {
    store = openStore(join(dir, "keeper.sqlite"), { now: () => CLOCK_MS });
    seedBook(store);
    store.recordBlock({ number: 10n, hash: hashOf(0xb), parentHash: hashOf(0xa), timestamp: 1_700_000_000n });
    const expiresAtMs = CLOCK_MS + 3_600_000;
    for (const [name, address] of [
      ["lender", LENDER],
      ["otherLender", OTHER_LENDER],
      ["borrower", BORROWER_A],
    ] as const) {
      store.sessions.insertSession({ idHash: hashSecret(SESSIONS[name]), address, expiresAtMs }, CLOCK_MS);
    }
    const status = { lastTickAtMs: null } as unknown as KeeperStatus;
    const lenders = new Set<Address>([LENDER, OTHER_LENDER]);
    server = await createHttpServer({
      readModel: store.readModel,
      metrics: createMetrics({ readModel: store.readModel, status: () => status }),
      status: () => status,
      logger: createLogger({ level: "silent" }),
      clock: () => CLOCK_MS,
      chainNow: () => NOW,
      operator: { store, tokens: { ops: OPERATOR_TOKEN }, channels: ["letters"], evidenceAnchor: null },
      loanEvents: store.loanEvents,
      display: { tokenDecimals: 6, currency: "TUSD", chainId: 31337, loanBook: LOAN_BOOK },
      auth: {
        store,
        chainId: 31337,
        resolveRoles: createRoleResolver({
          readRole: async (role, address) => role === "lender" && lenders.has(address),
          isBorrower: (address) => store.readModel.listLoans({ borrower: address, limit: 1, now: 0n }).total > 0,
          clock: () => CLOCK_MS,
        }),
        verifySignature: async () => false,
        origins: ["https://loans.example"],
      },
    }).listen(0);
  });
  after(async () => {
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (who: Who, method: string, path: string, init: { body?: string; origin?: string } = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (who === "operator") headers.authorization = `Bearer ${OPERATOR_TOKEN}`;
    else if (who !== "nobody") headers.cookie = `${SESSION_COOKIE}=${SESSIONS[who]}`;
    if (init.origin !== undefined) headers.origin = init.origin;
    const response = await fetch(server.url + path, { method, headers, body: init.body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  describe("GET /api/loans/:id/evidence", () => {
    it("downloads the loan's terms, installments, payments and timeline as a JSON attachment", async () => {
      const { status, headers, body } = await call("operator", "GET", "/api/loans/2/evidence");
      expect(status).to.equal(200);
      expect(headers.get("content-disposition")).to.equal("attachment; filename=loan-2-evidence.json");
      expect(headers.get("cache-control")).to.equal("no-store");
      expect(body).to.include({ format: LOAN_EVIDENCE_FORMAT, asOf: String(NOW), chainId: 31337, loanBook: LOAN_BOOK });
      expect(body.generatedAt).to.equal(new Date(CLOCK_MS).toISOString());
      expect(body.loan).to.include({ id: "2", status: "Late", borrower: BORROWER_A });
      expect(body.installments.map((i: { number: number }) => i.number)).to.deep.equal([1, 2]);
      expect(body.payments).to.have.length(2);
      expect(body.bankRecords.map((b: { bankReference: string }) => b.bankReference)).to.deep.equal(["BANK-2"]);
      expect(body.keeperActions.map((a: { key: string; state: string }) => [a.key, a.state])).to.deep.equal([
        ["2:remindLate1:i1", "done"],
        ["2:markLate:i1", "sent"],
      ]);
      expect(body.contactLog).to.deep.equal([]);
      expect(body.events).to.deep.equal([
        {
          blockNumber: "10",
          blockHash: hashOf(0xb),
          timestamp: "1700000000",
          txHash: hashOf(0x10),
          logIndex: 5,
          address: LOAN_BOOK,
          name: "LoanOriginated",
          args: { loanId: "2", borrower: BORROWER_A, principal: String(2n ** 200n) },
        },
        ...["Transfer", "InstallmentPaid"].map((name, logIndex) => ({
          blockNumber: "12",
          blockHash: hashOf(0xb),
          timestamp: null,
          txHash: hashOf(0x12),
          logIndex,
          address: LOAN_BOOK,
          name,
          args: name === "Transfer" ? { value: "7" } : { loanId: "2", amount: String(10n ** 30n) },
        })),
      ]);
    });

    it("serves the claim holder and the loan's borrower", async () => {
      expect((await call("lender", "GET", "/api/loans/1/evidence")).status).to.equal(200);
      const { status, body } = await call("borrower", "GET", "/api/loans/1/evidence");
      expect(status).to.equal(200);
      expect(body.events.map((e: { name: string }) => e.name)).to.deep.equal(["Other"]);
    });

    const refusals: [string, Who, string, number, string][] = [
      ["no credentials", "nobody", "1", 401, "no_credentials"],
      ["another lender's loan", "otherLender", "1", 403, "forbidden_loan"],
      ["another borrower's loan", "borrower", "3", 403, "forbidden_loan"],
      ["a lender's loan held by someone else", "lender", "2", 403, "forbidden_loan"],
      ["an unknown loan", "lender", "99", 404, "unknown_loan"],
      ["a malformed id", "lender", "1x", 404, "unknown_loan"],
      ["an id beyond SQLite's integers", "operator", "18446744073709551616", 404, "unknown_loan"],
    ];
    for (const [name, who, id, expected, code] of refusals) {
      it(`refuses ${name}: ${expected} ${code}`, async () => {
        const { status, body } = await call(who, "GET", `/api/loans/${id}/evidence`);
        expect(status).to.equal(expected);
        expect(body.error.code).to.equal(code);
      });
    }
  });

  describe("POST /bank/records/:id/assign", () => {
    let next = 0;
    /** A fresh suspense record's id. */
    const suspense = (): number => {
      const reference = `SUSPENSE-${++next}`;
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
    };
    /** Who the audit trail says assigned record `id`. */
    const assignedByOf = (id: number): unknown => {
      const db = new Database(join(dir, "keeper.sqlite"), { readonly: true });
      try {
        return db.prepare("SELECT assigned_by FROM bank_records WHERE id = ?").pluck().get(id);
      } finally {
        db.close();
      }
    };
    const recordOf = (id: number) => store.listBankRecords({ limit: 500, offset: 0 }).records.find((r) => r.id === id)!;

    it("assigns a suspense payment on a signed-in lender's word, recording the lender's address", async () => {
      const id = suspense();
      const { status, body } = await call("lender", "POST", `/bank/records/${id}/assign`, {
        body: JSON.stringify({ loanId: "1" }),
        origin: "https://loans.example",
      });
      expect(status).to.equal(200);
      expect(body).to.deep.equal({ status: "assigned", id, loanId: "1", assignedBy: LENDER });
      expect(recordOf(id)).to.include({ state: "matched", loanId: 1n });
      expect(assignedByOf(id)).to.equal(LENDER);
    });

    it("still takes an operator's token, recording the operator's name", async () => {
      const id = suspense();
      const { status, body } = await call("operator", "POST", `/bank/records/${id}/assign`, {
        body: JSON.stringify({ loanId: "2" }),
      });
      expect(status).to.equal(200);
      expect(body.assignedBy).to.equal("ops");
      expect(assignedByOf(id)).to.equal("ops");
    });

    const refusals: [string, Who, string, string | undefined, number, string][] = [
      ["no credentials", "nobody", '{"loanId":"1"}', undefined, 401, "no_credentials"],
      ["a borrower", "borrower", '{"loanId":"1"}', undefined, 403, "forbidden_role"],
      ["another lender's loan", "otherLender", '{"loanId":"1"}', undefined, 403, "forbidden_loan"],
      ["a write from another origin", "lender", '{"loanId":"1"}', "https://evil.example", 403, "bad_origin"],
      ["a number for the loan id", "lender", '{"loanId":1}', undefined, 400, "bad_request"],
      ["an extra field", "lender", '{"loanId":"1","by":"me"}', undefined, 400, "bad_request"],
      ["malformed JSON", "lender", '{"loanId":', undefined, 400, "bad_request"],
      ["an unknown loan", "lender", '{"loanId":"99"}', undefined, 404, "unknown_loan"],
    ];
    for (const [name, who, payload, origin, expected, code] of refusals) {
      it(`refuses ${name} (${expected} ${code}) and leaves the record in suspense`, async () => {
        const id = suspense();
        const before = recordOf(id);
        const { status, body } = await call(who, "POST", `/bank/records/${id}/assign`, { body: payload, origin });
        expect(status).to.equal(expected);
        expect(body.error.code).to.equal(code);
        expect(recordOf(id)).to.deep.equal(before);
      });
    }
  });

  describe("GET /api/contacts/log", () => {
    it("lists a loan's contact log for its lender", async () => {
      const { status, body } = await call("lender", "GET", "/api/contacts/log?loanId=1");
      expect(status).to.equal(200);
      expect(body).to.deep.equal({ entries: [] });
    });

    const refusals: [string, Who, string, number, string][] = [
      ["no credentials", "nobody", "?loanId=1", 401, "no_credentials"],
      ["a borrower", "borrower", "?loanId=1", 403, "forbidden_role"],
      ["another lender's loan", "otherLender", "?loanId=1", 403, "forbidden_loan"],
      ["a loan the keeper does not follow", "lender", "?loanId=99", 404, "unknown_loan"],
      ["a malformed loan id", "lender", "?loanId=x", 400, "bad_request"],
      ["no loan id", "lender", "", 400, "bad_request"],
    ];
    for (const [name, who, query, expected, code] of refusals) {
      it(`refuses ${name}: ${expected} ${code}`, async () => {
        const { status, body } = await call(who, "GET", `/api/contacts/log${query}`);
        expect(status).to.equal(expected);
        expect(body.error.code).to.equal(code);
      });
    }

    it("answers a lender's proof request for an unknown entry with 404", async () => {
      const { status, body } = await call("lender", "GET", "/api/contacts/log/12345/proof");
      expect(status).to.equal(404);
      expect(body.error.code).to.equal("unknown_entry");
    });
  });
});
