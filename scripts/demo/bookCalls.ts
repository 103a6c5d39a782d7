/**
 * The transactions the demo's people send to the loan book and the token, as `TxRequest`s with fixed gas limits
 * (each well above what the call uses; `blockBatch.ts` explains why there are no estimates), and the reads they
 * make before acting.
 */
import {
  encodeFunctionData,
  maxUint256,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from "viem";
import { loanBookAbi, testTokenAbi } from "../../keeper/src/abi/loanBook.ts";
import type { TxRequest } from "./blockBatch.ts";
import type { TemplateParams } from "./templates.ts";

/** Gas limits: about twice what each call was measured to use on a cold slot. */
export const GAS = {
  publishTemplate: 400_000n,
  mint: 120_000n,
  approve: 100_000n,
  originate: 500_000n,
  repay: 250_000n,
  setAutoDebit: 100_000n,
  submitCommitment: 600_000n,
  fileObjection: 150_000n,
  resolveObjection: 200_000n,
  certify: 250_000n,
  sendEth: 21_000n,
} as const;

export interface SignedApproval {
  signer: Address;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

/** A party acting by its own transaction (the contract reads `msg.sender`, not a signature). */
export const ownCall = (signer: Address): SignedApproval => ({ signer, nonce: 0n, deadline: 0n, signature: "0x" });

export interface OriginationParams {
  templateId: bigint;
  principal: bigint;
  documentHash: Hex;
  collateral: { token: Address; amountOrId: bigint; assetHash: Hex };
  borrower: SignedApproval;
  notary: SignedApproval;
}

export interface CommitmentParams {
  loanId: bigint;
  dueTimes: bigint[];
  amounts: bigint[];
}

export function createBookCalls(loanBook: Address, token: Address) {
  const book = (from: PrivateKeyAccount, gas: bigint, label: string, data: Hex): TxRequest => ({
    from,
    to: loanBook,
    data,
    gas,
    label,
  });
  const call = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: loanBookAbi, functionName, args } as never);

  return {
    publishTemplate: (lender: PrivateKeyAccount, params: TemplateParams) =>
      book(lender, GAS.publishTemplate, "publishTemplate", call("publishTemplate", [params, [], []])),
    /** Ether for gas, by a plain transfer (a transaction, so that a second node replaying the chain sees it too). */
    sendEth: (from: PrivateKeyAccount, to: Address, wei: bigint): TxRequest => ({
      from,
      to,
      data: "0x",
      value: wei,
      gas: GAS.sendEth,
      label: `send ether to ${to}`,
    }),
    mint: (from: PrivateKeyAccount, to: Address, amount: bigint): TxRequest => ({
      from,
      to: token,
      data: encodeFunctionData({ abi: testTokenAbi, functionName: "mint", args: [to, amount] }),
      gas: GAS.mint,
      label: `mint to ${to}`,
    }),
    approveBook: (owner: PrivateKeyAccount): TxRequest => ({
      from: owner,
      to: token,
      data: encodeFunctionData({ abi: testTokenAbi, functionName: "approve", args: [loanBook, maxUint256] }),
      gas: GAS.approve,
      label: `approve by ${owner.address}`,
    }),
    originate: (lender: PrivateKeyAccount, params: OriginationParams, label: string) =>
      book(lender, GAS.originate, `originate ${label}`, call("originate", [params])),
    repay: (payer: PrivateKeyAccount, loanId: bigint, amount: bigint) =>
      book(payer, GAS.repay, `repay loan ${loanId}`, call("repay", [loanId, amount])),
    setAutoDebit: (borrower: PrivateKeyAccount, loanId: bigint) =>
      book(borrower, GAS.setAutoDebit, `setAutoDebit loan ${loanId}`, call("setAutoDebit", [loanId, true])),
    submitCommitment: (sender: PrivateKeyAccount, params: CommitmentParams, borrower: SignedApproval) =>
      book(
        sender,
        GAS.submitCommitment,
        `submitCommitment loan ${params.loanId}`,
        call("submitCommitment", [params, borrower]),
      ),
    fileObjection: (borrower: PrivateKeyAccount, loanId: bigint, evidenceHash: Hex) =>
      book(borrower, GAS.fileObjection, `fileObjection loan ${loanId}`, call("fileObjection", [loanId, evidenceHash])),
    resolveObjection: (resolver: PrivateKeyAccount, loanId: bigint, upheld: boolean, decisionHash: Hex) =>
      book(
        resolver,
        GAS.resolveObjection,
        `resolveObjection loan ${loanId}`,
        call("resolveObjection", [loanId, upheld, decisionHash]),
      ),
    certify: (
      notary: PrivateKeyAccount,
      params: { loanId: bigint; debtInstrumentHash: Hex; defaultProofHash: Hex; identityProofHash: Hex },
    ) => book(notary, GAS.certify, `certify loan ${params.loanId}`, call("certify", [params, ownCall(notary.address)])),
  };
}

export type BookCalls = ReturnType<typeof createBookCalls>;

/** What loan `loanId` owes, read at `blockTag` (the next block's time after `BlockBatcher.open`). */
export async function readOwed(
  client: PublicClient,
  loanBook: Address,
  loanId: bigint,
  blockTag: "pending" | "latest",
) {
  const read = (functionName: "amountDue" | "payoffAmount") =>
    client.readContract({ address: loanBook, abi: loanBookAbi, functionName, args: [loanId], blockTag });
  const [amountDue, payoff, current] = await Promise.all([
    read("amountDue"),
    read("payoffAmount"),
    client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: "currentInstallment",
      args: [loanId],
      blockTag,
    }),
  ]);
  const installment = current.principal + current.interest + current.penalty - current.paid;
  return { amountDue, payoff, installment, installmentNumber: Number(current.number) };
}
