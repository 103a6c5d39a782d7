/**
 * The EIP-712 messages of the loan book, as viem typed data. The type strings these produce are tested against
 * the contract's typehash constants (test/unit/loanBookTypedData.test.ts), so a wallet, the keeper and the contract
 * can never disagree on what is signed.
 */
import type { Address, Hex } from "viem";

/** The EIP-712 domain of a LoanBook deployment. */
export function loanBookDomain(chainId: number, verifyingContract: Address) {
  return { name: "LoanBook", version: "1", chainId, verifyingContract } as const;
}

/** Collateral named in a borrower's acceptance (all zero when the template takes none). */
export interface CollateralTerms {
  token: Address;
  amountOrId: bigint;
  assetHash: Hex;
}

export const loanAcceptanceTypes = {
  LoanAcceptance: [
    { name: "templateId", type: "uint256" },
    { name: "principal", type: "uint256" },
    { name: "borrower", type: "address" },
    { name: "lender", type: "address" },
    { name: "documentHash", type: "bytes32" },
    { name: "collateral", type: "Collateral" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  Collateral: [
    { name: "token", type: "address" },
    { name: "amountOrId", type: "uint256" },
    { name: "assetHash", type: "bytes32" },
  ],
} as const;

export const notarizationTypes = {
  Notarization: loanAcceptanceTypes.LoanAcceptance,
  Collateral: loanAcceptanceTypes.Collateral,
} as const;

/** What the borrower accepts: the message of `LoanAcceptance`. */
export interface LoanAcceptance {
  templateId: bigint;
  principal: bigint;
  borrower: Address;
  lender: Address;
  documentHash: Hex;
  collateral: CollateralTerms;
  nonce: bigint;
  deadline: bigint;
}

/** What the notary notarizes: the message of `Notarization`, the same fields as the borrower's acceptance. */
export type Notarization = LoanAcceptance;

/**
 * The typed data a borrower signs with `eth_signTypedData_v4` (viem: `signTypedData`).
 *
 * @example
 * const signature = await borrower.signTypedData(loanAcceptanceTypedData(31337, book.address, message));
 */
export function loanAcceptanceTypedData(chainId: number, verifyingContract: Address, message: LoanAcceptance) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: loanAcceptanceTypes,
    primaryType: "LoanAcceptance",
    message,
  } as const;
}

/** The typed data a notary signs to notarize a loan. */
export function notarizationTypedData(chainId: number, verifyingContract: Address, message: Notarization) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: notarizationTypes,
    primaryType: "Notarization",
    message,
  } as const;
}

/** EIP-2612 `Permit`, signed for the loan's token so that `repayWithPermit` needs no prior approval. */
export const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
