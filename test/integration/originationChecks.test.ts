/**
 * The keeper's origination checks (keeper/src/core/originationChecks.ts) through their viem chain reads
 * (keeper/src/adapters/chain/originationChainReads.ts) on the simulated chain with the collateral fixture: the book
 * with its CollateralWatch and the shared DefaultRegistry, a second lender's book in the same registry. Each reason
 * code comes from the contracts' own state: an open default enrolled and synced in the other book, collateral
 * pledged there or here, a stale feed, a principal above the loan-to-value, a tracker alarm, a missing or a forged
 * identity attestation. The route tests stand in for the chain at the same interface
 * (keeper/src/http/originationChecksRoutes.test.ts).
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { getAddress, keccak256, toHex, type Hex } from "viem";

import { createOriginationChainReads } from "../../keeper/src/adapters/chain/originationChainReads.ts";
import { checkOrigination, type VerifyAttestation } from "../../keeper/src/core/originationChecks.ts";
import { identityAttestationTypedData, type CollateralTerms } from "../../keeper/src/core/typedData.ts";
import { originateLoan, type LoanBookFixture } from "../support/loanBookFixture.ts";
import { now } from "../support/enforcementFixture.ts";
import {
  AssetStatus,
  FEED_MAX_AGE,
  IDENTITY,
  PRICE,
  attest,
  erc20Collateral,
  loadCollateral,
  offChainCollateral,
  enrollArgs,
  originateWith,
  secondBook,
  setPrice,
} from "../support/collateralFixture.ts";

type Wallet = LoanBookFixture["lender"];

/** 60% of the collateral's value (20 COL at 100.00): the most a principal may be. */
const LTV_LIMIT = 1_200_000_000n;

describe("the keeper's origination checks on the chain", () => {
  it("reads the book, its watch and the registry, and gives every reason code from their state", async () => {
    const fixture = await loadCollateral();
    const { book, watch, registry, book2, lender2, borrower, notary, forger, stranger, templates } = fixture;
    const { publicClient, chainId } = fixture;
    const reads = createOriginationChainReads({ client: publicClient, loanBook: book.address });
    const verifyTypedData = ((parameters) =>
      publicClient.verifyTypedData(
        parameters as Parameters<typeof publicClient.verifyTypedData>[0],
      )) as VerifyAttestation;
    const context = { reads, verifyTypedData, chainId, loanBook: book.address };
    const identity = async (signer: Wallet = notary) => ({
      commitment: IDENTITY,
      attestedBy: signer.account.address,
      signature: await signer.signTypedData(
        identityAttestationTypedData(chainId, book.address, { borrower: borrower.account.address, identity: IDENTITY }),
      ),
    });
    const check = async (templateId: bigint, principal: bigint, collateral: CollateralTerms, attested = true) =>
      checkOrigination(
        {
          templateId,
          principal,
          borrower: borrower.account.address,
          collateral,
          identity: attested ? await identity() : undefined,
        },
        context,
      );
    const refusals = async (...args: Parameters<typeof check>) => (await check(...args)).refusals;

    // The reads themselves.
    expect(await reads.watchOf()).to.equal(getAddress(watch.address));
    expect(await reads.registryOf(watch.address)).to.equal(getAddress(registry.address));
    expect(await reads.termsOf(watch.address, templates.erc20)).to.deep.equal({ source: 1, openDefaultPolicy: 2 });
    expect(await reads.termsOf(watch.address, 1n)).to.deep.equal({ source: 0, openDefaultPolicy: 0 });
    expect([
      await reads.isNotary(notary.account.address),
      await reads.isNotary(stranger.account.address),
    ]).to.deep.equal([true, false]);
    expect(await reads.openDefaults(registry.address, IDENTITY)).to.equal(0n);

    // A clean offer; a principal a base unit above the loan-to-value limit.
    await setPrice(fixture, PRICE);
    const collateral = erc20Collateral(fixture);
    expect(await check(templates.erc20, LTV_LIMIT, collateral)).to.deep.equal({ refusals: [], flags: [] });
    expect(await refusals(templates.erc20, LTV_LIMIT + 1n, collateral)).to.deep.equal(["loan_to_value_too_high"]);

    // The identity: required with a registry, and only a registered notary's signature over it counts.
    expect(await refusals(templates.erc20, LTV_LIMIT, collateral, false)).to.deep.equal([
      "identity_attestation_missing",
    ]);
    const forged = await checkOrigination(
      {
        templateId: templates.erc20,
        principal: LTV_LIMIT,
        borrower: borrower.account.address,
        collateral,
        identity: await identity(forger),
      },
      context,
    );
    expect(forged.refusals).to.deep.equal(["identity_attestation_invalid"]);
    // A book without valuation terms on the template, still with a registry: identity needed all the same.
    expect(
      await refusals(1n, 1_000n, { ...collateral, token: "0x0000000000000000000000000000000000000000" }, false),
    ).to.deep.equal(["identity_attestation_missing"]);

    // A stale feed: no value.
    await setPrice(fixture, PRICE, (await now(fixture)) - BigInt(FEED_MAX_AGE) - 60n);
    expect(await refusals(templates.erc20, LTV_LIMIT, collateral)).to.deep.equal(["value_unknown"]);
    await setPrice(fixture, PRICE);

    // A tracker alarm on an off-chain asset.
    const moved = keccak256(toHex("moved asset"));
    await attest(fixture, { assetHash: moved, status: AssetStatus.Moved });
    expect(await refusals(templates.offChain, 1_000n, offChainCollateral(moved))).to.deep.equal(["tracker_alarm"]);

    // Collateral pledged in the other book (enrolled, so in the registry), then in this book.
    const other = secondBook(fixture);
    const pledged = await originateLoan(other, { templateId: 2n, collateral: offChainCollateral() });
    await registry.write.enroll(await enrollArgs(fixture, book2.address, pledged), { account: lender2.account });
    await attest(fixture);
    expect(await refusals(templates.offChain, 1_000n, offChainCollateral())).to.deep.equal(["collateral_pledged"]);
    const here = keccak256(toHex("asset pledged here"));
    await attest(fixture, { assetHash: here });
    const loanId = await originateWith(fixture, templates.offChain, offChainCollateral(here));
    const key = await reads.collateralKey(templates.offChain, offChainCollateral(here));
    expect(await reads.pledgedTo(key)).to.equal(loanId);
    expect(await refusals(templates.offChain, 1_000n, offChainCollateral(here))).to.deep.equal(["collateral_pledged"]);

    // An open default of the identity in the other book, synced: refused under Block, flagged under Flag.
    const defaulted = await originateLoan(other, { templateId: 1n });
    await registry.write.enroll(await enrollArgs(fixture, book2.address, defaulted), { account: lender2.account });
    const eligibleAt = await book2.read.defaultEligibleAt([defaulted]);
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt);
    await book2.write.declareDefault([defaulted], { account: stranger.account });
    await registry.write.sync([book2.address, defaulted], { account: stranger.account });
    expect(await reads.openDefaults(registry.address, IDENTITY as Hex)).to.equal(1n);
    await setPrice(fixture, PRICE);
    expect(await check(templates.erc20, LTV_LIMIT, collateral)).to.deep.equal({
      refusals: ["open_default_elsewhere"],
      flags: [],
    });
    const fresh = keccak256(toHex("a fresh asset"));
    await attest(fixture, { assetHash: fresh });
    expect(await check(templates.offChain, 1_000n, offChainCollateral(fresh))).to.deep.equal({
      refusals: [],
      flags: ["open_default_elsewhere"],
    });
  });
});
