/**
 * The parties' approvals a loan book transaction carries in its calldata, each with the full EIP-712 typed data it
 * signs, rebuilt from the decoded arguments with `core/typedData.ts` exactly as the contract hashes them:
 * `originate` (the borrower's `LoanAcceptance`, the notary's `Notarization`), `certify` (`ExecutionCertificate`),
 * `submitCommitment` / `acceptCommitment` (`RepaymentCommitment`, `CommitmentAcceptance`) and
 * `recordBankPayment(s)` (`BankPayment`). A party who sends the transaction itself signs nothing: the contract
 * takes the sender as its approval, and so does the package (`ownTransaction`). Pure: no node.
 */
import { decodeFunctionData, hashStruct, type Address, type Hex } from "viem";
import { loanBookAbi } from "../abi/loanBook.ts";
import {
  bankPaymentTypedData,
  commitmentAcceptanceTypedData,
  executionCertificateTypedData,
  loanAcceptanceTypedData,
  notarizationTypedData,
  repaymentCommitmentTypes,
  repaymentCommitmentTypedData,
} from "../core/typedData.ts";
import { toJsonValue } from "./canonicalJson.ts";
import type { ManifestSignature, SignatureKind } from "./manifest.ts";

export interface ApprovalsInCallParameters {
  readonly chainId: number;
  readonly loanBook: Address;
  readonly loanId: bigint;
  readonly transactionHash: Hex;
  /** The transaction's sender. */
  readonly from: Address;
  /** The transaction's calldata. */
  readonly input: Hex;
}

interface Approval {
  signer: Address;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

type TypedData = { primaryType: SignatureKind } & Record<string, unknown>;

/**
 * The approvals in one call to the loan book about loan `loanId` (none for a call that carries none, or calldata the
 * ABI does not decode). A batch's bank payments for other loans are left out.
 *
 * @example
 * approvalsInCall({ chainId, loanBook, loanId: 1n, transactionHash, from: lender, input });
 * // [{ kind: "LoanAcceptance", signer: borrower, ... }, { kind: "Notarization", signer: notary, ... }]
 */
export function approvalsInCall(parameters: ApprovalsInCallParameters): ManifestSignature[] {
  const { chainId, loanBook, loanId, transactionHash, from, input } = parameters;
  let call;
  try {
    call = decodeFunctionData({ abi: loanBookAbi, data: input });
  } catch {
    return [];
  }
  const approval = (kind: SignatureKind, party: Approval, typedData: TypedData, ownCall: boolean) =>
    ownCall
      ? { kind, transactionHash, signer: from, ownTransaction: true, signature: null, typedData: null }
      : {
          kind,
          transactionHash,
          signer: party.signer,
          ownTransaction: false,
          signature: party.signature,
          typedData: toJsonValue(typedData),
        };
  /** Whether `party` sent the transaction: its own call is its approval, the contract reads no signature. */
  const sentBy = (party: Approval) => party.signer.toLowerCase() === from.toLowerCase();
  const args = call.args as readonly any[];

  switch (call.functionName) {
    case "originate": {
      const [params] = args;
      const terms = (party: Approval) => ({
        templateId: params.templateId,
        principal: params.principal,
        borrower: params.borrower.signer,
        lender: from,
        documentHash: params.documentHash,
        collateral: params.collateral,
        nonce: party.nonce,
        deadline: party.deadline,
      });
      const found: ManifestSignature[] = [
        approval(
          "LoanAcceptance",
          params.borrower,
          loanAcceptanceTypedData(chainId, loanBook, terms(params.borrower)),
          false,
        ),
      ];
      // A template without a notary ignores the notary's approval, which may be empty.
      if (params.notary.signature !== "0x") {
        found.push(
          approval(
            "Notarization",
            params.notary,
            notarizationTypedData(chainId, loanBook, terms(params.notary)),
            false,
          ),
        );
      }
      return found;
    }
    case "certify": {
      const [params, notary] = args;
      if (params.loanId !== loanId) return [];
      const message = {
        loanId: params.loanId,
        debtInstrumentHash: params.debtInstrumentHash,
        defaultProofHash: params.defaultProofHash,
        identityProofHash: params.identityProofHash,
        nonce: notary.nonce,
        deadline: notary.deadline,
      };
      return [
        approval(
          "ExecutionCertificate",
          notary,
          executionCertificateTypedData(chainId, loanBook, message),
          sentBy(notary),
        ),
      ];
    }
    case "submitCommitment":
    case "acceptCommitment": {
      const [params, borrower, claimHolder, penaltyWaived] = args;
      if (params.loanId !== loanId) return [];
      const commitment = {
        loanId: params.loanId,
        dueTimes: [...params.dueTimes],
        amounts: [...params.amounts],
        nonce: borrower.nonce,
        deadline: borrower.deadline,
      };
      const found: ManifestSignature[] = [
        approval(
          "RepaymentCommitment",
          borrower,
          repaymentCommitmentTypedData(chainId, loanBook, commitment),
          sentBy(borrower),
        ),
      ];
      if (call.functionName === "acceptCommitment") {
        const commitmentHash = hashStruct({
          data: commitment,
          types: repaymentCommitmentTypes,
          primaryType: "RepaymentCommitment",
        });
        const message = {
          loanId: params.loanId,
          commitmentHash,
          penaltyWaived,
          nonce: claimHolder.nonce,
          deadline: claimHolder.deadline,
        };
        found.push(
          approval(
            "CommitmentAcceptance",
            claimHolder,
            commitmentAcceptanceTypedData(chainId, loanBook, message),
            // The claim holder's own call may name no signer at all.
            sentBy(claimHolder) || claimHolder.signature === "0x",
          ),
        );
      }
      return found;
    }
    case "recordBankPayment":
    case "recordBankPayments": {
      const payments = call.functionName === "recordBankPayment" ? [args[0]] : [...args[0]];
      return payments
        .filter((payment) => payment.loanId === loanId)
        .map((payment) =>
          approval(
            "BankPayment",
            payment,
            bankPaymentTypedData(chainId, loanBook, {
              loanId: payment.loanId,
              amount: payment.amount,
              bankReferenceHash: payment.bankReferenceHash,
              paidAt: payment.paidAt,
              deadline: payment.deadline,
            }),
            false,
          ),
        );
    }
    default:
      return [];
  }
}
