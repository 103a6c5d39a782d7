/**
 * Gas of the collateral transactions: `npm run bench:gas:collateral` (`npm run -s bench:gas:collateral -- --json` for
 * exactly one JSON object `{"declareDefaultOnValue": n, ...}`).
 *
 * Each figure is a whole transaction's `receipt.gasUsed` on the in-process EVM (Hardhat's simulated network,
 * Cancun), on the collateral fixture (test/support/collateralFixture.ts: LoanBook with its CollateralWatch and
 * CollateralAuctions, the shared DefaultRegistry, an ERC-20 collateral priced by a Chainlink-shaped feed, an
 * off-chain asset valued by attestations with a tracker silence limit), in steady state: every operation has been
 * done once on another loan of the same template before the measured one, so the balances, the escrow, the claim
 * holder's and the bidder's balances are non-zero and the nonce lanes used.
 *
 * The origination hook's cost is the same origination (same template, collateral and principal) with the watch set
 * and with it unset (`setCollateralModules(0, auctionHouse)`), one after the other.
 */
import { network } from "hardhat";
import { keccak256, parseEventLogs, toHex, zeroAddress, type Hex } from "viem";

import { DAY, PRINCIPAL, Status, signedOrigination, type OriginationOptions } from "../test/support/loanBookFixture.ts";
import {
  ASSET_VALUE,
  IDENTITY,
  Margin,
  PRICE,
  SILENCE,
  answerFor,
  attest,
  deployCollateral,
  enrollArgs,
  driveToEnforcement,
  erc20Collateral,
  offChainCollateral,
  setPrice,
  signOffChainSale,
} from "../test/support/collateralFixture.ts";
import { evidence } from "../test/support/enforcementFixture.ts";

interface Figure {
  key: string;
  operation: string;
  gas: number;
}

const connection = await network.create();
const fixture = await deployCollateral(connection);
const { publicClient, book, watch, auctions, registry, lender, admin, stranger, bidder, notary, templates } = fixture;
const time = connection.networkHelpers.time;
const asLender = { account: lender.account };
// Anyone may send what the watch, the registry's sync and the book's default declaration accept from anyone: the
// stranger stands for the keeper.
const asKeeper = { account: stranger.account };
const figures: Figure[] = [];
const HOUR = 3_600;

// A fixed start time makes the deadlines, signatures and so the calldata, and the figures, repeatable.
const start = 2_000_000_000;
await time.increaseTo(start);
await setPrice(fixture, PRICE, BigInt(start));

