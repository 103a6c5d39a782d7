import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { keccak256, stringToHex, zeroHash, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { LoanStatus } from "../core/decisions.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { createLogger } from "../runtime/logger.ts";
import { createNotaryRouter } from "./notaryRoutes.ts";
import { headerAuth, serveRouter, type ServedRouter } from "./routeTesting.ts";

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

describe("the certificate application and the notary's queue", () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-notary-"));
  let store: Store;
  let served: ServedRouter;

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

  const call = (method: string, path: string, principal?: string, body?: unknown) =>
    served.call(method, path, principal, body);
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
    served = await serveRouter(
      createNotaryRouter({
        store,
        guard: headerAuth(),
        chainNow: () => 1_000n,
        clock: () => T0,
        logger: createLogger({ level: "silent" }),
      }),
    );
  });
  after(async () => {
    await served.close();
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
