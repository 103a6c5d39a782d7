/**
 * `POST /api/offers` with the origination checks on: the chain is stood in for at `OriginationChainReads` (its viem
 * implementation is tested against a real chain in test/integration/originationChecks.test.ts), signatures are
 * real. Every refusal answers 422 with its reason codes, stores no offer and is recorded; the refusals route and the
 * portfolio count them.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Router } from "express";
import {
  BaseError,
  ContractFunctionRevertedError,
  keccak256,
  stringToHex,
  verifyTypedData,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { identityCommitment } from "../core/identityCommitment.ts";
import { OpenDefaultPolicy, type OriginationChainReads } from "../core/originationChecks.ts";
import { identityAttestationTypedData } from "../core/typedData.ts";
import { createLogger } from "../runtime/logger.ts";
import { createOriginationRouter, type VerifyTypedData } from "./originationRoutes.ts";
import { createPortfolioRouter } from "./portfolioRoutes.ts";
import { headerAuth, serveRouter, type ServedRouter } from "./routeTesting.ts";

const CHAIN_ID = 31337;
const LOAN_BOOK = privateKeyToAccount(generatePrivateKey()).address;
const WATCH = "0x00000000000000000000000000000000000000a1" as Address;
const REGISTRY = "0x00000000000000000000000000000000000000a2" as Address;
const OTHER_BOOK = "0x00000000000000000000000000000000000000a3" as Address;
const NOW = 1_800_000_000n;
const borrower = privateKeyToAccount(generatePrivateKey());
const lender = privateKeyToAccount(generatePrivateKey());
const otherLender = privateKeyToAccount(generatePrivateKey());
const notary = privateKeyToAccount(generatePrivateKey());
const forger = privateKeyToAccount(generatePrivateKey());
const COMMITMENT = identityCommitment(new Uint8Array(32).fill(9), "110101 19900101 123X");
const COLLATERAL = {
  token: "0x00000000000000000000000000000000000000c0",
  amountOrId: "5",
  assetHash: `0x${"0".repeat(64)}`,
};

const signIdentity = async (signer = notary) => ({
  commitment: COMMITMENT,
  attestedBy: signer.address,
  signature: await signer.signTypedData(
    identityAttestationTypedData(CHAIN_ID, LOAN_BOOK, { borrower: borrower.address, identity: COMMITMENT }),
  ),
});

describe("loan offers through the origination checks", () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-origination-checks-"));
  let store: Store;
  let served: ServedRouter;
  let portfolio: ServedRouter;
  let identity: Awaited<ReturnType<typeof signIdentity>>;
  const chain = {
    policy: OpenDefaultPolicy.Block as number,
    refusal: 0,
    pledgedTo: 0n,
    openDefaults: 0n,
    down: false as boolean | "revert",
  };
  const fail = async () => {
    if (chain.down === "revert")
      throw new BaseError("templateOf reverted", {
        cause: new ContractFunctionRevertedError({ abi: [], functionName: "templateOf" }),
      });
    if (chain.down) throw new Error("connection refused");
  };
  const reads: OriginationChainReads = {
    watchOf: async () => (await fail(), WATCH),
    registryOf: async () => REGISTRY,
    termsOf: async () => ({ source: 1, openDefaultPolicy: chain.policy }),
    originationRefusal: async () => chain.refusal,
    collateralKey: async () => keccak256(stringToHex("collateral key")),
    pledgedTo: async () => chain.pledgedTo,
    pledgeOf: async () => zeroAddress,
    openDefaults: async () => chain.openDefaults,
    isNotary: async (account) => account.toLowerCase() === notary.address.toLowerCase(),
  };
  const as = {
    lender: `${lender.address}:lender`,
    other: `${otherLender.address}:lender`,
    admin: `${notary.address}:admin`,
  };
  const offer = (extra: object = {}) => ({
    templateId: "1",
    principal: "1000000000",
    borrower: borrower.address,
    documentHash: keccak256(stringToHex("loan contract")),
    collateral: COLLATERAL,
    identity,
    ...extra,
  });
  const offerCount = () => store.originationOffers.inState("awaitingBorrower", 1_000).length;

  before(async () => {
    identity = await signIdentity();
    store = openStore(join(dir, "keeper.sqlite"));
    const logger = createLogger({ level: "silent" });
    served = await serveRouter(
      createOriginationRouter({
        offers: store.originationOffers,
        guard: headerAuth(),
        chainId: CHAIN_ID,
        loanBook: LOAN_BOOK,
        verifyTypedData: verifyTypedData as VerifyTypedData,
        chainNow: () => NOW,
        clock: () => 42,
        logger,
        checks: { reads, refusals: store.originationRefusals },
      }),
    );
    // As createHttpServer mounts it: behind the lender-or-admin guard, which names the principal.
    const withGuard = Router();
    withGuard.get("/api/portfolio", headerAuth().requireRole("lender", "admin"));
    withGuard.use(
      createPortfolioRouter({ store: store.portfolio, chainNow: () => NOW, refusals: store.originationRefusals }),
    );
    portfolio = await serveRouter(withGuard);
  });
  beforeEach(() =>
    Object.assign(chain, { policy: OpenDefaultPolicy.Block, refusal: 0, pledgedTo: 0n, openDefaults: 0n, down: false }),
  );
  after(async () => {
    await served.close();
    await portfolio.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Posts `body`, expects a 422 with exactly `reasons`, no new offer, and the refusal recorded. */
  const expectRefused = async (body: object, reasons: string[], principal = as.lender) => {
    const offers = offerCount();
    const recorded = store.originationRefusals.list(null, 1_000).length;
    const answer = await served.call("POST", "/api/offers", principal, body);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
    expect(answer.body.error).to.deep.include({ code: "origination_refused", reasons });
    expect(offerCount()).to.equal(offers);
    const all = store.originationRefusals.list(null, 1_000);
    expect(all).to.have.length(recorded + 1);
    expect(all[0]).to.deep.include({ reasons, templateId: 1n, principal: 1_000_000_000n, atMs: 42 });
    return all[0]!;
  };

  it("refuses a borrower with an open default elsewhere under a Block policy", async () => {
    chain.openDefaults = 1n;
    const refusal = await expectRefused(offer(), ["open_default_elsewhere"]);
    expect(refusal).to.deep.include({ lender: lender.address, borrower: borrower.address, identity: COMMITMENT });
  });

  it("refuses pledged collateral, an unknown value, a loan-to-value too high and a tracker alarm", async () => {
    chain.pledgedTo = 7n;
    await expectRefused(offer(), ["collateral_pledged"]);
    chain.pledgedTo = 0n;
    const watchRefusals: [number, string][] = [
      [1, "collateral_pledged"],
      [2, "value_unknown"],
      [3, "loan_to_value_too_high"],
      [4, "tracker_alarm"],
    ];
    for (const [refusal, code] of watchRefusals) {
      chain.refusal = refusal;
      await expectRefused(offer(), [code]);
    }
  });

  it("refuses a missing and a forged identity attestation", async () => {
    const missing = await expectRefused(offer({ identity: undefined }), ["identity_attestation_missing"]);
    expect(missing.identity).to.equal(null);
    await expectRefused(offer({ identity: await signIdentity(forger) }), ["identity_attestation_invalid"]);
    const borrowed = { ...(await signIdentity(forger)), attestedBy: notary.address };
    await expectRefused(offer({ identity: borrowed }), ["identity_attestation_invalid"]);
    // Several reasons at once, in their fixed order.
    chain.refusal = 3;
    await expectRefused(offer({ identity: undefined }), ["identity_attestation_missing", "loan_to_value_too_high"]);
  });

  it("makes the offer with the flag under a Flag policy, and ignores the default under None", async () => {
    chain.openDefaults = 2n;
    chain.policy = OpenDefaultPolicy.Flag;
    const flagged = await served.call("POST", "/api/offers", as.lender, offer());
    expect(flagged.status, JSON.stringify(flagged.body)).to.equal(201);
    expect(flagged.body.flags).to.deep.equal(["open_default_elsewhere"]);
    expect(store.originationOffers.get(flagged.body.id)?.flags).to.deep.equal(["open_default_elsewhere"]);
    chain.policy = OpenDefaultPolicy.None;
    const clean = await served.call("POST", "/api/offers", as.lender, offer());
    expect([clean.status, clean.body.flags]).to.deep.equal([201, []]);
  });

  it("answers 503 and records nothing when the chain cannot be read; 400 on a malformed identity", async () => {
    chain.down = true;
    const recorded = store.originationRefusals.list(null, 1_000).length;
    const down = await served.call("POST", "/api/offers", as.lender, offer());
    expect([down.status, down.body.error.code]).to.deep.equal([503, "chain_unavailable"]);
    chain.down = "revert";
    const unknownTemplate = await served.call("POST", "/api/offers", as.lender, offer({ templateId: "99" }));
    expect([unknownTemplate.status, unknownTemplate.body.error.code]).to.deep.equal([400, "bad_offer"]);
    chain.down = false;
    const bad = await served.call(
      "POST",
      "/api/offers",
      as.lender,
      offer({ identity: { ...identity, commitment: "0x12" } }),
    );
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, "bad_offer"]);
    expect(store.originationRefusals.list(null, 1_000)).to.have.length(recorded);
  });

  it("lists and counts the refusals: a lender its own, an admin everyone's", async () => {
    await expectRefused(offer({ identity: undefined }), ["identity_attestation_missing"], as.other);
    const mine = await served.call("GET", "/api/originations/refusals", as.lender);
    expect(mine.status).to.equal(200);
    expect(mine.body.counts).to.deep.equal({
      identity_attestation_missing: 2,
      identity_attestation_invalid: 2,
      open_default_elsewhere: 1,
      collateral_pledged: 2,
      value_unknown: 1,
      loan_to_value_too_high: 2,
      tracker_alarm: 1,
    });
    expect(mine.body.refusals).to.have.length(10);
    expect(mine.body.refusals[0]).to.deep.include({ principal: "1000000000", templateId: "1" });
    expect(mine.body.refusals.every((r: any) => r.lender === lender.address)).to.equal(true);
    const theirs = await served.call("GET", "/api/originations/refusals?limit=1", as.other);
    expect(theirs.body).to.deep.equal({
      refusals: [theirs.body.refusals[0]],
      counts: { identity_attestation_missing: 1 },
    });
    expect((await served.call("GET", "/api/originations/refusals", as.admin)).body.refusals).to.have.length(11);
    expect((await served.call("GET", "/api/originations/refusals?limit=0", as.lender)).status).to.equal(400);
    expect((await served.call("GET", "/api/originations/refusals?x=1", as.lender)).status).to.equal(400);
    expect((await served.call("GET", "/api/originations/refusals", `${borrower.address}:borrower`)).status).to.equal(
      403,
    );
  });

  it("counts the lender's refused originations in its portfolio", async () => {
    const mine = await portfolio.call("GET", "/api/portfolio", as.lender);
    expect(mine.status).to.equal(200);
    expect(mine.body.refusedOriginations.total).to.equal(10);
    expect(mine.body.refusedOriginations.byReason).to.include({ collateral_pledged: 2, open_default_elsewhere: 1 });
    const theirs = await portfolio.call("GET", "/api/portfolio", as.other);
    expect(theirs.body.refusedOriginations).to.deep.equal({
      total: 1,
      byReason: { identity_attestation_missing: 1 },
    });
    expect((await portfolio.call("GET", "/api/portfolio", as.admin)).body.refusedOriginations.total).to.equal(11);
  });
});
