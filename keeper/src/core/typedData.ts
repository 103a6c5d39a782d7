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

/*//////////////////////////////////////////////////////////////
                 The enforcement path's messages
//////////////////////////////////////////////////////////////*/

export const executionCertificateTypes = {
  ExecutionCertificate: [
    { name: "loanId", type: "uint256" },
    { name: "debtInstrumentHash", type: "bytes32" },
    { name: "defaultProofHash", type: "bytes32" },
    { name: "identityProofHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** What a notary certifies: a declared default and the three documents the lender applied with. */
export interface ExecutionCertificate {
  loanId: bigint;
  debtInstrumentHash: Hex;
  defaultProofHash: Hex;
  identityProofHash: Hex;
  nonce: bigint;
  deadline: bigint;
}

/** The typed data a notary signs to certify a default (enforcement messages use unordered nonces). */
export function executionCertificateTypedData(
  chainId: number,
  verifyingContract: Address,
  message: ExecutionCertificate,
) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: executionCertificateTypes,
    primaryType: "ExecutionCertificate",
    message,
  } as const;
}

export const repaymentCommitmentTypes = {
  RepaymentCommitment: [
    { name: "loanId", type: "uint256" },
    { name: "dueTimes", type: "uint256[]" },
    { name: "amounts", type: "uint256[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A borrower's repayment commitment: installment i of amounts[i] due at dueTimes[i] (seconds). */
export interface RepaymentCommitment {
  loanId: bigint;
  dueTimes: bigint[];
  amounts: bigint[];
  nonce: bigint;
  deadline: bigint;
}

/** The typed data a borrower signs in their wallet to propose a repayment commitment. */
export function repaymentCommitmentTypedData(
  chainId: number,
  verifyingContract: Address,
  message: RepaymentCommitment,
) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: repaymentCommitmentTypes,
    primaryType: "RepaymentCommitment",
    message,
  } as const;
}

export const commitmentAcceptanceTypes = {
  CommitmentAcceptance: [
    { name: "loanId", type: "uint256" },
    { name: "commitmentHash", type: "bytes32" },
    { name: "penaltyWaived", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The claim holder's acceptance of a commitment: `commitmentHash` is the borrower's EIP-712 struct hash
 * (viem: `hashStruct({ data: message, types: repaymentCommitmentTypes, primaryType: "RepaymentCommitment" })`). */
export interface CommitmentAcceptance {
  loanId: bigint;
  commitmentHash: Hex;
  penaltyWaived: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** The typed data a claim holder signs to accept a commitment, waiving `penaltyWaived` of accrued penalty. */
export function commitmentAcceptanceTypedData(
  chainId: number,
  verifyingContract: Address,
  message: CommitmentAcceptance,
) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: commitmentAcceptanceTypes,
    primaryType: "CommitmentAcceptance",
    message,
  } as const;
}

export const bankPaymentTypes = {
  BankPayment: [
    { name: "loanId", type: "uint256" },
    { name: "amount", type: "uint256" },
    { name: "bankReferenceHash", type: "bytes32" },
    { name: "paidAt", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** A payment the borrower made at the lender's bank, as a bank-feed signer attests it. `bankReferenceHash` is the
 * keccak256 of the bank's identifier and its transaction reference; `paidAt` the time booked at the bank. */
export interface BankPaymentAttestation {
  loanId: bigint;
  amount: bigint;
  bankReferenceHash: Hex;
  paidAt: bigint;
  deadline: bigint;
}

/** The typed data a lender's bank-feed signer signs for `recordBankPayment`. */
export function bankPaymentTypedData(chainId: number, verifyingContract: Address, message: BankPaymentAttestation) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: bankPaymentTypes,
    primaryType: "BankPayment",
    message,
  } as const;
}

/*//////////////////////////////////////////////////////////////
                 The origination checks' messages
//////////////////////////////////////////////////////////////*/

/**
 * A notary's word that `borrower` was identified with the identity commitment `identity` (`identityCommitment.ts`).
 * Checked by the keeper's origination API only (no contract verifies it), in the LoanBook's domain so that a
 * signature for one book or chain is worth nothing on another.
 */
export const identityAttestationTypes = {
  IdentityAttestation: [
    { name: "borrower", type: "address" },
    { name: "identity", type: "bytes32" },
  ],
} as const;

export interface IdentityAttestation {
  borrower: Address;
  identity: Hex;
}

/** The typed data a notary registered on the book signs to attest a borrower's identity commitment. */
export function identityAttestationTypedData(
  chainId: number,
  verifyingContract: Address,
  message: IdentityAttestation,
) {
  return {
    domain: loanBookDomain(chainId, verifyingContract),
    types: identityAttestationTypes,
    primaryType: "IdentityAttestation",
    message,
  } as const;
}
