/**
 * Loan offers as the keeper serves them (`/api/me/offers`, `/api/notary/offers`), and the EIP-712 terms both
 * signatures sign: the borrower's `LoanAcceptance` with its nonce, the notary's `Notarization` with its own.
 */
import type { Address, Hex } from "viem";
import type { LoanAcceptance } from "../../src/core/typedData.ts";

export interface OfferJson {
  readonly id: number;
  readonly templateId: string;
  readonly principal: string;
  readonly borrower: Address;
  readonly lender: Address;
  readonly documentHash: Hex;
  readonly collateral: { readonly token: Address; readonly amountOrId: string; readonly assetHash: Hex };
  readonly deadline: string;
  readonly borrowerNonce: string;
  readonly notaryNonce: string;
  readonly state: "awaitingBorrower" | "awaitingNotary" | "ready" | "originated";
  readonly loanId: string | null;
  readonly borrowerSignature: Hex | null;
  readonly notary: Address | null;
  readonly notarySignature: Hex | null;
}

/** `originate`'s argument for a ready offer: the terms with both signatures as the keeper checked them. */
export function originationParams(offer: OfferJson) {
  if (offer.borrowerSignature === null || offer.notary === null || offer.notarySignature === null)
    throw new Error(`Offer ${offer.id} is not ready: ${offer.state}`);
  const deadline = BigInt(offer.deadline);
  return {
    templateId: BigInt(offer.templateId),
    principal: BigInt(offer.principal),
    documentHash: offer.documentHash,
    collateral: { ...offer.collateral, amountOrId: BigInt(offer.collateral.amountOrId) },
    borrower: {
      signer: offer.borrower,
      nonce: BigInt(offer.borrowerNonce),
      deadline,
      signature: offer.borrowerSignature,
    },
    notary: { signer: offer.notary, nonce: BigInt(offer.notaryNonce), deadline, signature: offer.notarySignature },
  };
}

/** The signed terms of `offer` with `nonce` (the borrower's or the notary's). */
export const offerTerms = (offer: OfferJson, nonce: string): LoanAcceptance => ({
  templateId: BigInt(offer.templateId),
  principal: BigInt(offer.principal),
  borrower: offer.borrower,
  lender: offer.lender,
  documentHash: offer.documentHash,
  collateral: { ...offer.collateral, amountOrId: BigInt(offer.collateral.amountOrId) },
  nonce: BigInt(nonce),
  deadline: BigInt(offer.deadline),
});
