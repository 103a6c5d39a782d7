/**
 * Turns the loan book's raw logs into the store's records: every log as an event, repayments as payments, and the
 * loans each log concerns.
 */
import { decodeEventLog, type Hash, type Log } from "viem";
import { loanBookAbi } from "../../abi/loanBook.ts";
import type { InsertEventParameters, InsertPaymentParameters } from "../store/types.ts";

export interface DecodedLog {
  readonly event: InsertEventParameters;
  readonly payment: InsertPaymentParameters | null;
  /** `BankPaymentRecorded`: the bank reference hash the chain credited. */
  readonly bankReferenceHash: Hash | null;
}

/** Decodes one log of the loan book; null for a log it does not know (another contract's, or a newer event). */
export function decodeLoanBookLog(log: Log): DecodedLog | null {
  if (log.blockNumber === null || log.blockHash === null || log.transactionHash === null || log.logIndex === null) {
    return null; // pending
  }
  let decoded;
  try {
    decoded = decodeEventLog({ abi: loanBookAbi, data: log.data, topics: log.topics, strict: true });
  } catch {
    return null;
  }
  const args = (decoded.args ?? {}) as Record<string, unknown>;
  // The claim token's Transfer names the loan as its token id: a new claim holder.
  const rawLoanId = decoded.eventName === "Transfer" ? args.tokenId : args.loanId;
  const loanId = typeof rawLoanId === "bigint" ? rawLoanId : null;
  const position = { blockNumber: log.blockNumber, txHash: log.transactionHash, logIndex: log.logIndex };
  const event: InsertEventParameters = {
    ...position,
    blockHash: log.blockHash,
    address: log.address,
    name: decoded.eventName,
    loanId,
    args,
  };
  let payment: InsertPaymentParameters | null = null;
  if (decoded.eventName === "RepaymentMade" && loanId !== null) {
    const a = args as {
      payer: `0x${string}`;
      penaltyPaid: bigint;
      interestPaid: bigint;
      principalPaid: bigint;
      prepaid: bigint;
    };
    payment = {
      ...position,
      loanId,
      payer: a.payer,
      // `principalPaid` includes what was prepaid.
      amount: a.penaltyPaid + a.interestPaid + a.principalPaid,
      penaltyPaid: a.penaltyPaid,
      interestPaid: a.interestPaid,
      principalPaid: a.principalPaid,
      prepaid: a.prepaid,
    };
  } else if (decoded.eventName === "DebtRepaid" && loanId !== null) {
    // A restructured debt has no interest or penalty: the whole amount pays it down.
    const a = args as { payer: `0x${string}`; amount: bigint };
    payment = {
      ...position,
      loanId,
      payer: a.payer,
      amount: a.amount,
      penaltyPaid: 0n,
      interestPaid: 0n,
      principalPaid: a.amount,
      prepaid: 0n,
    };
  }
  const bankReferenceHash =
    decoded.eventName === "BankPaymentRecorded"
      ? ((args as { bankReferenceHash: Hash }).bankReferenceHash ?? null)
      : null;
  return { event, payment, bankReferenceHash };
}
