/**
 * A lender's loan offers on their way to origination: the exact terms (what `LoanAcceptance` and `Notarization`
 * sign), then the borrower's signature, then a notary's. An offer is originated by the lender's own transaction; the
 * store knows it happened from the `LoanOriginated` event it follows (same borrower and document hash).
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import { getAddress, type Address, type Hex } from "viem";

export interface OfferTerms {
  readonly templateId: bigint;
  readonly principal: bigint;
  readonly borrower: Address;
  readonly lender: Address;
  readonly documentHash: Hex;
  readonly collateral: { readonly token: Address; readonly amountOrId: bigint; readonly assetHash: Hex };
  /** Chain time (unix seconds) after which neither signature may be used. */
  readonly deadline: bigint;
  readonly borrowerNonce: bigint;
  readonly notaryNonce: bigint;
  /** What the origination checks flagged the offer with (`core/originationChecks.ts`); empty when nothing. */
  readonly flags?: readonly string[];
  /** The borrower's identity commitment and the notary's attestation of it, verified by the checks; null: none. */
  readonly identity?: IdentityAttested | null;
}

/** An identity commitment with a notary's EIP-712 attestation that it is the borrower's. */
export interface IdentityAttested {
  readonly commitment: Hex;
  readonly notary: Address;
  readonly signature: Hex;
}

/** Where an offer is: waiting for the borrower, then for a notary, then for the lender to originate it. */
export type OfferState = "awaitingBorrower" | "awaitingNotary" | "ready" | "originated";

export interface OriginationOffer extends OfferTerms {
  readonly id: number;
  readonly borrowerSignature: Hex | null;
  readonly notary: Address | null;
  readonly notarySignature: Hex | null;
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly state: OfferState;
  /** The loan it became, once originated. */
  readonly loanId: bigint | null;
  readonly flags: readonly string[];
  readonly identity: IdentityAttested | null;
}

export interface OriginationOffers {
  /** Stores a new offer; returns it. */
  create(terms: OfferTerms, createdBy: string, atMs: number): OriginationOffer;
  get(id: number): OriginationOffer | undefined;
  /** Every offer made to `borrower`, newest first. */
  ofBorrower(borrower: Address): OriginationOffer[];
  /** Offers in `state`, oldest first (at most `limit`). */
  inState(state: OfferState, limit: number): OriginationOffer[];
  /**
   * Up to `limit` originated offers with a verified identity commitment whose loan has no enrollment in the outbox
   * yet: what the registry reporter enrolls.
   */
  enrollable(limit: number): ({ loanId: bigint } & IdentityAttested)[];
  /** Records the borrower's signature; false when the offer already has one. */
  accept(id: number, signature: Hex): boolean;
  /** Records the notary's signature; false unless the offer waits for a notary. */
  notarize(id: number, notary: Address, signature: Hex): boolean;
}

interface OfferRow {
  id: bigint;
  template_id: bigint;
  principal: string;
  borrower: Address;
  lender: Address;
  document_hash: Hex;
  collateral_token: Address;
  collateral_amount: string;
  collateral_asset_hash: Hex;
  deadline: bigint;
  borrower_nonce: string;
  notary_nonce: string;
  borrower_signature: Hex | null;
  notary: Address | null;
  notary_signature: Hex | null;
  created_by: string;
  created_at_ms: bigint;
  loan_id: bigint | null;
  flags: string;
  identity: Hex | null;
  identity_notary: Address | null;
  identity_signature: Hex | null;
}

const stateOf = (row: OfferRow): OfferState => {
  if (row.loan_id !== null) return "originated";
  if (row.borrower_signature === null) return "awaitingBorrower";
  return row.notary_signature === null ? "awaitingNotary" : "ready";
};

const fromRow = (row: OfferRow): OriginationOffer => ({
  id: Number(row.id),
  templateId: row.template_id,
  principal: BigInt(row.principal),
  borrower: getAddress(row.borrower),
  lender: getAddress(row.lender),
  documentHash: row.document_hash,
  collateral: {
    token: getAddress(row.collateral_token),
    amountOrId: BigInt(row.collateral_amount),
    assetHash: row.collateral_asset_hash,
  },
  deadline: row.deadline,
  borrowerNonce: BigInt(row.borrower_nonce),
  notaryNonce: BigInt(row.notary_nonce),
  borrowerSignature: row.borrower_signature,
  notary: row.notary === null ? null : getAddress(row.notary),
  notarySignature: row.notary_signature,
  createdBy: row.created_by,
  createdAtMs: Number(row.created_at_ms),
  state: stateOf(row),
  loanId: row.loan_id,
  flags: JSON.parse(row.flags) as string[],
  identity:
    row.identity === null
      ? null
      : { commitment: row.identity, notary: row.identity_notary!, signature: row.identity_signature! },
});

