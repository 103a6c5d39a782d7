/**
 * The collateral tests' fixture, on top of `loanBookFixture.ts` (test/integration/collateral.test.ts,
 * scripts/benchmarkCollateralGas.ts): a second token as ERC-20 collateral (18 decimals) with its price feed (8
 * decimals), the shared DefaultRegistry, the book's CollateralWatch and CollateralAuctions (named on the book by the
 * admin), templates whose lender set their valuation terms (a price feed for ERC-20 collateral; attestations with a
 * tracker silence limit for an off-chain asset; attestations for an ERC-721 token), an appraiser the lender
 * registered, and a second lender's loan book in the same registry (the "elsewhere" of open defaults and pledges).
 * Helpers sign attestations and notaries' off-chain sales the way the appraiser's gateway and the notary's wallet do,
 * and drive a defaulted loan to the Enforcement stage.
 */
import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
} from "viem";

import {
  CollateralKind,
  DAY,
  deployLoanBook,
  deployLoanBookContracts,
  originateLoan,
  publishTemplate,
  templateParams,
  type LoanBookFixture,
  type OriginationOptions,
} from "./loanBookFixture.ts";
import { certificateParams, evidence, now, signCertificate } from "./enforcementFixture.ts";
import { AssetStatus, Margin, OpenDefaultPolicy, Refusal, Source } from "../../keeper/src/core/valuations.ts";
import { identityAttestationTypedData } from "../../keeper/src/core/typedData.ts";

type Wallet = LoanBookFixture["lender"];

/** Solidity's `Valuations` enums, as the keeper mirrors them. */
export { AssetStatus, Margin, OpenDefaultPolicy, Refusal, Source };

/** The collateral token's and the feed's decimals (the loan token has 6). */
export const COLLATERAL_DECIMALS = 18;
export const FEED_DECIMALS = 8;
/** 20 collateral tokens. */
export const COLLATERAL_AMOUNT = 20n * 10n ** 18n;
/** 100.00000000 loan tokens for one collateral token: 20 tokens are worth 2,000.000000. */
export const PRICE = 100n * 10n ** 8n;
/** The feed answer at which COLLATERAL_AMOUNT is worth `value` loan-token base units (exact: value = answer / 5). */
export function answerFor(value: bigint): bigint {
  return (value * 10n ** BigInt(COLLATERAL_DECIMALS + FEED_DECIMALS - 6)) / COLLATERAL_AMOUNT;
}

/** The margin rules of every template: warning at 75%, default at 90%, origination up to 60%. */
export const LTV = { warning: 7_500, default: 9_000, origination: 6_000 } as const;
/** A feed's round older than an hour is stale. */
export const FEED_MAX_AGE = 3_600;
/** An attestation older than 30 days is stale; a tracker silent for 2 days triggers a default. */
export const ATTESTATION_MAX_AGE = 30 * DAY;
export const SILENCE = 2 * DAY;

/** The off-chain asset (a property certificate) of the tests, and its value by the appraiser: 2,000.000000. */
export const ASSET_HASH = keccak256(toHex("property certificate 2026-0007"));
export const ASSET_VALUE = 2_000_000_000n;
/** The borrower's identity commitment in the registry (a keyed hash of the normalised identity document). */
export const IDENTITY = keccak256(toHex("HMAC-SHA256(consortium key, ID 350502199001011234)"));

/** `Valuations.Terms` as viem takes it. */
export interface ValuationTerms {
  source: number;
  feed: Address;
  asset: Address;
  maxAgeSeconds: number;
  silenceSeconds: number;
  warningLtvBps: number;
  defaultLtvBps: number;
  originationLtvBps: number;
  openDefaultPolicy: number;
}

/** `Valuations.Attestation`. */
export interface Attestation {
  assetHash: Hex;
  value: bigint;
  status: number;
  observedAt: bigint;
}

export const attestationTypes = {
  Attestation: [
    { name: "assetHash", type: "bytes32" },
    { name: "value", type: "uint256" },
    { name: "status", type: "uint8" },
    { name: "observedAt", type: "uint64" },
  ],
} as const;

