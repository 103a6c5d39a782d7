import { describe, it } from "node:test";
import { expect } from "chai";
import { verifyTypedData, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { identityCommitment } from "./identityCommitment.ts";
import {
  checkOrigination,
  OpenDefaultPolicy,
  REASON_CODES,
  type IdentityClaim,
  type OriginationChainReads,
  type OriginationCheckParameters,
  type VerifyAttestation,
} from "./originationChecks.ts";
import { identityAttestationTypedData } from "./typedData.ts";

const CHAIN_ID = 31337;
const LOAN_BOOK = privateKeyToAccount(generatePrivateKey()).address;
const WATCH = "0x000000000000000000000000000000000000dead" as Address;
const REGISTRY = "0x000000000000000000000000000000000000beef" as Address;
const OTHER_BOOK = "0x000000000000000000000000000000000000cafe" as Address;
const KEY = `0x${"ab".repeat(32)}` as Hex;
const notary = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const borrower = privateKeyToAccount(generatePrivateKey()).address;
const COMMITMENT = identityCommitment(new Uint8Array(32).fill(1), "11010119900101123X");
const COLLATERAL = {
  token: "0x00000000000000000000000000000000000000c0" as Address,
  amountOrId: 5n,
  assetHash: zeroHash,
};
const NO_COLLATERAL = { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash };

/** A chain where everything is fine unless a test says otherwise; counts the watch's origination reads. */
function chain(overrides: Partial<{ watch: Address; registry: Address; source: number; policy: number }> = {}) {
  const state = {
    watch: WATCH,
    registry: REGISTRY,
    source: 1,
    policy: OpenDefaultPolicy.Block as number,
    refusal: 0,
    pledgedTo: 0n,
    pledgeOf: zeroAddress as Address,
    openDefaults: 0n,
    refusalReads: 0,
    ...overrides,
  };
  const reads: OriginationChainReads = {
    watchOf: async () => state.watch,
    registryOf: async () => state.registry,
    termsOf: async () => ({ source: state.source, openDefaultPolicy: state.policy }),
    originationRefusal: async () => {
      state.refusalReads += 1;
      return state.refusal;
    },
    collateralKey: async () => KEY,
    pledgedTo: async () => state.pledgedTo,
    pledgeOf: async () => state.pledgeOf,
    openDefaults: async () => state.openDefaults,
    isNotary: async (account) => account === notary.address,
  };
  return {
    state,
    context: { reads, verifyTypedData: verifyTypedData as VerifyAttestation, chainId: CHAIN_ID, loanBook: LOAN_BOOK },
  };
}

async function attestation(signer = notary, forBorrower: Address = borrower): Promise<IdentityClaim> {
  const typedData = identityAttestationTypedData(CHAIN_ID, LOAN_BOOK, { borrower: forBorrower, identity: COMMITMENT });
  return { commitment: COMMITMENT, attestedBy: signer.address, signature: await signer.signTypedData(typedData) };
}

const offer = async (extra: Partial<OriginationCheckParameters> = {}): Promise<OriginationCheckParameters> => ({
  templateId: 1n,
  principal: 1_000n,
  borrower,
  collateral: COLLATERAL,
  identity: await attestation(),
  ...extra,
});

describe("checkOrigination", () => {
  it("passes a clean offer, asking the watch once", async () => {
    const { state, context } = chain();
    expect(await checkOrigination(await offer(), context)).to.deep.equal({ refusals: [], flags: [] });
    expect(state.refusalReads).to.equal(1);
  });

  it("maps each watch refusal to its code", async () => {
    const codes = [
      "collateral_pledged",
      "value_unknown",
      "loan_to_value_too_high",
      "tracker_alarm",
      "collateral_not_priced",
    ];
    for (const [index, code] of codes.entries()) {
      const { state, context } = chain();
      state.refusal = index + 1;
      expect((await checkOrigination(await offer(), context)).refusals).to.deep.equal([code]);
    }
  });

  it("refuses collateral pledged in the book or in the registry", async () => {
    const inBook = chain();
    inBook.state.pledgedTo = 3n;
    expect((await checkOrigination(await offer(), inBook.context)).refusals).to.deep.equal(["collateral_pledged"]);
    const inRegistry = chain();
    inRegistry.state.pledgeOf = OTHER_BOOK;
    expect((await checkOrigination(await offer(), inRegistry.context)).refusals).to.deep.equal(["collateral_pledged"]);
    // Reported once, however many say so.
    inRegistry.state.refusal = 1;
    expect((await checkOrigination(await offer(), inRegistry.context)).refusals).to.deep.equal(["collateral_pledged"]);
  });

  it("needs an identity where a registry or a valuation is, and refuses a forged one", async () => {
    const { context } = chain();
    expect((await checkOrigination(await offer({ identity: undefined }), context)).refusals).to.deep.equal([
      "identity_attestation_missing",
    ]);
    const valuationOnly = chain({ registry: zeroAddress });
    expect((await checkOrigination(await offer({ identity: undefined }), valuationOnly.context)).refusals).to.include(
      "identity_attestation_missing",
    );
    const forged = [
      await attestation(stranger), // not a notary
      { ...(await attestation(stranger)), attestedBy: notary.address }, // signed by another key
      await attestation(notary, OTHER_BOOK), // for another borrower
      { ...(await attestation()), signature: "0x1234" as Hex }, // not a signature at all
    ];
    for (const identity of forged) {
      expect((await checkOrigination(await offer({ identity }), context)).refusals).to.deep.equal([
        "identity_attestation_invalid",
      ]);
    }
  });

  it("applies the template's open-default policy: block, flag or ignore", async () => {
    const expectations: [number, object][] = [
      [OpenDefaultPolicy.Block, { refusals: ["open_default_elsewhere"], flags: [] }],
      [OpenDefaultPolicy.Flag, { refusals: [], flags: ["open_default_elsewhere"] }],
      [OpenDefaultPolicy.None, { refusals: [], flags: [] }],
    ];
    for (const [policy, expected] of expectations) {
      const { state, context } = chain({ policy });
      state.openDefaults = 1n;
      expect(await checkOrigination(await offer(), context)).to.deep.equal(expected);
    }
  });

  it("without a watch checks the identity (when given) and the book's pledges only", async () => {
    const { state, context } = chain({ watch: zeroAddress });
    state.refusal = 3;
    state.openDefaults = 5n;
    state.pledgeOf = OTHER_BOOK;
    expect(await checkOrigination(await offer({ identity: undefined }), context)).to.deep.equal({
      refusals: [],
      flags: [],
    });
    expect(state.refusalReads).to.equal(0);
    state.pledgedTo = 9n;
    expect((await checkOrigination(await offer(), context)).refusals).to.deep.equal(["collateral_pledged"]);
    const forged = { ...(await attestation(stranger)) };
    expect((await checkOrigination(await offer({ identity: forged }), context)).refusals).to.deep.equal([
      "identity_attestation_invalid",
      "collateral_pledged",
    ]);
  });

  it("skips the pledge lookups for an offer without collateral, and lists codes in their fixed order", async () => {
    const { state, context } = chain();
    state.pledgedTo = 1n;
    state.refusal = 2;
    const result = await checkOrigination(await offer({ collateral: NO_COLLATERAL, identity: undefined }), context);
    expect(result.refusals).to.deep.equal(["identity_attestation_missing", "value_unknown"]);
    expect(REASON_CODES.indexOf("identity_attestation_missing")).to.equal(0);
  });
});
