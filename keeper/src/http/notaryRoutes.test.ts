import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import { expect } from "chai";
import express, { type NextFunction, type Request, type Response } from "express";
import { keccak256, stringToHex, zeroHash, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { LoanStatus } from "../core/decisions.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { createLogger } from "../runtime/logger.ts";
import type { Auth, Principal } from "./auth/requireAuth.ts";
import type { Role } from "./auth/roles.ts";
import { createNotaryRouter } from "./notaryRoutes.ts";

const address = () => privateKeyToAccount(generatePrivateKey()).address;
const borrower = address();
const lender = address();
const otherLender = address();
const notary = address();
const hash = (text: string): Hex => keccak256(stringToHex(text));
const DOCUMENT = hash("loan contract");
const DOCUMENTS = {
  debtInstrumentHash: DOCUMENT,
  defaultProofHash: hash("proof of default"),
  identityProofHash: hash("identity proof"),
};
const T0 = 1_800_000_000_000;

/** The principal a request names in `x-principal` (`address:role,role` or `operator:name`); none: 401. */
const fakeGuard = (): Auth => {
  const principalOf = (request: Request): Principal | undefined => {
    const header = request.get("x-principal");
    if (header === undefined) return undefined;
    const [who, roles = ""] = header.split(":");
    if (who === "operator") return { kind: "operator", operator: roles };
    return { kind: "session", address: who as Address, roles: roles.split(",") as Role[], expiresAtMs: Infinity };
  };
  return {
    requireSession: async () => undefined,
    requireLoanAccess: () => async () => undefined,
    sessionOf: () => undefined,
    requireRole:
      (...roles) =>
      async (request: Request, response: Response, next: NextFunction) => {
        const principal = principalOf(request);
        if (principal === undefined) return void response.status(401).json({ error: { code: "no_session" } });
        response.locals.principal = principal;
        const allowed =
          principal.kind === "operator"
            ? roles.includes("lender")
            : principal.roles.some((r) => roles.includes(r as never));
        if (!allowed) return void response.status(403).json({ error: { code: "forbidden_role" } });
        next();
      },
  };
};

describe("the certificate application and the notary's queue", () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-notary-"));
  let store: Store;
  let server: Server;
  let base: string;

  const loan = (id: bigint, status: number, claimHolder = lender) =>
    store.upsertLoan({
      id,
      templateId: 1n,
      borrower,
      claimHolder,
      principal: 1_000n,
      status,
      stage: 0,
      flags: 0,
      nextDueTime: null,
      defaultEligibleAt: null,
      updatedBlock: 1n,
    });

  const call = async (method: string, path: string, principal?: string, body?: unknown) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (principal !== undefined) headers["x-principal"] = principal;
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const apply = (id: string, principal: string | undefined, body: unknown = DOCUMENTS) =>
    call("POST", `/api/loans/${id}/certificate-application`, principal, body);
  const applications = () => store.certificateApplications.list().length;

  before(async () => {
    store = openStore(join(dir, "keeper.sqlite"));
    loan(1n, LoanStatus.Defaulted);
    loan(2n, LoanStatus.Late);
    loan(3n, LoanStatus.Defaulted, otherLender);
    loan(4n, LoanStatus.Defaulted, notary);
    store.insertEvent({
      blockNumber: 1n,
      blockHash: hash("block 1"),
      txHash: hash("tx 1"),
      logIndex: 0,
      address: lender,
      name: "LoanOriginated",
      loanId: 1n,
      args: { loanId: "1", documentHash: DOCUMENT },
    });
    // As createHttpServer sets it up: bigints as decimal strings, a body parser's refusal as a 400.
    const app = express();
    app.set("json replacer", (_key: string, value: unknown) => (typeof value === "bigint" ? String(value) : value));
    app.use(
      createNotaryRouter({
        store,
        guard: fakeGuard(),
        chainNow: () => 1_000n,
        clock: () => T0,
        logger: createLogger({ level: "silent" }),
      }),
    );
    app.use((error: { status?: number }, _request: Request, response: Response, _next: NextFunction) => {
      response.status(error.status ?? 500).json({ error: { code: "bad_request" } });
    });
    server = createServer(app).listen(0);
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses every bad application with its code and records nothing", async () => {
    const cases: [Awaited<ReturnType<typeof apply>>, number, string][] = [
      [await apply("1", undefined), 401, "no_session"],
      [await apply("1", `${borrower}:borrower`), 403, "forbidden_role"],
      [await apply("1", `${notary}:notary`), 403, "forbidden_role"],
      [await apply("x1", `${lender}:lender`), 400, "bad_request"],
      [await apply("99", `${lender}:lender`), 404, "unknown_loan"],
      [await apply("3", `${lender}:lender`), 403, "not_claim_holder"],
      [await apply("2", `${lender}:lender`), 409, "not_defaulted"],
      [await apply("1", `${lender}:lender`, { ...DOCUMENTS, identityProofHash: zeroHash }), 400, "bad_documents"],
      [await apply("1", `${lender}:lender`, { ...DOCUMENTS, defaultProofHash: "0x1234" }), 400, "bad_documents"],
      [await apply("1", `${lender}:lender`, { ...DOCUMENTS, extra: 1 }), 400, "bad_documents"],
      [await apply("1", `${lender}:lender`, "{not json"), 400, "bad_request"],
    ];
    for (const [answer, status, code] of cases) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
      expect(answer.body.error.code).to.equal(code);
    }
    expect(applications()).to.equal(0);
  });

  it("records the claim holder's application, and a second one replaces the first", async () => {
    const first = await apply("1", `${lender}:lender`, { ...DOCUMENTS, identityProofHash: hash("old identity") });
    expect(first.status).to.equal(201);
    const second = await apply("1", `${lender}:lender`);
    expect(second.status).to.equal(201);
    expect(second.body).to.deep.include({ ...DOCUMENTS, loanId: "1", appliedBy: lender, appliedAtMs: T0 });
    expect(store.certificateApplications.list()).to.have.length(1);
    expect(store.certificateApplications.get(1n)?.identityProofHash).to.equal(DOCUMENTS.identityProofHash);
  });

  it("lets an operator apply in the lender's name, recorded as the operator", async () => {
    const answer = await apply("4", "operator:ops");
    expect(answer.status).to.equal(201);
    expect(answer.body.appliedBy).to.equal("operator:ops");
  });

  it("shows a notary the defaults applied for, with the chain facts, but none it is a party to", async () => {
    expect((await call("GET", "/api/notary/queue")).status).to.equal(401);
    expect((await call("GET", "/api/notary/queue", `${lender}:lender`)).status).to.equal(403);
    expect((await call("GET", "/api/notary/queue", "operator:ops")).status).to.equal(403);
    expect((await call("GET", "/api/notary/queue?x=1", `${notary}:notary`)).status).to.equal(400);
    const { status, body } = await call("GET", "/api/notary/queue", `${notary}:notary`);
    expect(status).to.equal(200);
    // Loan 4's claim holder is the notary itself: the contract would refuse its certificate.
    expect(body.items.map((item: any) => item.loan.id)).to.deep.equal(["1"]);
    const [item] = body.items;
    expect(item.debtInstrumentMatches).to.equal(true);
    expect(item.application).to.deep.include(DOCUMENTS);
    expect(item.facts.origination.txHash).to.equal(hash("tx 1"));
    expect(item.facts.default).to.equal(null);
    expect(item.facts.grounds).to.equal(null);
    const other = await call("GET", "/api/notary/queue", `${address()}:notary`);
    expect(other.body.items.map((entry: any) => entry.loan.id)).to.deep.equal(["1", "4"]);
  });
});