/** Records transaction `hash`'s gas under `key`, after checking it succeeded. */
async function record(key: string, operation: string, hash: Hex): Promise<void> {
  const receipt = await publicClient.getTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${operation} reverted`);
  figures.push({ key, operation, gas: Number(receipt.gasUsed) });
}

/** Originates a loan of PRINCIPAL from `templateId` against `collateral`; returns its id and the transaction hash. */
async function originate(templateId: bigint, collateral: OriginationOptions["collateral"]) {
  const params = await signedOrigination(fixture, { templateId, collateral, principal: PRINCIPAL });
  const hash = await book.write.originate([params], asLender);
  return { loanId: await book.read.loanCount(), hash };
}

/** Throws unless `hash` emitted CollateralDefaultTriggered with `reason`. */
async function expectTrigger(hash: Hex, reason: number): Promise<void> {
  const { logs } = await publicClient.getTransactionReceipt({ hash });
  const events = parseEventLogs({ abi: book.abi, logs, eventName: "CollateralDefaultTriggered" });
  if (events.length !== 1 || events[0].args.reason !== reason) {
    throw new Error(`expected CollateralDefaultTriggered(${reason}) in ${hash}`);
  }
}

async function expectStatus(loanId: bigint, status: number): Promise<void> {
  const actual = await book.read.statusOf([loanId]);
  if (actual !== status) throw new Error(`loan ${loanId} has status ${actual}, expected ${status}`);
}

// Origination with the watch set (price feed; attestation and registry pledge check), then without it.
const erc20 = erc20Collateral(fixture);
const [e0, e1, e2, e3] = [
  await originate(templates.erc20, erc20),
  await originate(templates.erc20, erc20),
  await originate(templates.erc20, erc20),
  await originate(templates.erc20, erc20),
];
await record("originateWatched", "originate ERC-20 collateral, watch set (feed)", e3.hash);
await book.write.setCollateralModules([zeroAddress, auctions.address], {
  account: admin.account,
});
const unwatched = await originate(templates.erc20, erc20);
await record("originateUnwatched", "originate ERC-20 collateral, no watch", unwatched.hash);
await book.write.setCollateralModules([watch.address, auctions.address], { account: admin.account });

const assets = [0, 1, 2, 3].map((i) => keccak256(toHex(`benchmark asset ${i}`)));
for (const assetHash of assets) await attest(fixture, { assetHash, value: ASSET_VALUE });
const offChain = [];
for (const assetHash of assets) offChain.push(await originate(templates.offChain, offChainCollateral(assetHash)));
await record(
  "originateWatchedOffChain",
  "originate off-chain asset, watch set (attestation, registry)",
  offChain[1].hash,
);

// An attestation newer than the asset's last one.
await time.increase(HOUR);
const { hash: valuationHash } = await attest(fixture, { assetHash: assets[0], value: ASSET_VALUE });
await record("submitValuation", "submitValuation (newer attestation)", valuationHash);

// The registry: a loan enrolled (identity and, for an off-chain asset, its pledge).
await registry.write.enroll(await enrollArgs(fixture, book.address, offChain[0].loanId), asLender);
await record(
  "enroll",
  "registry enroll (identity + pledge)",
  await registry.write.enroll(await enrollArgs(fixture, book.address, offChain[1].loanId), asLender),
);
await registry.write.enroll(await enrollArgs(fixture, book.address, e0.loanId), asLender);
await registry.write.enroll(await enrollArgs(fixture, book.address, e1.loanId), asLender);

// The price falls to 80% loan-to-value: a margin call.
const debt = await book.read.payoffAmount([e1.loanId]);
await setPrice(fixture, answerFor((debt * 10_000n) / 8_000n));
await watch.write.callMargin([e0.loanId], asKeeper);
await record("callMargin", "callMargin (warning)", await watch.write.callMargin([e1.loanId], asKeeper));

// Then below the debt: value-triggered defaults.
await setPrice(fixture, answerFor(debt / 2n));
if ((await watch.read.marginOf([e1.loanId]))[0] !== Margin.Default) throw new Error("no default margin");
await book.write.declareDefault([e0.loanId], asKeeper);
const valueDefault = await book.write.declareDefault([e1.loanId], asKeeper);
await expectTrigger(valueDefault, Margin.Default);
await record("declareDefaultOnValue", "declareDefault on value (price feed)", valueDefault);
await book.write.declareDefault([e2.loanId], asKeeper);
await book.write.declareDefault([e3.loanId], asKeeper);

// The registry learns the defaults: a sync that opens a default entry.
await registry.write.sync([book.address, e0.loanId], asKeeper);
await record(
  "sync",
  "registry sync (default entry opened)",
  await registry.write.sync([book.address, e1.loanId], asKeeper),
);

// The trackers fall silent: tracker-triggered defaults.
await time.increaseTo(start + SILENCE + 2 * 3_600);
await book.write.declareDefault([offChain[2].loanId], asKeeper);
const silentDefault = await book.write.declareDefault([offChain[3].loanId], asKeeper);
await expectTrigger(silentDefault, Margin.TrackerSilent);
await record("declareDefaultTrackerSilent", "declareDefault on tracker silence", silentDefault);

// The Enforcement stage: auctions and off-chain sales.
for (const loanId of [e0.loanId, e1.loanId, e2.loanId, offChain[2].loanId, offChain[3].loanId]) {
  await driveToEnforcement(fixture, loanId);
}
const enforcedDebt = await book.read.payoffAmount([e1.loanId]);
const duration = BigInt(DAY);
await auctions.write.start([e0.loanId, enforcedDebt * 3n, enforcedDebt + 100_000_000n, duration], asLender);
await record(
  "auctionStart",
  "auction start",
  await auctions.write.start([e1.loanId, enforcedDebt * 3n, enforcedDebt + 100_000_000n, duration], asLender),
);
await auctions.write.start([e2.loanId, enforcedDebt / 2n, enforcedDebt / 4n, duration], asLender);
await time.increase(HOUR);
const asBidder = { account: bidder.account };
await auctions.write.bid([e0.loanId, enforcedDebt * 3n], asBidder);
await record(
  "bidSurplus",
  "auction bid, settled with surplus",
  await auctions.write.bid([e1.loanId, enforcedDebt * 3n], asBidder),
);
await expectStatus(e1.loanId, Status.Settled);
await record(
  "bidShortfall",
  "auction bid, shortfall left owed",
  await auctions.write.bid([e2.loanId, enforcedDebt], asBidder),
);
await expectStatus(e2.loanId, Status.Certified);

const deadline = BigInt(start + 365 * DAY);
async function recordSale(loanId: bigint): Promise<Hex> {
  const sale = { loanId, proceeds: enforcedDebt * 2n, saleHash: evidence(`sale of loan ${loanId}`), deadline };
  const signature = await signOffChainSale(fixture, notary, sale);
  return auctions.write.recordOffChainSale(
    [loanId, sale.proceeds, sale.saleHash, notary.account.address, deadline, signature],
    asLender,
  );
}
await recordSale(offChain[2].loanId);
await record("recordOffChainSale", "recordOffChainSale (notary-signed)", await recordSale(offChain[3].loanId));
await expectStatus(offChain[3].loanId, Status.Settled);

/*//////////////////////////////////////////////////////////////
                               PRINT
//////////////////////////////////////////////////////////////*/

const byKey = Object.fromEntries(figures.map((figure) => [figure.key, figure.gas]));
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ ...byKey, originateHook: byKey.originateWatched - byKey.originateUnwatched }));
} else {
  const format = (gas: number) => gas.toLocaleString("en-US");
  const widths = [62, 10];
  const line = (cells: string[]) =>
    console.log(
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join("")
        .trimEnd(),
    );
  // Run by benchmarkGas.ts after the other benchmarks: a blank line between their tables and this one.
  if (!import.meta.filename.endsWith(process.argv[1] ?? "")) console.log();
  console.log("Gas of one collateral transaction (receipt.gasUsed), steady state, in-process EVM (Cancun)\n");
  line(["operation", "gas"]);
  for (const figure of figures) line([figure.operation, format(figure.gas)]);
  line(["origination hook (watch set - no watch)", format(byKey.originateWatched - byKey.originateUnwatched)]);
}
