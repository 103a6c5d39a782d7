/**
 * Collateral watch, auctions and the shared default registry, end to end on the simulated chain:
 * 1. a falling value: margin call at the warning, default at the default loan-to-value, declared by a stranger while
 *    the loan is not past due;
 * 2. a stale feed neither declares a default nor keeps a loan safe, nor lets a loan be originated;
 * 3. a tracker: attestations keep the loan safe, silence past the limit or a Moved report triggers the default;
 * 4. descending-price auctions in the Enforcement stage: a surplus returned to the borrower, a shortfall left owed
 *    then written off;
 * 5. an off-chain asset's sale recorded with a notary's signature;
 * 6. originations refused on chain (collateral pledged in another book, loan-to-value, unknown value, tracker alarm)
 *    and the registry's open defaults;
 * 7. attacks: forged and replayed attestations, broken feeds, late bids, a borrower repaying before the bid, wrong
 *    callers; a refused call changes nothing.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, toHex, zeroAddress, zeroHash, type Address, type Hex } from "viem";

import {
  CollateralKind,
  DAY,
  PRINCIPAL,
  Settlement,
  Stage,
  Status,
  bookEventsOf,
  originateLoan,
  publishTemplate,
  type LoanBookFixture,
} from "../support/loanBookFixture.ts";
import { evidence, now } from "../support/enforcementFixture.ts";
import {
  ASSET_HASH,
  ASSET_VALUE,
  AssetStatus,
  COLLATERAL_AMOUNT,
  FEED_MAX_AGE,
  IDENTITY,
  LTV,
  Margin,
  PRICE,
  Refusal,
  SILENCE,
  answerFor,
  attest,
  driveToEnforcement,
  erc20Collateral,
  eventsFrom,
  loadCollateral,
  nftCollateral,
  offChainCollateral,
  originateWith,
  revertWith,
  secondBook,
  setPrice,
  enrollArgs,
  signAttestation,
  signOffChainSale,
  type CollateralFixture,
} from "../support/collateralFixture.ts";

type Wallet = LoanBookFixture["lender"];

const HOUR = 3_600;
const addr = (wallet: Wallet) => getAddress(wallet.account.address);

/** Sets the next block's timestamp: the next transaction, or a `blockTag: "pending"` read, runs at `t`. */
async function at(fixture: CollateralFixture, t: number | bigint) {
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(t);
}

/** The book's decoded events of transaction `hash` as [name, args] pairs. */
async function bookEvents(fixture: CollateralFixture, hash: Hex): Promise<[string, unknown][]> {
  return (await bookEventsOf(fixture, hash)).map((event) => [event.eventName, event.args as unknown]);
}

async function usd(fixture: CollateralFixture, account: Address) {
  return fixture.token.read.balanceOf([account]);
}

/** An ERC-20-collateral loan (template 2) at a fresh price of 100.00: 20 COL worth 2,000.00 against 1,000.00. */
async function erc20Loan(fixture: CollateralFixture) {
  await setPrice(fixture, PRICE);
  return originateWith(fixture, fixture.templates.erc20, erc20Collateral(fixture));
}

/** An off-chain-asset loan (template 3) of `assetHash`, freshly attested at 2,000.00 in place. */
async function offChainLoan(fixture: CollateralFixture, assetHash: Hex = ASSET_HASH) {
  await attest(fixture, { assetHash });
  return originateWith(fixture, fixture.templates.offChain, offChainCollateral(assetHash));
}

/** Declares loan `loanId` (ERC-20 collateral) in default on its value: the feed falls to half the debt. */
async function defaultOnPrice(fixture: CollateralFixture, loanId: bigint) {
  const debt = await fixture.book.read.payoffAmount([loanId]);
  await setPrice(fixture, answerFor(debt / 2n));
  await fixture.book.write.declareDefault([loanId], { account: fixture.stranger.account });
}

/** The straight line of a descending-price auction, rounded up (CollateralAuctions._priceAt). */
function linePrice(start: bigint, floor: bigint, startedAt: bigint, endsAt: bigint, t: bigint) {
  return start - ((start - floor) * (t - startedAt)) / (endsAt - startedAt);
}

/*//////////////////////////////////////////////////////////////
                      1. A FALLING VALUE
//////////////////////////////////////////////////////////////*/

describe("Collateral 1: the value falls through the warning and the default loan-to-value", () => {
  it("calls the margin at the warning, then lets a stranger declare the default before any due date", async () => {
    const fixture = await loadCollateral();
    const { book, watch, stranger } = fixture;
    const loanId = await erc20Loan(fixture);
    const debt = await book.read.payoffAmount([loanId]);
    expect(debt >= PRINCIPAL).to.equal(true);
    const start = BigInt((await book.read.loanOf([loanId])).startTime);
    const eligibleAt = await book.read.defaultEligibleAt([loanId]);
    expect(eligibleAt > start + 30n * BigInt(DAY)).to.equal(true);

    // Safe at 2,000.00: no margin call, no default.
    const [safe, safeDebt, safeValue] = await watch.read.marginOf([loanId]);
    expect([safe, safeDebt, safeValue]).to.deep.equal([Margin.Safe, debt, 2_000_000_000n]);
    expect(
      await revertWith(fixture, () => watch.write.callMargin([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "CollateralWatch_NoMarginCall", args: [loanId, Margin.Safe] });
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });

    // 80% loan-to-value: a margin call, emitted for a stranger, once per observation.
    const warningValue = (debt * 10_000n) / 8_000n;
    const observedAt = await setPrice(fixture, answerFor(warningValue));
    const expectedWarning = answerFor(warningValue) / 5n;
    expect(await watch.read.marginOf([loanId])).to.deep.equal([Margin.Warning, debt, expectedWarning, observedAt]);
    const callHash = await watch.write.callMargin([loanId], { account: stranger.account });
    expect(await eventsFrom(fixture, watch, callHash)).to.deep.equal([
      [
        "MarginCall",
        { loanId, margin: Margin.Warning, debt, value: expectedWarning, observedAt, caller: addr(stranger) },
      ],
    ]);
    expect(
      await revertWith(fixture, () => watch.write.callMargin([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "CollateralWatch_AlreadyCalled", args: [loanId, observedAt] });
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });
    expect(await watch.read.defaultReason([loanId])).to.equal(Margin.None);

    // One base unit above the 90% line is still a warning: debt * 10,000 < 9,000 * value.
    const line = (debt * 10_000n) / BigInt(LTV.default);
    await setPrice(fixture, answerFor(line + 1n));
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Warning);
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });

    // On the line: the default loan-to-value is crossed; a stranger declares it, 30 days before any due date.
    await setPrice(fixture, answerFor(line));
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Default);
    expect(await watch.read.defaultReason([loanId])).to.equal(Margin.Default);
    const declaredAt = (await now(fixture)) + 10n;
    await at(fixture, declaredAt);
    expect(declaredAt < eligibleAt).to.equal(true);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    const events = await bookEvents(fixture, hash);
    expect(events.map(([name]) => name)).to.deep.equal(["CollateralDefaultTriggered", "LoanDefaulted"]);
    expect(events[0][1]).to.deep.equal({ loanId, reason: Margin.Default });
    // Nothing missed: the oldest unpaid installment is the first, due in 30 days.
    const firstDue = start + 30n * BigInt(DAY);
    expect(events[1][1]).to.deep.equal({
      loanId,
      actor: addr(stranger),
      evidenceHash: keccak256(
        encodeAbiParameters(
          [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
          [loanId, 1n, firstDue, 0n, declaredAt],
        ),
      ),
      oldestUnpaidInstallment: 1n,
      missedInstallments: 0n,
    });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    // Nothing to watch once in default; declared once.
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.None);
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_AlreadyDefaulted", args: [loanId] });
  });

  it("declares value-triggered defaults in a batch too (declareDefaults), skipping the safe loan", async () => {
    const fixture = await loadCollateral();
    const { book, stranger } = fixture;
    const first = await erc20Loan(fixture);
    const second = await erc20Loan(fixture);
    const plain = await originateLoan(fixture, { templateId: 1n });
    const debt = await book.read.payoffAmount([first]);
    await setPrice(fixture, answerFor(debt));
    const hash = await book.write.declareDefaults([[first, second, plain]], { account: stranger.account });
    const names = (await bookEvents(fixture, hash)).map(([name]) => name);
    expect(names).to.deep.equal([
      "CollateralDefaultTriggered",
      "LoanDefaulted",
      "CollateralDefaultTriggered",
      "LoanDefaulted",
      "DefaultSkipped",
    ]);
    expect(await book.read.statusOf([first])).to.equal(Status.Defaulted);
    expect(await book.read.statusOf([second])).to.equal(Status.Defaulted);
    expect(await book.read.statusOf([plain])).to.equal(Status.Active);
  });
});

