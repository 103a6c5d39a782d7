/**
 * The checks the keeper's origination API runs on a lender's offer before storing it (`POST /api/offers`): the
 * borrower's identity attestation, the shared default registry, the collateral free of any other loan, a fresh
 * value, the principal within the loan-to-value limit. The contract checks the collateral again at origination
 * (`CollateralWatch.checkOrigination`); asking first spares the borrower and the notary signing terms that cannot be
 * originated, and leaves a record of every refusal for the lender's dashboard.
 *
 * The outcome is a list of reason codes. They are stable strings, stored with each refused origination and counted
 * on the dashboard: never rename one, add a new one.
 * - `identity_attestation_missing`: the book has a collateral watch with a shared registry, or the template has
 *   valuation terms, and the offer carries no identity attestation.
 * - `identity_attestation_invalid`: the attestation is not an `IdentityAttestation(borrower, identity)` signature of
 *   its `attestedBy`, or `attestedBy` holds no NOTARY_ROLE on the book.
 * - `open_default_elsewhere`: the registry counts an open default of the attested identity, in any member book. A
 *   refusal under the template's `OpenDefaultPolicy.Block`, a flag on the offer under `Flag`, nothing under `None`.
 * - `collateral_pledged`: the collateral is pledged to an open loan, in this book (`pledgedTo`) or in the registry
 *   (`pledgeOf`, `Refusal.CollateralPledged`).
 * - `value_unknown`: the collateral has no fresh value (`Refusal.ValueUnknown`).
 * - `loan_to_value_too_high`: the principal is above the template's origination loan-to-value (`Refusal.
 *   LoanToValueTooHigh`).
 * - `tracker_alarm`: the tracker reported the asset moved (`Refusal.TrackerAlarm`).
 * - `collateral_not_priced`: the template's price feed prices another token than the one pledged
 *   (`Refusal.AssetNotPriced`).
 *
 * The chain is read through `OriginationChainReads`, so tests can stand in for it at this edge; the viem
 * implementation is `adapters/chain/originationChainReads.ts`. A book without a collateral watch gets the identity
 * and the book's own pledge checks only.
 */