export const offChainSaleTypes = {
  OffChainSale: [
    { name: "loanId", type: "uint256" },
    { name: "proceeds", type: "uint256" },
    { name: "saleHash", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** Deploys the loan book fixture, then the collateral modules, templates and a second lender's book. */
export async function deployCollateral(connection: Awaited<ReturnType<typeof network.create>>) {
  const base = await deployLoanBook(connection);
  const { viem, book, admin, lender, borrower, notary, stranger, token } = base;
  const wallets = await viem.getWalletClients();
  const [appraiser, bidder, forger, lender2] = wallets.slice(6, 10);
  const asAdmin = { account: admin.account };

  const collateralToken = await viem.deployContract("TestToken", ["Collateral", "COL", COLLATERAL_DECIMALS]);
  const feed = await viem.deployContract("TestPriceFeed", [FEED_DECIMALS]);
  const nft = await viem.deployContract("TestCollateralNft");
  const registry = await viem.deployContract("DefaultRegistry", [admin.account.address]);
  const watch = await viem.deployContract("CollateralWatch", [book.address, registry.address]);
  const auctions = await viem.deployContract("CollateralAuctions", [book.address]);
  await book.write.setCollateralModules([watch.address, auctions.address], asAdmin);
  await registry.write.addBook([book.address], asAdmin);

  // The collateral: the borrower holds COL (escrow approved), the bidder holds loan tokens for the auctions.
  await collateralToken.write.mint([borrower.account.address, 10n * COLLATERAL_AMOUNT]);
  await collateralToken.write.approve([book.address, 2n ** 256n - 1n], { account: borrower.account });
  for (const wallet of [bidder, stranger]) {
    await token.write.mint([wallet.account.address, 1_000_000n * 10n ** 6n]);
    await token.write.approve([auctions.address, 2n ** 256n - 1n], { account: wallet.account });
  }
  await feed.write.setRound([PRICE, BigInt((await base.publicClient.getBlock()).timestamp)]);

  // Templates 2 (ERC-20, price feed), 3 (off-chain asset, attestations, tracker) and 4 (ERC-721, attestations).
  const erc20Template = await publishTemplate(base, { collateralKind: CollateralKind.ERC20 });
  const offChainTemplate = await publishTemplate(base, { collateralKind: CollateralKind.OffChain });
  const nftTemplate = await publishTemplate(base, { collateralKind: CollateralKind.ERC721 });
  const rules = { warningLtvBps: LTV.warning, defaultLtvBps: LTV.default, originationLtvBps: LTV.origination };
  const feedTerms: ValuationTerms = {
    source: Source.PriceFeed,
    feed: feed.address,
    asset: collateralToken.address,
    maxAgeSeconds: FEED_MAX_AGE,
    silenceSeconds: 0,
    ...rules,
    openDefaultPolicy: OpenDefaultPolicy.Block,
  };
  const trackerTerms: ValuationTerms = {
    source: Source.Attestation,
    feed: zeroAddress,
    asset: zeroAddress,
    maxAgeSeconds: ATTESTATION_MAX_AGE,
    silenceSeconds: SILENCE,
    ...rules,
    openDefaultPolicy: OpenDefaultPolicy.Flag,
  };
  const nftTerms: ValuationTerms = { ...trackerTerms, silenceSeconds: 0 };
  const asLender = { account: lender.account };
  await watch.write.setValuationTerms([erc20Template, feedTerms], asLender);
  await watch.write.setValuationTerms([offChainTemplate, trackerTerms], asLender);
  await watch.write.setValuationTerms([nftTemplate, nftTerms], asLender);
  await watch.write.setAppraiser([appraiser.account.address, true], asLender);

  // The second lender's book, in the same registry: its own roles and the same notary; template 1 (no collateral)
  // and template 2 (off-chain asset), no collateral watch.
  const book2 = await deployLoanBookContracts(viem, admin.account.address);
  await book2.write.grantRole([await book2.read.LENDER_ROLE(), lender2.account.address], asAdmin);
  await book2.write.addNotary([notary.account.address, keccak256(toHex("Kunshan Notary Office"))], asAdmin);
  await token.write.mint([lender2.account.address, 1_000_000n * 10n ** 6n]);
  for (const wallet of [lender2, borrower]) {
    await token.write.approve([book2.address, 2n ** 256n - 1n], { account: wallet.account });
  }
  await book2.write.publishTemplate([templateParams(token.address), [], []], { account: lender2.account });
  await book2.write.publishTemplate(
    [templateParams(token.address, { collateralKind: CollateralKind.OffChain }), [], []],
    { account: lender2.account },
  );
  await registry.write.addBook([book2.address], asAdmin);

  return {
    ...base,
    appraiser,
    bidder,
    forger,
    lender2,
    collateralToken,
    feed,
    nft,
    registry,
    watch,
    auctions,
    book2,
    terms: { feed: feedTerms, tracker: trackerTerms, nft: nftTerms },
    templates: { erc20: erc20Template, offChain: offChainTemplate, nft: nftTemplate },
  };
}

export type CollateralFixture = Awaited<ReturnType<typeof deployCollateral>>;

/** A fresh network connection with the collateral fixture (restored from a snapshot after the first time). */
export async function loadCollateral(): Promise<CollateralFixture> {
  const connection = await network.create();
  return connection.networkHelpers.loadFixture(deployCollateral);
}

/** The fixture seen as the second lender's book (for `originateLoan`, `signedOrigination`, `defaultedLoan`). */
export function secondBook(fixture: CollateralFixture): LoanBookFixture {
  return { ...fixture, book: fixture.book2, lender: fixture.lender2 };
}

/*//////////////////////////////////////////////////////////////
                               COLLATERAL
//////////////////////////////////////////////////////////////*/

/** ERC-20 collateral terms of `amount` collateral tokens. */
export function erc20Collateral(fixture: CollateralFixture, amount = COLLATERAL_AMOUNT) {
  return { token: fixture.collateralToken.address, amountOrId: amount, assetHash: zeroHash };
}

/** Off-chain collateral terms of `assetHash`. */
export function offChainCollateral(assetHash: Hex = ASSET_HASH) {
  return { token: zeroAddress, amountOrId: 0n, assetHash };
}

/** Mints ERC-721 token `id` to the borrower, approved to the book; returns its collateral terms. */
export async function nftCollateral(fixture: CollateralFixture, id: bigint) {
  await fixture.nft.write.mint([fixture.borrower.account.address, id]);
  await fixture.nft.write.approve([fixture.book.address, id], { account: fixture.borrower.account });
  return { token: fixture.nft.address, amountOrId: id, assetHash: zeroHash };
}

/** Publishes a feed round of `answer`, observed at `updatedAt` (the latest block's time by default); returns
 * `updatedAt`. */
export async function setPrice(fixture: CollateralFixture, answer: bigint, updatedAt?: bigint): Promise<bigint> {
  const at = updatedAt ?? (await now(fixture));
  await fixture.feed.write.setRound([answer, at]);
  return at;
}

/**
 * The registry's `enroll` arguments for loan `loanId` of `bookAddress`: `identity` and the fixture notary's EIP-712
 * attestation, in that book's domain, that it is the loan's borrower's (the notary is registered on both books).
 */
export async function enrollArgs(
  fixture: CollateralFixture,
  bookAddress: Address,
  loanId: bigint,
  identity: Hex = IDENTITY,
): Promise<readonly [Address, bigint, Hex, Address, Hex]> {
  const book = bookAddress === fixture.book.address ? fixture.book : fixture.book2;
  const { borrower } = await book.read.loanOf([loanId]);
  const signature = await fixture.notary.signTypedData(
    identityAttestationTypedData(fixture.chainId, bookAddress, { borrower, identity }),
  );
  return [bookAddress, loanId, identity, fixture.notary.account.address, signature];
}

/** Originates a loan from template `templateId` against `collateral` (the book's lender, borrower and notary). */
export async function originateWith(
  fixture: CollateralFixture,
  templateId: bigint,
  collateral: OriginationOptions["collateral"],
  options: OriginationOptions = {},
): Promise<bigint> {
  return originateLoan(fixture, { templateId, collateral, ...options });
}

/*//////////////////////////////////////////////////////////////
                               SIGNATURES
//////////////////////////////////////////////////////////////*/

/** `attestation` signed by `signer` in the watch's EIP-712 domain (what an appraiser's gateway sends). */
export async function signAttestation(fixture: CollateralFixture, signer: Wallet, attestation: Attestation) {
  return signer.signTypedData({
    domain: {
      name: "CollateralWatch",
      version: "1",
      chainId: fixture.chainId,
      verifyingContract: fixture.watch.address,
    },
    types: attestationTypes,
    primaryType: "Attestation",
    message: attestation,
  });
}

/** Signs `attestation` with the appraiser's key and submits it for the lender (from the stranger: anyone may);
 * returns the transaction hash and the attestation. `observedAt` defaults to the latest block's time. */
export async function attest(
  fixture: CollateralFixture,
  partial: Partial<Attestation> & { value?: bigint } = {},
  options: { signer?: Wallet; appraiser?: Address; lender?: Address; from?: Wallet } = {},
) {
  const attestation: Attestation = {
    assetHash: ASSET_HASH,
    value: ASSET_VALUE,
    status: AssetStatus.InPlace,
    observedAt: partial.observedAt ?? (await now(fixture)),
    ...partial,
  };
  const signer = options.signer ?? fixture.appraiser;
  const signature = await signAttestation(fixture, signer, attestation);
  const from = options.from ?? fixture.stranger;
  const hash = await fixture.watch.write.submitValuation(
    [
      options.lender ?? fixture.lender.account.address,
      options.appraiser ?? signer.account.address,
      attestation,
      signature,
    ],
    { account: from.account },
  );
  return { hash, attestation };
}

/** A notary's `OffChainSale` signature of loan `loanId`'s asset sold for `proceeds` (the sale record `saleHash`). */
export async function signOffChainSale(
  fixture: CollateralFixture,
  notary: Wallet,
  sale: { loanId: bigint; proceeds: bigint; saleHash: Hex; deadline: bigint },
) {
  return notary.signTypedData({
    domain: {
      name: "CollateralAuctions",
      version: "1",
      chainId: fixture.chainId,
      verifyingContract: fixture.auctions.address,
    },
    types: offChainSaleTypes,
    primaryType: "OffChainSale",
    message: sale,
  });
}

/*//////////////////////////////////////////////////////////////
                              ENFORCEMENT
//////////////////////////////////////////////////////////////*/

/** Certifies loan `loanId`'s default (the notary's own transaction, a nonce of its own) and advances it through the
 * four recovery stages (the lender, the claim holder); the loan must be in default. */
export async function driveToEnforcement(fixture: LoanBookFixture, loanId: bigint) {
  const params = certificateParams(loanId);
  const approval = await signCertificate(fixture, params, { nonce: 1_000n + loanId });
  await fixture.book.write.certify([params, approval], { account: fixture.notary.account });
  for (let stage = 1; stage <= 4; ++stage) {
    await fixture.book.write.advanceStage([loanId, evidence(`notice ${stage} of loan ${loanId}`)], {
      account: fixture.lender.account,
    });
  }
}

/*//////////////////////////////////////////////////////////////
                           EVENTS AND ERRORS
//////////////////////////////////////////////////////////////*/

/** Every ABI a collateral call can revert with: the book's, the watch's, the auction house's and the registry's. */
export function collateralAbi(fixture: CollateralFixture): Abi {
  return [
    ...(fixture.book.abi as Abi),
    ...(fixture.watch.abi as Abi),
    ...(fixture.auctions.abi as Abi),
    ...(fixture.registry.abi as Abi),
  ];
}

/** Runs `call`, which must revert with a custom error of any collateral contract (an error of the watch raised
 * inside the book's `originate`, say); returns its name and arguments. */
export async function revertWith(
  fixture: CollateralFixture,
  call: () => Promise<unknown>,
): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call();
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError) {
        if (reverted.data?.errorName) return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
        if (reverted.raw) {
          const decoded = decodeErrorResult({ abi: collateralAbi(fixture), data: reverted.raw });
          return { errorName: decoded.errorName, args: decoded.args ?? [] };
        }
      }
    }
    throw error;
  }
  throw new Error("expected a revert with a custom error, but the call succeeded");
}

/** The decoded events `contract` emitted in transaction `hash`, as [name, args] pairs. */
export async function eventsFrom(
  fixture: CollateralFixture,
  contract: { address: Address; abi: Abi | readonly unknown[] },
  hash: Hex,
): Promise<[string, unknown][]> {
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash });
  const logs = receipt.logs.filter((log) => isAddressEqual(log.address, contract.address));
  return parseEventLogs({ abi: contract.abi as Abi, logs }).map((event) => [event.eventName, event.args as unknown]);
}
