import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { keccak256, stringToHex, verifyTypedData, zeroAddress, zeroHash, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import type { OriginationOffer } from "../adapters/store/originationOffers.ts";
import { loanAcceptanceTypedData, notarizationTypedData } from "../core/typedData.ts";
import { createLogger } from "../runtime/logger.ts";
import { createOriginationRouter, OFFER_VALIDITY_SECONDS, type VerifyTypedData } from "./originationRoutes.ts";
import { headerAuth, serveRouter, type ServedRouter } from "./routeTesting.ts";

const CHAIN_ID = 31337;
const LOAN_BOOK = privateKeyToAccount(generatePrivateKey()).address;
const NOW = 1_800_000_000n;
const borrower = privateKeyToAccount(generatePrivateKey());
const otherBorrower = privateKeyToAccount(generatePrivateKey());
const lender = privateKeyToAccount(generatePrivateKey());
const notary = privateKeyToAccount(generatePrivateKey());
const DOCUMENT = keccak256(stringToHex("loan contract of borrower 1"));
const OFFER = { templateId: "1", principal: "1000000000", borrower: borrower.address, documentHash: DOCUMENT };

/** The offer as JSON gives it back, as the typed data's terms. */
const termsOf = (offer: any, nonce: string | bigint) => ({
  templateId: BigInt(offer.templateId),
  principal: BigInt(offer.principal),
  borrower: offer.borrower,
  lender: offer.lender,
  documentHash: offer.documentHash as Hex,
  collateral: { ...offer.collateral, amountOrId: BigInt(offer.collateral.amountOrId) },
  nonce: BigInt(nonce),
  deadline: BigInt(offer.deadline),
});

describe("loan offers: the borrower's acceptance and the notary's notarization", () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-offers-"));
  let store: Store;
  let served: ServedRouter;
  const chain = { now: NOW };
  const call = (method: string, path: string, principal?: string, body?: unknown) =>
    served.call(method, path, principal, body);
  const as = {
    lender: `${lender.address}:lender`,
    borrower: `${borrower.address}:borrower`,
    other: `${otherBorrower.address}:borrower`,
    notary: `${notary.address}:notary`,
  };
  const offerCount = () => store.originationOffers.inState("awaitingBorrower", 1_000).length;

  before(async () => {
    store = openStore(join(dir, "keeper.sqlite"));
    served = await serveRouter(
      createOriginationRouter({
        offers: store.originationOffers,
        guard: headerAuth(),
        chainId: CHAIN_ID,
        loanBook: LOAN_BOOK,
        verifyTypedData: verifyTypedData as VerifyTypedData,
        chainNow: () => chain.now,
        clock: () => 1,
        logger: createLogger({ level: "silent" }),
      }),
    );
  });
  after(async () => {
    await served.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a bad offer with its code and stores nothing", async () => {
    const cases: [unknown, string | undefined, number, string][] = [
      [OFFER, undefined, 401, "no_session"],
      [OFFER, as.borrower, 403, "forbidden_role"],
      [OFFER, "operator:ops", 403, "wrong_principal"],
      [{ ...OFFER, principal: "-1" }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, principal: String(2n ** 128n) }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, principal: "0" }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, borrower: "0x1234" }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, borrower: lender.address }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, documentHash: zeroHash }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, validForSeconds: 10 ** 9 }, as.lender, 400, "bad_offer"],
      [{ ...OFFER, name: "Alice" }, as.lender, 400, "bad_offer"],
      ["{", as.lender, 400, "bad_request"],
    ];
    for (const [body, principal, status, code] of cases) {
      const answer = await call("POST", "/api/offers", principal, body);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
      expect(answer.body.error.code).to.equal(code);
    }
    expect(offerCount()).to.equal(0);
  });

  let offer: OriginationOffer & Record<string, any>;

  it("records the lender's offer with fresh keyed nonces and a deadline from the chain's time", async () => {
    const answer = await call("POST", "/api/offers", as.lender, OFFER);
    expect(answer.status).to.equal(201);
    offer = answer.body;
    expect(offer).to.deep.include({ state: "awaitingBorrower", lender: lender.address, borrower: borrower.address });
    expect(offer.collateral).to.deep.equal({ token: zeroAddress, amountOrId: "0", assetHash: zeroHash });
    expect(BigInt(offer.deadline)).to.equal(NOW + BigInt(OFFER_VALIDITY_SECONDS));
    expect(BigInt(offer.borrowerNonce) % 2n ** 64n).to.equal(0n);
    expect(offer.borrowerNonce).to.not.equal(offer.notaryNonce);
    expect((await call("GET", "/api/offers", as.lender)).body.offers).to.have.length(1);
    expect((await call("GET", "/api/offers?state=bogus", as.lender)).status).to.equal(400);
  });

  it("shows the offer to its borrower only, and takes only the borrower's signature over its terms", async () => {
    expect((await call("GET", "/api/me/offers", as.borrower)).body.offers.map((o: any) => o.id)).to.deep.equal([
      offer.id,
    ]);
    expect((await call("GET", "/api/me/offers", as.other)).body.offers).to.deep.equal([]);
    const typedData = loanAcceptanceTypedData(CHAIN_ID, LOAN_BOOK, termsOf(offer, offer.borrowerNonce));
    const signature = await borrower.signTypedData(typedData);
    const accept = (principal: string | undefined, body: unknown, id: unknown = offer.id) =>
      call("POST", `/api/offers/${id}/acceptance`, principal, body);

    const refusals: [Awaited<ReturnType<typeof accept>>, number, string][] = [
      [await accept(undefined, { signature }), 401, "no_session"],
      [await accept(as.other, { signature }), 403, "not_your_offer"],
      [await accept(as.borrower, { signature }, 999), 404, "unknown_offer"],
      [await accept(as.borrower, { signature }, "x"), 400, "bad_request"],
      [await accept(as.borrower, { signature: "0x12" }), 400, "bad_request"],
      // Signed by another key, or over other terms (a larger principal).
      [await accept(as.borrower, { signature: await otherBorrower.signTypedData(typedData) }), 400, "bad_signature"],
      [
        await accept(as.borrower, {
          signature: await borrower.signTypedData({
            ...typedData,
            message: { ...typedData.message, principal: 10n ** 12n },
          }),
        }),
        400,
        "bad_signature",
      ],
    ];
    for (const [answer, status, code] of refusals) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
      expect(answer.body.error.code).to.equal(code);
    }
    expect(store.originationOffers.get(offer.id)?.state).to.equal("awaitingBorrower");

    const accepted = await accept(as.borrower, { signature });
    expect(accepted.status).to.equal(200);
    expect(accepted.body).to.deep.include({ state: "awaitingNotary", borrowerSignature: signature });
    const again = await accept(as.borrower, { signature });
    expect([again.status, again.body.error.code]).to.deep.equal([409, "already_accepted"]);
  });

  it("lists the accepted offer for a notary, takes its signature, and then it is ready to originate", async () => {
    expect((await call("GET", "/api/notary/offers", as.lender)).status).to.equal(403);
    const queue = await call("GET", "/api/notary/offers", as.notary);
    expect(queue.body.offers.map((o: any) => o.id)).to.deep.equal([offer.id]);
    const typedData = notarizationTypedData(CHAIN_ID, LOAN_BOOK, termsOf(offer, offer.notaryNonce));
    const notarize = (principal: string, signature: Hex) =>
      call("POST", `/api/offers/${offer.id}/notarization`, principal, { signature });

    // The lender holds no notary role; a notary's signature over the borrower's nonce is not a notarization.
    expect((await notarize(as.lender, await notary.signTypedData(typedData))).status).to.equal(403);
    const wrongNonce = await notary.signTypedData({ ...typedData, message: { ...typedData.message, nonce: 1n } });
    expect((await notarize(as.notary, wrongNonce)).body.error.code).to.equal("bad_signature");
    const asParty = await notarize(`${borrower.address}:notary`, await borrower.signTypedData(typedData));
    expect(asParty.body.error.code).to.equal("notary_is_party");

    const signature = await notary.signTypedData(typedData);
    const notarized = await notarize(as.notary, signature);
    expect(notarized.status).to.equal(200);
    expect(notarized.body).to.deep.include({ state: "ready", notary: notary.address, notarySignature: signature });
    expect((await notarize(as.notary, signature)).body.error.code).to.equal("not_awaiting_notary");
    const ready = await call("GET", "/api/offers?state=ready", as.lender);
    expect(ready.body.offers.map((o: any) => o.id)).to.deep.equal([offer.id]);
    expect((await call("GET", "/api/offers?state=ready", `${otherBorrower.address}:lender`)).body.offers).to.deep.equal(
      [],
    );
  });

  it("refuses a signature once the offer's deadline has passed", async () => {
    const fresh = (await call("POST", "/api/offers", as.lender, { ...OFFER, validForSeconds: 60 })).body;
    chain.now = BigInt(fresh.deadline) + 1n;
    const signature = await borrower.signTypedData(
      loanAcceptanceTypedData(CHAIN_ID, LOAN_BOOK, termsOf(fresh, fresh.borrowerNonce)),
    );
    const answer = await call("POST", `/api/offers/${fresh.id}/acceptance`, as.borrower, { signature });
    expect([answer.status, answer.body.error.code]).to.deep.equal([410, "offer_expired"]);
    expect(store.originationOffers.get(fresh.id)?.borrowerSignature).to.equal(null);
    chain.now = NOW;
  });
});