/*//////////////////////////////////////////////////////////////
                         2. A STALE FEED
//////////////////////////////////////////////////////////////*/

describe("Collateral 2: a stale value is unknown, never good nor bad", () => {
  it("cannot declare a default, keep a loan safe, or let a loan be originated", async () => {
    const fixture = await loadCollateral();
    const { book, watch, stranger, templates } = fixture;
    const loanId = await erc20Loan(fixture);
    const debt = await book.read.payoffAmount([loanId]);
    const eligibleAt = await book.read.defaultEligibleAt([loanId]);

    // A price far below the debt, but observed a second longer ago than the feed's max age.
    const t = (await now(fixture)) + 100n;
    await setPrice(fixture, answerFor(debt / 4n), t - BigInt(FEED_MAX_AGE) - 1n);
    await at(fixture, t);
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });
    const pending = { blockTag: "pending" } as const;
    expect(await watch.read.marginOf([loanId], pending)).to.deep.equal([Margin.Unknown, debt, 0n, 0n]);
    expect(await watch.read.defaultReason([loanId], pending)).to.equal(Margin.None);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);

    // A price far above the debt, just as stale: unknown, not safe; and no origination on it.
    const staleAt = await setPrice(fixture, PRICE * 100n, (await now(fixture)) - BigInt(FEED_MAX_AGE) - 10n);
    expect(await watch.read.marginOf([loanId])).to.deep.equal([Margin.Unknown, debt, 0n, 0n]);
    // The value is reported with its age, flagged not known.
    expect(await watch.read.valuationOf([loanId])).to.deep.equal([200_000_000_000n, staleAt, false]);
    const collateral = erc20Collateral(fixture);
    expect(await watch.read.originationRefusal([templates.erc20, PRINCIPAL, collateral])).to.equal(
      Refusal.ValueUnknown,
    );
    const loansBefore = await book.read.loanCount();
    expect(await revertWith(fixture, () => originateWith(fixture, templates.erc20, collateral))).to.deep.equal({
      errorName: "CollateralWatch_OriginationRefused",
      args: [Refusal.ValueUnknown],
    });
    expect(await book.read.loanCount()).to.equal(loansBefore);

    // At exactly the max age the low value counts: the default is declared in that block.
    const t2 = (await now(fixture)) + 100n;
    await setPrice(fixture, answerFor(debt / 4n), t2 - BigInt(FEED_MAX_AGE));
    await at(fixture, t2);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    expect((await bookEvents(fixture, hash))[0]).to.deep.equal([
      "CollateralDefaultTriggered",
      { loanId, reason: Margin.Default },
    ]);
  });
});

/*//////////////////////////////////////////////////////////////
                        3. A SILENT TRACKER
//////////////////////////////////////////////////////////////*/

describe("Collateral 3: the tracker of an off-chain asset", () => {
  it("keeps the loan safe while it reports; silence past the limit lets a stranger declare the default", async () => {
    const fixture = await loadCollateral();
    const { book, watch, stranger, lender } = fixture;
    const loanId = await offChainLoan(fixture);
    const start = BigInt((await book.read.loanOf([loanId])).startTime);
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Safe);

    // Reports every day and a half keep it safe for a week.
    let lastHeard = start;
    for (let i = 1; i <= 4; ++i) {
      const reportAt = lastHeard + BigInt(SILENCE) - BigInt(HOUR);
      await at(fixture, reportAt);
      await attest(fixture, { observedAt: reportAt });
      lastHeard = reportAt;
      expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Safe);
    }
    const record = await watch.read.recordOf([lender.account.address, ASSET_HASH]);
    expect([record.value, BigInt(record.observedAt), record.status]).to.deep.equal([
      ASSET_VALUE,
      lastHeard,
      AssetStatus.InPlace,
    ]);

    // Silent for exactly the limit: not yet.
    const eligibleAt = await book.read.defaultEligibleAt([loanId]);
    await at(fixture, lastHeard + BigInt(SILENCE));
    expect(
      await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });

    // One second more: TrackerSilent, though the last value (2,000.00) is fresh and safe.
    await at(fixture, lastHeard + BigInt(SILENCE) + 1n);
    expect((await watch.read.marginOf([loanId], { blockTag: "pending" }))[0]).to.equal(Margin.TrackerSilent);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    const events = await bookEvents(fixture, hash);
    expect(events.map(([name]) => name)).to.deep.equal(["CollateralDefaultTriggered", "LoanDefaulted"]);
    expect(events[0][1]).to.deep.equal({ loanId, reason: Margin.TrackerSilent });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
  });

  it("a report of the asset Moved triggers at once: margin call and default (TrackerMoved)", async () => {
    const fixture = await loadCollateral();
    const { book, watch, stranger } = fixture;
    const loanId = await offChainLoan(fixture);
    const { attestation } = await attest(fixture, { status: AssetStatus.Moved, value: ASSET_VALUE });
    const observedAt = attestation.observedAt;
    const debt = await book.read.payoffAmount([loanId]);
    expect(await watch.read.marginOf([loanId])).to.deep.equal([Margin.TrackerMoved, debt, ASSET_VALUE, observedAt]);
    const callHash = await watch.write.callMargin([loanId], { account: stranger.account });
    expect(await eventsFrom(fixture, watch, callHash)).to.deep.equal([
      [
        "MarginCall",
        { loanId, margin: Margin.TrackerMoved, debt, value: ASSET_VALUE, observedAt, caller: addr(stranger) },
      ],
    ]);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    expect((await bookEvents(fixture, hash))[0]).to.deep.equal([
      "CollateralDefaultTriggered",
      { loanId, reason: Margin.TrackerMoved },
    ]);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
  });
});

