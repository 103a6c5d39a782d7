/**
 * Helpers of the enforcement path's tests, on top of `loanBookFixture.ts`: a loan brought into default, and the
 * notary's, borrower's, claim holder's and bank's EIP-712 signatures of the enforcement messages, made the way their
 * wallets and the keeper make them (keeper/src/core/typedData.ts).
 */
import { hashStruct, keccak256, toHex, type Hex } from "viem";

import {
  bankPaymentTypedData,
  commitmentAcceptanceTypedData,
  executionCertificateTypedData,
  repaymentCommitmentTypedData,
  repaymentCommitmentTypes,
} from "../../keeper/src/core/typedData.ts";
import { DAY, originateLoan, type LoanBookFixture, type OriginationOptions } from "./loanBookFixture.ts";

type Wallet = LoanBookFixture["lender"];

/** An enforcement message's signature with its (unordered) nonce and deadline, as `SignedApproval`. */
export interface Approval {
  signer: Hex;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

/** A hash standing for a document's bytes (the contract only ever sees hashes). */
export function evidence(label: string): Hex {
  return keccak256(toHex(label));
}

/** The time of the latest block. */
export async function now(fixture: LoanBookFixture): Promise<bigint> {
  return (await fixture.publicClient.getBlock()).timestamp;
}

/** Originates a loan (fixture's template 1 by default), lets it run late until its default trigger holds, and
 * declares the default from the stranger's account; returns its id and when it was declared. */
export async function defaultedLoan(fixture: LoanBookFixture, options: OriginationOptions = {}) {
  const loanId = await originateLoan(fixture, options);
  const eligibleAt = await fixture.book.read.defaultEligibleAt([loanId]);
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt);
  await fixture.book.write.declareDefault([loanId], { account: fixture.stranger.account });
  return { loanId, defaultedAt: eligibleAt };
}

/** The three documents' hashes of an execution certificate application for loan `loanId`. */
export function certificateParams(loanId: bigint) {
  return {
    loanId,
    debtInstrumentHash: evidence(`notarized debt instrument of loan ${loanId}`),
    defaultProofHash: evidence(`proof of default of loan ${loanId}`),
    identityProofHash: evidence(`identity proof of the borrower of loan ${loanId}`),
  };
}

/** The notary's signed `ExecutionCertificate` of `params`. */
export async function signCertificate(
  fixture: LoanBookFixture,
  params: ReturnType<typeof certificateParams>,
  options: { notary?: Wallet; nonce?: bigint; deadline?: bigint } = {},
): Promise<Approval> {
  const notary = options.notary ?? fixture.notary;
  const nonce = options.nonce ?? 1n;
  const deadline = options.deadline ?? (await now(fixture)) + 3_600n;
  const signature = await notary.signTypedData(
    executionCertificateTypedData(fixture.chainId, fixture.book.address, { ...params, nonce, deadline }),
  );
  return { signer: notary.account.address, nonce, deadline, signature };
}

/** Certifies loan `loanId`'s default by the notary's own transaction; returns the certificate id. */
export async function certifyLoan(fixture: LoanBookFixture, loanId: bigint): Promise<Hex> {
  const params = certificateParams(loanId);
  const approval = await signCertificate(fixture, params);
  await fixture.book.write.certify([params, approval], { account: fixture.notary.account });
  return (await fixture.book.read.caseOf([loanId])).certificateId;
}

/** A commitment plan: `count` installments every `intervalDays` from `start`, splitting `total` evenly (the first
 * installment takes the remainder). */
export function commitmentPlan(loanId: bigint, total: bigint, start: bigint, count: number, intervalDays = 30) {
  const part = total / BigInt(count);
  const amounts = Array.from({ length: count }, (_, i) => (i === 0 ? total - part * BigInt(count - 1) : part));
  const dueTimes = Array.from({ length: count }, (_, i) => start + BigInt((i + 1) * intervalDays * DAY));
  return { loanId, dueTimes, amounts };
}

export type CommitmentParams = ReturnType<typeof commitmentPlan>;

/** The borrower's signed `RepaymentCommitment` of `plan`, and its EIP-712 struct hash (what the claim holder
 * accepts). */
export async function signCommitment(
  fixture: LoanBookFixture,
  plan: CommitmentParams,
  options: { borrower?: Wallet; nonce?: bigint; deadline?: bigint } = {},
): Promise<{ approval: Approval; commitmentHash: Hex }> {
  const borrower = options.borrower ?? fixture.borrower;
  const nonce = options.nonce ?? 1n;
  const deadline = options.deadline ?? (await now(fixture)) + 3_600n;
  const message = { ...plan, nonce, deadline };
  const signature = await borrower.signTypedData(
    repaymentCommitmentTypedData(fixture.chainId, fixture.book.address, message),
  );
  const commitmentHash = hashStruct({
    data: message,
    types: repaymentCommitmentTypes,
    primaryType: "RepaymentCommitment",
  });
  return { approval: { signer: borrower.account.address, nonce, deadline, signature }, commitmentHash };
}

/** The claim holder's signed `CommitmentAcceptance` of the commitment `commitmentHash`, waiving `penaltyWaived`. */
export async function signAcceptance(
  fixture: LoanBookFixture,
  loanId: bigint,
  commitmentHash: Hex,
  penaltyWaived: bigint,
  options: { holder?: Wallet; nonce?: bigint; deadline?: bigint } = {},
): Promise<Approval> {
  const holder = options.holder ?? fixture.lender;
  const nonce = options.nonce ?? 1n;
  const deadline = options.deadline ?? (await now(fixture)) + 3_600n;
  const signature = await holder.signTypedData(
    commitmentAcceptanceTypedData(fixture.chainId, fixture.book.address, {
      loanId,
      commitmentHash,
      penaltyWaived,
      nonce,
      deadline,
    }),
  );
  return { signer: holder.account.address, nonce, deadline, signature };
}

/** An empty `SignedApproval` (for a party that acts by its own transaction). */
export const NO_APPROVAL: Approval = {
  signer: "0x0000000000000000000000000000000000000000",
  nonce: 0n,
  deadline: 0n,
  signature: "0x",
};

/** The keccak256 a bank feed gives a bank transaction: the bank's identifier and its reference. */
export function bankReference(bank: string, reference: string): Hex {
  return keccak256(toHex(`${bank}:${reference}`));
}

/** A `BankPayment` attestation signed by `signer` (a registered bank-feed signer of the loan's lender). */
export async function signBankPayment(
  fixture: LoanBookFixture,
  signer: Wallet,
  payment: { loanId: bigint; amount: bigint; bankReferenceHash: Hex; paidAt: bigint; deadline?: bigint },
) {
  const deadline = payment.deadline ?? (await now(fixture)) + 7n * BigInt(DAY);
  const message = { ...payment, deadline };
  const signature = await signer.signTypedData(bankPaymentTypedData(fixture.chainId, fixture.book.address, message));
  return { ...message, signer: signer.account.address, signature };
}