/** The offers over `db` (safeIntegers on, as the store opens it). */
export function createOriginationOffers(db: SqlDatabase): OriginationOffers {
  // The loan an offer became: the LoanOriginated of its borrower with its document hash (addresses compared in
  // lower case, as events and offers may store them in either).
  const select = `SELECT o.*, (
      SELECT e.loan_id FROM events e WHERE e.name = 'LoanOriginated'
        AND lower(json_extract(e.args, '$.borrower')) = lower(o.borrower)
        AND lower(json_extract(e.args, '$.documentHash')) = lower(o.document_hash)
      ORDER BY e.block_number LIMIT 1) AS loan_id
    FROM origination_offers o`;
  const insert = db.prepare(
    `INSERT INTO origination_offers (template_id, principal, borrower, lender, document_hash, collateral_token,
       collateral_amount, collateral_asset_hash, deadline, borrower_nonce, notary_nonce, created_by, created_at_ms, flags,
       identity, identity_notary, identity_signature)
     VALUES (:templateId, :principal, :borrower, :lender, :documentHash, :collateralToken, :collateralAmount,
       :collateralAssetHash, :deadline, :borrowerNonce, :notaryNonce, :createdBy, :createdAtMs, :flags, :identity, :identityNotary,
       :identitySignature)
     RETURNING id`,
  );
  const selectOne = db.prepare(`${select} WHERE o.id = ?`);
  const selectOfBorrower = db.prepare(`${select} WHERE lower(o.borrower) = lower(?) ORDER BY o.id DESC`);
  const selectAll = db.prepare(`${select} ORDER BY o.id`);
  const selectEnrollable = db.prepare(
    `SELECT loan_id, identity, identity_notary, identity_signature FROM (${select} WHERE o.identity IS NOT NULL) offers
     WHERE loan_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.loan_id = offers.loan_id AND a.kind = 'enrollIdentity')
     ORDER BY loan_id LIMIT ?`,
  );
  const updateAcceptance = db.prepare(
    "UPDATE origination_offers SET borrower_signature = ? WHERE id = ? AND borrower_signature IS NULL",
  );
  const updateNotarization = db.prepare(
    `UPDATE origination_offers SET notary = ?, notary_signature = ?
     WHERE id = ? AND borrower_signature IS NOT NULL AND notary_signature IS NULL`,
  );
  const get = (id: number) => {
    const row = selectOne.get(id) as OfferRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  };
  return {
    create(terms, createdBy, atMs) {
      const { id } = insert.get({
        templateId: terms.templateId,
        principal: String(terms.principal),
        borrower: getAddress(terms.borrower),
        lender: getAddress(terms.lender),
        documentHash: terms.documentHash.toLowerCase(),
        collateralToken: getAddress(terms.collateral.token),
        collateralAmount: String(terms.collateral.amountOrId),
        collateralAssetHash: terms.collateral.assetHash.toLowerCase(),
        deadline: terms.deadline,
        borrowerNonce: String(terms.borrowerNonce),
        notaryNonce: String(terms.notaryNonce),
        createdBy,
        createdAtMs: atMs,
        flags: JSON.stringify(terms.flags ?? []),
        identity: terms.identity?.commitment ?? null,
        identityNotary: terms.identity ? getAddress(terms.identity.notary) : null,
        identitySignature: terms.identity?.signature ?? null,
      }) as { id: bigint };
      return get(Number(id))!;
    },
    get,
    ofBorrower: (borrower) => (selectOfBorrower.all(borrower) as OfferRow[]).map(fromRow),
    inState: (state, limit) =>
      (selectAll.all() as OfferRow[])
        .map(fromRow)
        .filter((offer) => offer.state === state)
        .slice(0, limit),
    enrollable: (limit) =>
      (
        selectEnrollable.all(limit) as {
          loan_id: bigint;
          identity: Hex;
          identity_notary: Address;
          identity_signature: Hex;
        }[]
      ).map((row) => ({
        loanId: BigInt(row.loan_id),
        commitment: row.identity,
        notary: row.identity_notary,
        signature: row.identity_signature,
      })),
    accept: (id, signature) => updateAcceptance.run(signature, id).changes === 1,
    notarize: (id, notary, signature) => updateNotarization.run(getAddress(notary), signature, id).changes === 1,
  };
}