/*//////////////////////////////////////////////////////////////
                          4. AUCTIONS
//////////////////////////////////////////////////////////////*/

describe("Collateral 4: descending-price auction in the Enforcement stage", () => {
  it("sells to a stranger above the debt: the claim holder gets the debt, the borrower exactly the surplus", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, collateralToken, lender, borrower, bidder } = fixture;
    const loanId = await erc20Loan(fixture);
    await defaultOnPrice(fixture, loanId);
    await driveToEnforcement(fixture, loanId);
    expect((await book.read.caseOf([loanId])).stage).to.equal(Stage.Enforcement);

    const debt0 = await book.read.payoffAmount([loanId]);
    const startPrice = debt0 * 3n;
    const floorPrice = debt0 + 200_000_000n;
    const duration = 10n * BigInt(HOUR);
    const startedAt = (await now(fixture)) + 5n;
    await at(fixture, startedAt);
    const startHash = await auctions.write.start([loanId, startPrice, floorPrice, duration], {
      account: lender.account,
    });
    const endsAt = startedAt + duration;
    expect(await eventsFrom(fixture, auctions, startHash)).to.deep.equal([
      ["AuctionStarted", { loanId, seller: addr(lender), startPrice, floorPrice, startedAt, endsAt }],
    ]);

    // The price at a few points of the line.
    for (const elapsed of [1n, 3_599n, 7_777n, duration / 2n, duration - 1n, duration]) {
      await at(fixture, startedAt + elapsed);
      expect(await auctions.read.priceOf([loanId], { blockTag: "pending" }), `after ${elapsed}s`).to.equal(
        linePrice(startPrice, floorPrice, startedAt, endsAt, startedAt + elapsed),
      );
    }
    expect(linePrice(startPrice, floorPrice, startedAt, endsAt, endsAt)).to.equal(floorPrice);

    // A bid whose limit is a unit under the price is refused; at the price it buys.
    const bidAt = endsAt - 600n;
    await at(fixture, bidAt);
    const price = linePrice(startPrice, floorPrice, startedAt, endsAt, bidAt);
    expect(await auctions.read.priceOf([loanId], { blockTag: "pending" })).to.equal(price);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    expect(price > debt).to.equal(true);
    expect(
      await revertWith(fixture, () => auctions.write.bid([loanId, price - 1n], { account: bidder.account })),
    ).to.deep.equal({ errorName: "Auction_PriceAboveLimit", args: [price, price - 1n] });

    const before = {
      lender: await usd(fixture, lender.account.address),
      borrower: await usd(fixture, borrower.account.address),
      bidder: await usd(fixture, bidder.account.address),
    };
    await at(fixture, bidAt);
    const bidHash = await auctions.write.bid([loanId, price], { account: bidder.account });
    const surplus = price - debt;
    expect(await bookEvents(fixture, bidHash)).to.deep.equal([
      [
        "CollateralSold",
        { loanId, buyer: addr(bidder), proceeds: price, credited: debt, surplus, debtLeft: 0n, saleHash: zeroHash },
      ],
      ["LoanRepaid", { loanId, payer: addr(lender) }],
      ["LoanSettled", { loanId, how: Settlement.Collateral, settledAt: bidAt }],
    ]);
    expect(await eventsFrom(fixture, auctions, bidHash)).to.deep.equal([
      ["AuctionSold", { loanId, buyer: addr(bidder), price, debtLeft: 0n }],
    ]);
    expect((await usd(fixture, borrower.account.address)) - before.borrower).to.equal(surplus);
    expect((await usd(fixture, lender.account.address)) - before.lender).to.equal(debt);
    expect(before.bidder - (await usd(fixture, bidder.account.address))).to.equal(price);
    expect(await usd(fixture, book.address)).to.equal(0n);
    expect(await collateralToken.read.balanceOf([bidder.account.address])).to.equal(COLLATERAL_AMOUNT);
    expect(await collateralToken.read.balanceOf([book.address])).to.equal(0n);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([bidAt, Settlement.Collateral]);
    expect(await book.read.payoffAmount([loanId])).to.equal(0n);
    expect((await auctions.read.auctionOf([loanId])).seller).to.equal(zeroAddress);
  });

  it("sells below the debt: the shortfall stays owed, then the claim holder writes it off", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, collateralToken, lender, borrower, bidder, stranger } = fixture;
    const loanId = await erc20Loan(fixture);
    await defaultOnPrice(fixture, loanId);
    await driveToEnforcement(fixture, loanId);
    const debt0 = await book.read.payoffAmount([loanId]);
    const startPrice = debt0 / 2n;
    const floorPrice = debt0 / 4n;
    const duration = BigInt(HOUR);

    // A first auction ends unsold: a bid a second after its end is refused, and it may be started again.
    const firstAt = (await now(fixture)) + 5n;
    await at(fixture, firstAt);
    await auctions.write.start([loanId, startPrice, floorPrice, duration], { account: lender.account });
    expect(
      await revertWith(fixture, () =>
        auctions.write.start([loanId, startPrice, floorPrice, duration], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_AlreadyLive", args: [loanId, firstAt + duration] });
    await at(fixture, firstAt + duration + 1n);
    expect(
      await revertWith(fixture, () => auctions.write.bid([loanId, startPrice], { account: bidder.account })),
    ).to.deep.equal({ errorName: "Auction_Ended", args: [loanId, firstAt + duration] });

    const startedAt = firstAt + duration + 5n;
    await at(fixture, startedAt);
    await auctions.write.start([loanId, startPrice, floorPrice, duration], { account: lender.account });
    // Bought at the floor, in the auction's last second.
    const bidAt = startedAt + duration;
    await at(fixture, bidAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const lenderBefore = await usd(fixture, lender.account.address);
    const borrowerBefore = await usd(fixture, borrower.account.address);
    const hash = await auctions.write.bid([loanId, floorPrice], { account: bidder.account });
    const left = debt - floorPrice;
    expect(await bookEvents(fixture, hash)).to.deep.equal([
      [
        "CollateralSold",
        {
          loanId,
          buyer: addr(bidder),
          proceeds: floorPrice,
          credited: floorPrice,
          surplus: 0n,
          debtLeft: left,
          saleHash: zeroHash,
        },
      ],
    ]);
    expect(await book.read.payoffAmount([loanId])).to.equal(left);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect((await usd(fixture, lender.account.address)) - lenderBefore).to.equal(floorPrice);
    expect(await usd(fixture, borrower.account.address)).to.equal(borrowerBefore);
    expect(await collateralToken.read.balanceOf([bidder.account.address])).to.equal(COLLATERAL_AMOUNT);

    // Only the claim holder writes off; the shortfall is what is written off.
    const reason = evidence("uncollectible after auction");
    expect(
      await revertWith(fixture, () => book.write.writeOff([loanId, reason], { account: stranger.account })),
    ).to.deep.equal({ errorName: "LoanBook_NotClaimHolder", args: [loanId, addr(stranger)] });
    const writeAt = (await now(fixture)) + 1n;
    await at(fixture, writeAt);
    const owed = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const writeHash = await book.write.writeOff([loanId, reason], { account: lender.account });
    expect(await bookEvents(fixture, writeHash)).to.deep.equal([
      ["LoanWrittenOff", { loanId, claimHolder: addr(lender), amount: owed, reasonHash: reason }],
    ]);
    expect(owed).to.equal(left);
    expect(await book.read.statusOf([loanId])).to.equal(Status.WrittenOff);
  });
});