import { isAddressEqual, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { OpenDefaultPolicy, Refusal } from "./valuations.ts";
import { identityAttestationTypedData, loanBookDomain, type CollateralTerms } from "./typedData.ts";

/** Every reason code, in the order a refusal lists them. */
export const REASON_CODES = [
  "identity_attestation_missing",
  "identity_attestation_invalid",
  "open_default_elsewhere",
  "collateral_pledged",
  "value_unknown",
  "loan_to_value_too_high",
  "tracker_alarm",
  "collateral_not_priced",
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** `Valuations.Refusal` (contracts/types/CollateralTypes.sol) → its reason code (None is no refusal). */
export const WATCH_REFUSALS: Readonly<Record<number, ReasonCode>> = {
  [Refusal.CollateralPledged]: "collateral_pledged",
  [Refusal.ValueUnknown]: "value_unknown",
  [Refusal.LoanToValueTooHigh]: "loan_to_value_too_high",
  [Refusal.TrackerAlarm]: "tracker_alarm",
  [Refusal.AssetNotPriced]: "collateral_not_priced",
};

export { OpenDefaultPolicy };

/** The borrower's identity as an offer carries it: the commitment and a notary's attestation of it. */
export interface IdentityClaim {
  readonly commitment: Hex;
  readonly attestedBy: Address;
  readonly signature: Hex;
}

/** The views the checks read, on the book, its collateral watch and the watch's shared registry. */
export interface OriginationChainReads {
  /** `LoanBook.collateralModules()`'s watch; the zero address when the book has none. */
  watchOf(): Promise<Address>;
  /** `CollateralWatch.registry()`; the zero address when none. */
  registryOf(watch: Address): Promise<Address>;
  /** `CollateralWatch.termsOf(templateId)`: `source` 0 when the template has no valuation terms. */
  termsOf(watch: Address, templateId: bigint): Promise<{ source: number; openDefaultPolicy: number }>;
  /** `CollateralWatch.originationRefusal`: a `Valuations.Refusal`. */
  originationRefusal(
    watch: Address,
    templateId: bigint,
    principal: bigint,
    collateral: CollateralTerms,
  ): Promise<number>;
  /** `LoanBook.collateralKey(templateOf(templateId).collateralKind, collateral)` (zero: no key). */
  collateralKey(templateId: bigint, collateral: CollateralTerms): Promise<Hex>;
  /** `LoanBook.pledgedTo(key)`: the open loan holding the collateral, 0 when none. */
  pledgedTo(key: Hex): Promise<bigint>;
  /** `DefaultRegistry.pledgeOf(key)`'s book, the zero address when none. */
  pledgeOf(registry: Address, key: Hex): Promise<Address>;
  /** `DefaultRegistry.openDefaults(identity)`. */
  openDefaults(registry: Address, identity: Hex): Promise<bigint>;
  /** `LoanBook.hasRole(NOTARY_ROLE, account)`. */
  isNotary(account: Address): Promise<boolean>;
}

/** Checks a typed-data signature (viem's `verifyTypedData`, EOA or ERC-1271), as the origination routes do. */
export type VerifyAttestation = (parameters: {
  address: Address;
  signature: Hex;
  domain: ReturnType<typeof loanBookDomain>;
  types: Record<string, readonly { name: string; type: string }[]>;
  primaryType: string;
  message: object;
}) => Promise<boolean>;

export interface OriginationCheckParameters {
  readonly templateId: bigint;
  readonly principal: bigint;
  readonly borrower: Address;
  /** All zero when the offer takes none. */
  readonly collateral: CollateralTerms;
  readonly identity?: IdentityClaim;
}

export interface OriginationCheckContext {
  readonly reads: OriginationChainReads;
  readonly verifyTypedData: VerifyAttestation;
  readonly chainId: number;
  readonly loanBook: Address;
}

export interface OriginationCheckResult {
  /** Why the offer must not be made (empty: it may). */
  readonly refusals: ReasonCode[];
  /** What the offer is made with, for the lender to see (`open_default_elsewhere` under `Flag`). */
  readonly flags: ReasonCode[];
}

const ordered = (codes: Iterable<ReasonCode>): ReasonCode[] => {
  const set = new Set(codes);
  return REASON_CODES.filter((code) => set.has(code));
};

/** Whether the attestation is a registered notary's signature over (borrower, commitment); never throws on a bad one. */
async function attestationValid(
  context: OriginationCheckContext,
  borrower: Address,
  identity: IdentityClaim,
): Promise<boolean> {
  const typedData = identityAttestationTypedData(context.chainId, context.loanBook, {
    borrower,
    identity: identity.commitment,
  });
  let signed: boolean;
  try {
    signed = await context.verifyTypedData({
      ...typedData,
      address: identity.attestedBy,
      signature: identity.signature,
    });
  } catch {
    // A malformed signature (viem throws on one it cannot parse) is a wrong one.
    signed = false;
  }
  return signed && (await context.reads.isNotary(identity.attestedBy));
}

/**
 * Runs every check of an offer; a chain read that fails throws (the caller answers "try again", records nothing).
 *
 * @example
 * const { refusals, flags } = await checkOrigination(offer, { reads, verifyTypedData, chainId, loanBook });
 * if (refusals.length > 0) refuse(...);
 */
export async function checkOrigination(
  offer: OriginationCheckParameters,
  context: OriginationCheckContext,
): Promise<OriginationCheckResult> {
  const { reads } = context;
  const refusals = new Set<ReasonCode>();
  const flags = new Set<ReasonCode>();

  const watch = await reads.watchOf();
  const hasWatch = !isAddressEqual(watch, zeroAddress);
  const registry = hasWatch ? await reads.registryOf(watch) : zeroAddress;
  const hasRegistry = !isAddressEqual(registry, zeroAddress);
  const terms = hasWatch ? await reads.termsOf(watch, offer.templateId) : { source: 0, openDefaultPolicy: 0 };

  // The identity: required where the registry or a valuation needs it; checked whenever it is given.
  let identityValid = false;
  if (offer.identity === undefined) {
    if (hasRegistry || terms.source !== 0) refusals.add("identity_attestation_missing");
  } else if (await attestationValid(context, offer.borrower, offer.identity)) {
    identityValid = true;
  } else {
    refusals.add("identity_attestation_invalid");
  }
  if (identityValid && hasRegistry && terms.openDefaultPolicy !== OpenDefaultPolicy.None) {
    if ((await reads.openDefaults(registry, offer.identity!.commitment)) > 0n) {
      (terms.openDefaultPolicy === OpenDefaultPolicy.Block ? refusals : flags).add("open_default_elsewhere");
    }
  }

  // The collateral: free in this book and in the registry; then the watch's own answer.
  const { collateral } = offer;
  if (!isAddressEqual(collateral.token, zeroAddress) || collateral.assetHash !== zeroHash) {
    const key = await reads.collateralKey(offer.templateId, collateral);
    if (key !== zeroHash) {
      if ((await reads.pledgedTo(key)) !== 0n) refusals.add("collateral_pledged");
      else if (hasRegistry && !isAddressEqual(await reads.pledgeOf(registry, key), zeroAddress))
        refusals.add("collateral_pledged");
    }
  }
  if (hasWatch) {
    const refusal = await reads.originationRefusal(watch, offer.templateId, offer.principal, collateral);
    const code = WATCH_REFUSALS[refusal];
    if (code !== undefined) refusals.add(code);
  }
  return { refusals: ordered(refusals), flags: ordered(flags) };
}
