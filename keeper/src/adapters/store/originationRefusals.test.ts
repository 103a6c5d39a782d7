import { after, describe, it } from "node:test";
import { expect } from "chai";
import { getAddress, zeroAddress, zeroHash, type Hex } from "viem";
import { STORE_BACKENDS } from "./storeBackends.ts";

const LENDER = getAddress("0x" + "a1".repeat(20));
const OTHER_LENDER = getAddress("0x" + "b2".repeat(20));
const BORROWER = getAddress("0x" + "c3".repeat(20));
const IDENTITY = `0x${"d4".repeat(32)}` as Hex;
const T = 1_800_000_000_000;
/** An offer's terms but its document hash. */
const OFFER = {
  templateId: 1n,
  principal: 10n,
  borrower: BORROWER,
  lender: LENDER,
  collateral: { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash },
  deadline: 100n,
  borrowerNonce: 1n,
  notaryNonce: 2n,
};

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  describe(`origination refusals on ${backend.name}`, { skip: backend.skip }, () => {
    it("records refusals with their reasons, lists them newest first and counts them per lender", async () => {
      const store = (await backend.fresh()).open();
      try {
        const { originationRefusals: refusals } = store;
        const base = { atMs: T, lender: LENDER, borrower: BORROWER, templateId: 1n, identity: null, flags: [] };
        const first = refusals.record({ ...base, principal: 2n ** 200n, reasons: ["value_unknown"] });
        refusals.record({
          ...base,
          atMs: T + 1,
          principal: 5n,
          identity: IDENTITY,
          reasons: ["open_default_elsewhere", "collateral_pledged"],
          flags: ["x"],
        });
        refusals.record({ ...base, lender: OTHER_LENDER, principal: 7n, reasons: ["collateral_pledged"] });

        expect(first).to.deep.include({ id: 1, principal: 2n ** 200n, reasons: ["value_unknown"] });
        const mine = refusals.list(LENDER, 10);
        expect(mine.map((r) => r.principal)).to.deep.equal([5n, 2n ** 200n]);
        expect(mine[0]).to.deep.include({
          lender: LENDER,
          borrower: BORROWER,
          templateId: 1n,
          identity: IDENTITY,
          reasons: ["open_default_elsewhere", "collateral_pledged"],
          flags: ["x"],
          atMs: T + 1,
        });
        expect(refusals.list(LENDER.toLowerCase() as Hex, 1)).to.have.length(1);
        expect(refusals.list(null, 10)).to.have.length(3);
        expect(refusals.counts(LENDER)).to.deep.equal({
          value_unknown: 1,
          open_default_elsewhere: 1,
          collateral_pledged: 1,
        });
        expect(refusals.counts(null)).to.deep.include({ collateral_pledged: 2 });
        expect([refusals.total(LENDER), refusals.total(null), refusals.total(zeroAddress)]).to.deep.equal([2, 3, 0]);
        expect(refusals.counts(zeroAddress)).to.deep.equal({});
      } finally {
        store.close();
      }
    });

    it("keeps an offer's flags, none by default", async () => {
      const store = (await backend.fresh()).open();
      try {
        const terms = { ...OFFER, documentHash: IDENTITY };
        expect(store.originationOffers.create(terms, LENDER, T).flags).to.deep.equal([]);
        const flagged = store.originationOffers.create({ ...terms, flags: ["open_default_elsewhere"] }, LENDER, T);
        expect(store.originationOffers.get(flagged.id)?.flags).to.deep.equal(["open_default_elsewhere"]);
      } finally {
        store.close();
      }
    });

    it("gives the registry reporter each originated offer with an identity once, until its enrollment is planned", async () => {
      const store = (await backend.fresh()).open();
      try {
        const terms = OFFER;
        const attested = { commitment: IDENTITY, notary: OTHER_LENDER, signature: `0x${"ee".repeat(65)}` as Hex };
        const withIdentity = store.originationOffers.create(
          { ...terms, documentHash: `0x${"01".repeat(32)}`, identity: attested },
          LENDER,
          T,
        );
        store.originationOffers.create({ ...terms, documentHash: `0x${"02".repeat(32)}` }, LENDER, T);
        expect(withIdentity.identity).to.deep.equal(attested);
        // Not originated yet: nothing to enroll.
        expect(store.originationOffers.enrollable(10)).to.deep.equal([]);
        // Both become loans 7 and 8 (the LoanOriginated events the follower stores).
        [7n, 8n].forEach((loanId, i) =>
          store.insertEvent({
            blockNumber: 5n,
            blockHash: `0x${"aa".repeat(32)}`,
            txHash: `0x${"bb".repeat(32)}`,
            logIndex: i,
            address: LENDER,
            name: "LoanOriginated",
            loanId,
            args: {
              loanId: String(loanId),
              borrower: BORROWER,
              documentHash: `0x${String(i + 1)
                .padStart(2, "0")
                .repeat(32)}`,
            },
          }),
        );
        expect(store.originationOffers.enrollable(10)).to.deep.equal([{ loanId: 7n, ...attested }]);
        store.planActions([
          { key: "7:enrollIdentity", loanId: 7n, kind: "enrollIdentity", installment: 0, validFrom: 0n, payload: {} },
        ]);
        expect(store.originationOffers.enrollable(10)).to.deep.equal([]);
      } finally {
        store.close();
      }
    });
  });
}