describe("Collateral 4b: an ERC-721 token valued by its appraiser, defaulted on value, auctioned", () => {
  it("declares the default on a lower appraisal and sells the token to the bidder, the surplus to the borrower", async () => {
    const fixture = await loadCollateral();
    const { book, watch, auctions, nft, lender, borrower, bidder, stranger, templates } = fixture;
    const id = 7n;
    const collateral = await nftCollateral(fixture, id);
    const assetHash = await watch.read.tokenAssetHash([nft.address, id]);
    expect(assetHash).to.equal(
      keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [nft.address, id])),
    );
    await attest(fixture, { assetHash, value: ASSET_VALUE });
    const loanId = await originateWith(fixture, templates.nft, collateral);
    expect(getAddress(await nft.read.ownerOf([id]))).to.equal(getAddress(book.address));
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Safe);

    // The appraiser's new valuation: the debt itself, a 100% loan-to-value.
    const debt = await book.read.payoffAmount([loanId]);
    await attest(fixture, { assetHash, value: debt });
    expect((await watch.read.marginOf([loanId]))[0]).to.equal(Margin.Default);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    expect((await bookEvents(fixture, hash))[0]).to.deep.equal([
      "CollateralDefaultTriggered",
      { loanId, reason: Margin.Default },
    ]);
    await driveToEnforcement(fixture, loanId);

    const enforced = await book.read.payoffAmount([loanId]);
    const price = enforced + 123_456_789n;
    const startedAt = (await now(fixture)) + 5n;
    await at(fixture, startedAt);
    await auctions.write.start([loanId, price, price, BigInt(HOUR)], { account: lender.account });
    const bidAt = startedAt + 60n;
    await at(fixture, bidAt);
    const debtAtBid = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const borrowerBefore = await usd(fixture, borrower.account.address);
    await at(fixture, bidAt);
    await auctions.write.bid([loanId, price], { account: bidder.account });
    expect(getAddress(await nft.read.ownerOf([id]))).to.equal(addr(bidder));
    expect((await usd(fixture, borrower.account.address)) - borrowerBefore).to.equal(price - debtAtBid);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([bidAt, Settlement.Collateral]);
    expect(await book.read.pledgedTo([await book.read.collateralKey([CollateralKind.ERC721, collateral])])).to.equal(
      0n,
    );
  });
});

/*//////////////////////////////////////////////////////////////
                       5. OFF-CHAIN SALE
//////////////////////////////////////////////////////////////*/

describe("Collateral 5: an off-chain asset's sale, attested by a notary", () => {
  async function enforcedOffChainLoan(fixture: CollateralFixture, assetHash: Hex = ASSET_HASH) {
    const loanId = await offChainLoan(fixture, assetHash);
    const start = BigInt((await fixture.book.read.loanOf([loanId])).startTime);
    await at(fixture, start + BigInt(SILENCE) + 1n);
    await fixture.book.write.declareDefault([loanId], { account: fixture.stranger.account });
    await driveToEnforcement(fixture, loanId);
    return loanId;
  }

  it("records the sale: surplus in CollateralSold, loan settled, pledge freed; forgeries and replays refused", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, lender, notary, stranger, forger, borrower } = fixture;
    const loanId = await enforcedOffChainLoan(fixture);
    const key = await book.read.collateralKey([CollateralKind.OffChain, offChainCollateral()]);
    expect(await book.read.pledgedTo([key])).to.equal(loanId);

    const saleAt = (await now(fixture)) + 10n;
    await at(fixture, saleAt);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const proceeds = debt + 300_000_000n;
    const sale = { loanId, proceeds, saleHash: evidence("auction record 2026-88"), deadline: saleAt + BigInt(DAY) };
    const signature = await signOffChainSale(fixture, notary, sale);
    const args = (signer: Address, sig: Hex) =>
      [loanId, sale.proceeds, sale.saleHash, signer, sale.deadline, sig] as const;

    // A signature from someone who is not a notary; a notary named but another key signing; a stranger submitting.
    const forged = await signOffChainSale(fixture, forger, sale);
    expect(
      await revertWith(fixture, () =>
        auctions.write.recordOffChainSale([...args(forger.account.address, forged)], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_NotANotary", args: [addr(forger)] });
    expect(
      await revertWith(fixture, () =>
        auctions.write.recordOffChainSale([...args(notary.account.address, forged)], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_InvalidSignature", args: [addr(notary)] });
    expect(
      await revertWith(fixture, () =>
        auctions.write.recordOffChainSale([...args(notary.account.address, signature)], { account: stranger.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_NotClaimHolder", args: [loanId, addr(stranger)] });
    expect(await book.read.pledgedTo([key])).to.equal(loanId);

    const borrowerBefore = await usd(fixture, borrower.account.address);
    await at(fixture, saleAt);
    const hash = await auctions.write.recordOffChainSale([...args(notary.account.address, signature)], {
      account: lender.account,
    });
    expect(await bookEvents(fixture, hash)).to.deep.equal([
      [
        "CollateralSold",
        {
          loanId,
          buyer: zeroAddress,
          proceeds,
          credited: debt,
          surplus: 300_000_000n,
          debtLeft: 0n,
          saleHash: sale.saleHash,
        },
      ],
      ["LoanRepaid", { loanId, payer: addr(lender) }],
      ["LoanSettled", { loanId, how: Settlement.Collateral, settledAt: saleAt }],
    ]);
    expect(await eventsFrom(fixture, auctions, hash)).to.deep.equal([
      ["OffChainSaleRecorded", { loanId, notary: addr(notary), proceeds, saleHash: sale.saleHash, debtLeft: 0n }],
    ]);
    expect(await book.read.pledgedTo([key])).to.equal(0n);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    // The surplus is owed off chain: no token moved.
    expect(await usd(fixture, borrower.account.address)).to.equal(borrowerBefore);

    // The same signature again: the loan left enforcement.
    expect(
      await revertWith(fixture, () =>
        auctions.write.recordOffChainSale([...args(notary.account.address, signature)], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_NotInEnforcement", args: [loanId] });
  });

  it("a shortfall sale leaves the debt owed; its replay finds no collateral; an expired signature is refused", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, lender, notary } = fixture;
    const loanId = await enforcedOffChainLoan(fixture);
    const t = (await now(fixture)) + 10n;
    const expired = { loanId, proceeds: 1n, saleHash: evidence("late record"), deadline: t - 1n };
    const expiredSig = await signOffChainSale(fixture, notary, expired);
    await at(fixture, t);
    expect(
      await revertWith(fixture, () =>
        auctions.write.recordOffChainSale(
          [loanId, expired.proceeds, expired.saleHash, notary.account.address, expired.deadline, expiredSig],
          { account: lender.account },
        ),
      ),
    ).to.deep.equal({ errorName: "Auction_SignatureExpired", args: [t - 1n] });

    await at(fixture, t + 1n);
    const debt = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    const sale = { loanId, proceeds: debt / 3n, saleHash: evidence("auction record 2026-89"), deadline: t + 100n };
    const signature = await signOffChainSale(fixture, notary, sale);
    const call = () =>
      auctions.write.recordOffChainSale(
        [loanId, sale.proceeds, sale.saleHash, notary.account.address, sale.deadline, signature],
        { account: lender.account },
      );
    await at(fixture, t + 1n);
    await call();
    expect(await book.read.payoffAmount([loanId])).to.equal(debt - sale.proceeds);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Certified);
    expect(await revertWith(fixture, call)).to.deep.equal({ errorName: "Auction_NoCollateral", args: [loanId] });
  });
});

/*//////////////////////////////////////////////////////////////
              6. ORIGINATION REFUSALS AND THE REGISTRY
//////////////////////////////////////////////////////////////*/

describe("Collateral 6: originations refused on chain, and the shared registry", () => {
  it("counts an open default of the borrower in another lender's book, and closes it when settled", async () => {
    const fixture = await loadCollateral();
    const { registry, book2, lender2, borrower, stranger } = fixture;
    const other = secondBook(fixture);
    const loanId = await originateLoan(other, { templateId: 1n });

    // Only the loan's lender (or its reporter) enrolls it.
    const args = await enrollArgs(fixture, book2.address, loanId);
    expect(await revertWith(fixture, () => registry.write.enroll(args, { account: stranger.account }))).to.deep.equal({
      errorName: "DefaultRegistry_NotLoanLender",
      args: [getAddress(book2.address), loanId, addr(stranger)],
    });
    // Only on a notary's attestation that the identity is this borrower's: not the lender's word, not a stranger's
    // signature, not an attestation of another identity; nothing stored on a refusal.
    const [bookArg, loanArg, identityArg, notaryArg, attestation] = args;
    const strangerSigned = [bookArg, loanArg, identityArg, addr(stranger), attestation] as const;
    expect(
      await revertWith(fixture, () => registry.write.enroll(strangerSigned, { account: lender2.account })),
    ).to.deep.equal({
      errorName: "DefaultRegistry_NotANotary",
      args: [getAddress(book2.address), addr(stranger)],
    });
    const otherIdentity = keccak256(toHex("someone else"));
    const misattested = [bookArg, loanArg, otherIdentity, notaryArg, attestation] as const;
    expect(
      await revertWith(fixture, () => registry.write.enroll(misattested, { account: lender2.account })),
    ).to.deep.equal({
      errorName: "DefaultRegistry_InvalidAttestation",
      args: [getAddress(notaryArg)],
    });
    expect((await registry.read.entryOf([book2.address, loanId])).identity).to.equal(zeroHash);
    await registry.write.enroll(args, { account: lender2.account });
    expect((await registry.read.entryOf([book2.address, loanId])).identity).to.equal(IDENTITY);
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(0n);

    const eligibleAt = await book2.read.defaultEligibleAt([loanId]);
    await at(fixture, eligibleAt);
    await book2.write.declareDefault([loanId], { account: stranger.account });
    // The registry learns it from the book, by anyone's sync.
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(0n);
    const syncHash = await registry.write.sync([book2.address, loanId], { account: stranger.account });
    expect(await eventsFrom(fixture, registry, syncHash)).to.deep.equal([
      ["DefaultEntry", { book: getAddress(book2.address), loanId, identity: IDENTITY, open: true }],
    ]);
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(1n);
    // A second sync changes nothing.
    await registry.write.sync([book2.address, loanId], { account: stranger.account });
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(1n);

    // Repaid in full: the next sync closes the default.
    const repayAt = (await now(fixture)) + 10n;
    await at(fixture, repayAt);
    const payoff = await book2.read.payoffAmount([loanId], { blockTag: "pending" });
    await book2.write.repay([loanId, payoff], { account: borrower.account });
    const status = await book2.read.statusOf([loanId]);
    expect([Status.Repaid, Status.Settled]).to.include(status);
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(1n);
    await registry.write.sync([book2.address, loanId], { account: stranger.account });
    expect(await registry.read.openDefaults([IDENTITY])).to.equal(0n);
  });

  it("refuses collateral pledged in another book, too high a loan-to-value, an unknown value, a tracker alarm", async () => {
    const fixture = await loadCollateral();
    const { book, watch, registry, book2, lender2, borrower, templates } = fixture;
    const other = secondBook(fixture);

    // The asset is pledged to a loan in the second lender's book, and synced into the registry.
    const pledged = await originateLoan(other, { templateId: 2n, collateral: offChainCollateral() });
    await registry.write.enroll(await enrollArgs(fixture, book2.address, pledged), { account: lender2.account });
    const key = await book.read.collateralKey([CollateralKind.OffChain, offChainCollateral()]);
    expect(await registry.read.pledgeOf([key])).to.deep.equal([getAddress(book2.address), pledged]);
    await attest(fixture);
    expect(await watch.read.originationRefusal([templates.offChain, PRINCIPAL, offChainCollateral()])).to.equal(
      Refusal.CollateralPledged,
    );
    expect(
      await revertWith(fixture, () => originateWith(fixture, templates.offChain, offChainCollateral())),
    ).to.deep.equal({ errorName: "CollateralWatch_OriginationRefused", args: [Refusal.CollateralPledged] });

    // Repaid there and synced: the pledge is freed and the asset may be pledged here.
    const payoff = await book2.read.payoffAmount([pledged]);
    await book2.write.repay([pledged, payoff], { account: borrower.account });
    await registry.write.sync([book2.address, pledged]);
    expect(await registry.read.pledgeOf([key])).to.deep.equal([zeroAddress, 0n]);
    const loanId = await originateWith(fixture, templates.offChain, offChainCollateral());
    expect(await book.read.pledgedTo([key])).to.equal(loanId);
    await registry.write.enroll(await enrollArgs(fixture, book.address, loanId), { account: fixture.lender.account });
    expect(await registry.read.pledgeOf([key])).to.deep.equal([getAddress(book.address), loanId]);

    // The second book has no watch: the same asset pledged there again is reported by its sync, and not recorded.
    const again = await originateLoan(other, { templateId: 2n, collateral: offChainCollateral() });
    const enrollHash = await registry.write.enroll(await enrollArgs(fixture, book2.address, again), {
      account: lender2.account,
    });
    expect((await eventsFrom(fixture, registry, enrollHash)).slice(1)).to.deep.equal([
      [
        "DoublePledge",
        {
          key,
          heldByBook: getAddress(book.address),
          heldByLoan: loanId,
          book: getAddress(book2.address),
          loanId: again,
        },
      ],
    ]);
    expect(await registry.read.pledgeOf([key])).to.deep.equal([getAddress(book.address), loanId]);

    // Loan-to-value: 60% of 2,000.00 is 1,200.00, allowed; a base unit more is refused.
    await setPrice(fixture, PRICE);
    const collateral = erc20Collateral(fixture);
    const limit = 1_200_000_000n;
    expect(await watch.read.originationRefusal([templates.erc20, limit, collateral])).to.equal(Refusal.None);
    expect(await watch.read.originationRefusal([templates.erc20, limit + 1n, collateral])).to.equal(
      Refusal.LoanToValueTooHigh,
    );
    expect(
      await revertWith(fixture, () => originateWith(fixture, templates.erc20, collateral, { principal: limit + 1n })),
    ).to.deep.equal({ errorName: "CollateralWatch_OriginationRefused", args: [Refusal.LoanToValueTooHigh] });
    await originateWith(fixture, templates.erc20, collateral, { principal: limit });

    // Another token than the one the feed prices (a worthless token of the same decimals): refused, never valued.
    const junk = await fixture.viem.deployContract("TestToken", ["Junk", "JNK", 18]);
    await junk.write.mint([borrower.account.address, COLLATERAL_AMOUNT]);
    await junk.write.approve([book.address, COLLATERAL_AMOUNT], { account: borrower.account });
    const junkCollateral = { token: junk.address, amountOrId: COLLATERAL_AMOUNT, assetHash: zeroHash };
    expect(await watch.read.originationRefusal([templates.erc20, PRINCIPAL, junkCollateral])).to.equal(
      Refusal.AssetNotPriced,
    );
    expect(await revertWith(fixture, () => originateWith(fixture, templates.erc20, junkCollateral))).to.deep.equal({
      errorName: "CollateralWatch_OriginationRefused",
      args: [Refusal.AssetNotPriced],
    });

    // No value at all for a never-appraised asset; a tracker alarm on another.
    const unknown = keccak256(toHex("never appraised"));
    expect(
      await revertWith(fixture, () => originateWith(fixture, templates.offChain, offChainCollateral(unknown))),
    ).to.deep.equal({ errorName: "CollateralWatch_OriginationRefused", args: [Refusal.ValueUnknown] });
    const moved = keccak256(toHex("moved asset"));
    await attest(fixture, { assetHash: moved, status: AssetStatus.Moved });
    expect(
      await revertWith(fixture, () => originateWith(fixture, templates.offChain, offChainCollateral(moved))),
    ).to.deep.equal({ errorName: "CollateralWatch_OriginationRefused", args: [Refusal.TrackerAlarm] });
  });
});

/*//////////////////////////////////////////////////////////////
                            7. ATTACKS
//////////////////////////////////////////////////////////////*/

describe("Collateral 7: attacks and wrong callers", () => {
  it("refuses forged, replayed, older and future attestations, leaving the record as it was", async () => {
    const fixture = await loadCollateral();
    const { watch, lender, appraiser, forger, stranger } = fixture;
    await attest(fixture);
    const recorded = await watch.read.recordOf([lender.account.address, ASSET_HASH]);
    const recordedAt = BigInt(recorded.observedAt);
    const fresh = {
      assetHash: ASSET_HASH,
      value: 1n,
      status: AssetStatus.InPlace,
      observedAt: recordedAt + 5n,
    };
    const submit = (appraiserAddress: Address, attestation: typeof fresh, signature: Hex) => () =>
      watch.write.submitValuation([lender.account.address, appraiserAddress, attestation, signature], {
        account: stranger.account,
      });

    // Signed by a key that is not the lender's appraiser.
    const forgedSig = await signAttestation(fixture, forger, fresh);
    expect(await revertWith(fixture, submit(forger.account.address, fresh, forgedSig))).to.deep.equal({
      errorName: "CollateralWatch_NotAnAppraiser",
      args: [addr(lender), addr(forger)],
    });
    // The appraiser named, another key signing.
    expect(await revertWith(fixture, submit(appraiser.account.address, fresh, forgedSig))).to.deep.equal({
      errorName: "CollateralWatch_InvalidSignature",
      args: [addr(appraiser)],
    });
    // The appraiser's own attestation, under another lender (for whom it does not attest).
    const goodSig = await signAttestation(fixture, appraiser, fresh);
    expect(
      await revertWith(fixture, () =>
        watch.write.submitValuation([stranger.account.address, appraiser.account.address, fresh, goodSig]),
      ),
    ).to.deep.equal({ errorName: "CollateralWatch_NotAnAppraiser", args: [addr(stranger), addr(appraiser)] });

    // A replay of the recorded one, and an older one.
    const replay = { ...fresh, value: ASSET_VALUE, observedAt: recordedAt };
    const replaySig = await signAttestation(fixture, appraiser, replay);
    expect(await revertWith(fixture, submit(appraiser.account.address, replay, replaySig))).to.deep.equal({
      errorName: "CollateralWatch_NotNewer",
      args: [recordedAt, recordedAt],
    });
    const older = { ...fresh, observedAt: recordedAt - 60n };
    expect(
      await revertWith(
        fixture,
        submit(appraiser.account.address, older, await signAttestation(fixture, appraiser, older)),
      ),
    ).to.deep.equal({ errorName: "CollateralWatch_NotNewer", args: [recordedAt - 60n, recordedAt] });

    // Observed after the block that records it.
    const t = (await now(fixture)) + 10n;
    const future = { ...fresh, observedAt: t + 1n };
    await at(fixture, t);
    expect(
      await revertWith(
        fixture,
        submit(appraiser.account.address, future, await signAttestation(fixture, appraiser, future)),
      ),
    ).to.deep.equal({ errorName: "CollateralWatch_ObservedInFuture", args: [t + 1n] });
    // An appraiser the lender removed.
    await watch.write.setAppraiser([appraiser.account.address, false], { account: lender.account });
    expect(await revertWith(fixture, submit(appraiser.account.address, fresh, goodSig))).to.deep.equal({
      errorName: "CollateralWatch_NotAnAppraiser",
      args: [addr(lender), addr(appraiser)],
    });

    expect(await watch.read.recordOf([lender.account.address, ASSET_HASH])).to.deep.equal(recorded);
    // The same attestation the same appraiser signed, accepted once re-allowed, then a replay refused.
    await watch.write.setAppraiser([appraiser.account.address, true], { account: lender.account });
    await submit(appraiser.account.address, fresh, goodSig)();
    expect(await revertWith(fixture, submit(appraiser.account.address, fresh, goodSig))).to.deep.equal({
      errorName: "CollateralWatch_NotNewer",
      args: [fresh.observedAt, fresh.observedAt],
    });
  });

  it("treats a feed answering 0 or less as no value: no default, no safety, no origination", async () => {
    const fixture = await loadCollateral();
    const { book, watch, stranger, templates } = fixture;
    const loanId = await erc20Loan(fixture);
    const debt = await book.read.payoffAmount([loanId]);
    const eligibleAt = await book.read.defaultEligibleAt([loanId]);
    for (const answer of [0n, -1n, -(PRICE * 1_000n)]) {
      await setPrice(fixture, answer);
      expect(await watch.read.marginOf([loanId]), `answer ${answer}`).to.deep.equal([Margin.Unknown, debt, 0n, 0n]);
      expect(
        await revertWith(fixture, () => book.write.declareDefault([loanId], { account: stranger.account })),
      ).to.deep.equal({ errorName: "LoanBook_DefaultNotYetTriggered", args: [loanId, eligibleAt] });
      expect(
        await revertWith(fixture, () => originateWith(fixture, templates.erc20, erc20Collateral(fixture))),
      ).to.deep.equal({ errorName: "CollateralWatch_OriginationRefused", args: [Refusal.ValueUnknown] });
    }
    // A feed that says nothing does not stop a default on days past due.
    await at(fixture, eligibleAt);
    const hash = await book.write.declareDefault([loanId], { account: stranger.account });
    expect((await bookEvents(fixture, hash)).map(([name]) => name)).to.deep.equal(["LoanDefaulted"]);
  });

  it("a borrower repaying in full before the bid gets the collateral back; the auction closes", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, collateralToken, lender, borrower, bidder } = fixture;
    const loanId = await erc20Loan(fixture);
    await defaultOnPrice(fixture, loanId);
    await driveToEnforcement(fixture, loanId);
    const debt0 = await book.read.payoffAmount([loanId]);
    await auctions.write.start([loanId, debt0 * 2n, debt0, BigInt(DAY)], { account: lender.account });

    const colBefore = await collateralToken.read.balanceOf([borrower.account.address]);
    const repayAt = (await now(fixture)) + 60n;
    await at(fixture, repayAt);
    const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    await book.write.repay([loanId, payoff], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
    expect(await book.read.settlementOf([loanId])).to.deep.equal([repayAt, Settlement.Repayment]);
    expect((await collateralToken.read.balanceOf([borrower.account.address])) - colBefore).to.equal(COLLATERAL_AMOUNT);
    expect(
      await revertWith(fixture, () => auctions.write.bid([loanId, debt0 * 2n], { account: bidder.account })),
    ).to.deep.equal({ errorName: "Auction_Closed", args: [loanId] });
    expect(await revertWith(fixture, () => auctions.read.priceOf([loanId]))).to.deep.equal({
      errorName: "Auction_Closed",
      args: [loanId],
    });
  });

  it("voids the auction of a claim sold mid-auction: no bid on it, and the new holder may start its own", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, lender, otherLender, bidder } = fixture;
    const loanId = await erc20Loan(fixture);
    await defaultOnPrice(fixture, loanId);
    await driveToEnforcement(fixture, loanId);
    const debt = await book.read.payoffAmount([loanId]);
    await auctions.write.start([loanId, debt * 2n, debt, BigInt(DAY)], { account: lender.account });

    // The lender sells the claim: the old auction is void at once, not only at its end.
    await book.write.transferFrom([lender.account.address, otherLender.account.address, loanId], {
      account: lender.account,
    });
    expect(
      await revertWith(fixture, () => auctions.write.bid([loanId, debt * 2n], { account: bidder.account })),
    ).to.deep.equal({ errorName: "Auction_Closed", args: [loanId] });
    const startedAt = (await now(fixture)) + 5n;
    await at(fixture, startedAt);
    await auctions.write.start([loanId, debt * 3n, debt, BigInt(HOUR)], { account: otherLender.account });
    const auction = await auctions.read.auctionOf([loanId]);
    expect([auction.seller, BigInt(auction.startedAt), auction.startPrice]).to.deep.equal([
      addr(otherLender),
      startedAt,
      debt * 3n,
    ]);
    // The old seller can no longer cancel what is now the new holder's auction.
    expect(await revertWith(fixture, () => auctions.write.cancel([loanId], { account: lender.account }))).to.deep.equal(
      { errorName: "Auction_NotClaimHolder", args: [loanId, addr(lender)] },
    );
  });

  it("refuses the wrong callers and inputs of the auction house and the book's sale hook, changing nothing", async () => {
    const fixture = await loadCollateral();
    const { book, auctions, lender, stranger, bidder } = fixture;
    const loanId = await erc20Loan(fixture);

    // Not in enforcement yet.
    expect(
      await revertWith(fixture, () =>
        auctions.write.start([loanId, 2n, 1n, BigInt(HOUR)], { account: lender.account }),
      ),
    ).to.deep.equal({ errorName: "Auction_NotInEnforcement", args: [loanId] });
    await defaultOnPrice(fixture, loanId);
    await driveToEnforcement(fixture, loanId);

    const cases: [string, () => Promise<unknown>, { errorName: string; args: readonly unknown[] }][] = [
      [
        "start by a stranger",
        () => auctions.write.start([loanId, 2n, 1n, BigInt(HOUR)], { account: stranger.account }),
        { errorName: "Auction_NotClaimHolder", args: [loanId, addr(stranger)] },
      ],
      [
        "a floor of 0",
        () => auctions.write.start([loanId, 2n, 0n, BigInt(HOUR)], { account: lender.account }),
        { errorName: "Auction_InvalidPrices", args: [2n, 0n] },
      ],
      [
        "a start below the floor",
        () => auctions.write.start([loanId, 1n, 2n, BigInt(HOUR)], { account: lender.account }),
        { errorName: "Auction_InvalidPrices", args: [1n, 2n] },
      ],
      [
        "too short",
        () => auctions.write.start([loanId, 2n, 1n, BigInt(HOUR) - 1n], { account: lender.account }),
        { errorName: "Auction_InvalidDuration", args: [BigInt(HOUR) - 1n] },
      ],
      [
        "a bid with no auction",
        () => auctions.write.bid([loanId, 10n ** 30n], { account: bidder.account }),
        { errorName: "Auction_NotFound", args: [loanId] },
      ],
      [
        "the book's sale hook called by a stranger",
        () =>
          book.write.settleCollateralSale([loanId, stranger.account.address, 10n ** 12n, zeroHash], {
            account: stranger.account,
          }),
        { errorName: "LoanBook_NotAuctionHouse", args: [addr(stranger)] },
      ],
      [
        "the book's sale hook called by the claim holder",
        () =>
          book.write.settleCollateralSale([loanId, lender.account.address, 10n ** 12n, zeroHash], {
            account: lender.account,
          }),
        { errorName: "LoanBook_NotAuctionHouse", args: [addr(lender)] },
      ],
      [
        "collateral modules set by a stranger",
        () => book.write.setCollateralModules([zeroAddress, zeroAddress], { account: stranger.account }),
        { errorName: "AccessControlUnauthorizedAccount", args: [addr(stranger), zeroHash] },
      ],
    ];
    const snapshot = async () => ({
      loan: await book.read.loanOf([loanId]),
      collateral: await book.read.collateralOf([loanId]),
      status: await book.read.statusOf([loanId]),
      auction: await auctions.read.auctionOf([loanId]),
    });
    const before = await snapshot();
    for (const [name, call, expected] of cases) {
      expect(await revertWith(fixture, call), name).to.deep.equal(expected);
    }
    expect(await snapshot()).to.deep.equal(before);

    // A cancel by a stranger refused; by the seller it clears the auction.
    await auctions.write.start([loanId, 2n, 1n, BigInt(HOUR)], { account: lender.account });
    expect(
      await revertWith(fixture, () => auctions.write.cancel([loanId], { account: stranger.account })),
    ).to.deep.equal({ errorName: "Auction_NotClaimHolder", args: [loanId, addr(stranger)] });
    await auctions.write.cancel([loanId], { account: lender.account });
    expect((await auctions.read.auctionOf([loanId])).seller).to.equal(zeroAddress);
  });

  it("lets only the template's lender set valuation terms, once and valid; appraisers only by a lender", async () => {
    const fixture = await loadCollateral();
    const { watch, lender, otherLender, stranger, templates, terms, feed } = fixture;
    const fresh = await publishTemplate(fixture, { collateralKind: CollateralKind.ERC20 });
    const cases: [string, () => Promise<unknown>, { errorName: string; args: readonly unknown[] }][] = [
      [
        "another lender",
        () => watch.write.setValuationTerms([fresh, terms.feed], { account: otherLender.account }),
        { errorName: "CollateralWatch_NotTemplateLender", args: [fresh, addr(otherLender)] },
      ],
      [
        "a stranger",
        () => watch.write.setValuationTerms([fresh, terms.feed], { account: stranger.account }),
        { errorName: "CollateralWatch_NotTemplateLender", args: [fresh, addr(stranger)] },
      ],
      [
        "terms set twice",
        () => watch.write.setValuationTerms([templates.erc20, terms.feed], { account: lender.account }),
        { errorName: "CollateralWatch_TermsAlreadySet", args: [templates.erc20] },
      ],
      [
        "attestations for ERC-20 collateral",
        () => watch.write.setValuationTerms([fresh, terms.tracker], { account: lender.account }),
        { errorName: "CollateralWatch_InvalidTerms", args: [fresh] },
      ],
      [
        "a warning at the default loan-to-value",
        () =>
          watch.write.setValuationTerms([fresh, { ...terms.feed, warningLtvBps: LTV.default }], {
            account: lender.account,
          }),
        { errorName: "CollateralWatch_InvalidTerms", args: [fresh] },
      ],
      [
        "a feed that names no token",
        () =>
          watch.write.setValuationTerms([fresh, { ...terms.feed, asset: zeroAddress }], {
            account: lender.account,
          }),
        { errorName: "CollateralWatch_InvalidTerms", args: [fresh] },
      ],
      [
        "a feed with no code",
        () =>
          watch.write.setValuationTerms([fresh, { ...terms.feed, feed: stranger.account.address }], {
            account: lender.account,
          }),
        { errorName: "CollateralWatch_InvalidTerms", args: [fresh] },
      ],
      [
        "an appraiser allowed by a non-lender",
        () => watch.write.setAppraiser([stranger.account.address, true], { account: stranger.account }),
        { errorName: "CollateralWatch_NotALender", args: [addr(stranger)] },
      ],
    ];
    const termsBefore = await watch.read.termsOf([templates.erc20]);
    for (const [name, call, expected] of cases) {
      expect(await revertWith(fixture, call), name).to.deep.equal(expected);
    }
    expect(await watch.read.termsOf([templates.erc20])).to.deep.equal(termsBefore);
    expect((await watch.read.termsOf([fresh])).source).to.equal(0);
    expect(await watch.read.isAppraiser([stranger.account.address, stranger.account.address])).to.equal(false);
    // The lender sets them once, and they hold.
    await watch.write.setValuationTerms([fresh, terms.feed], { account: lender.account });
    expect((await watch.read.termsOf([fresh])).feed).to.equal(getAddress(feed.address));
  });
});
