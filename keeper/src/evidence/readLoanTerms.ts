/**
 * The loan book's views of one loan at one block: its stored facts (`loanOf`), its template and custom plan, its
 * collateral, its enforcement case and commitment, its status and settlement, and the claim holder. Read at a fixed
 * block so that the verifier can read the same state again (an archive query on a real network).
 */
import type { Address, PublicClient } from "viem";
import { loanBookAbi } from "../abi/loanBook.ts";
import { toJsonValue, type JsonValue } from "./canonicalJson.ts";

export interface ReadLoanTermsParameters {
  readonly client: PublicClient;
  readonly loanBook: Address;
  readonly loanId: bigint;
  readonly blockNumber: bigint;
}

export interface LoanTerms {
  /** Each view's result, as JSON (bigints as strings). */
  readonly views: { readonly [view: string]: JsonValue };
  readonly borrower: Address;
  readonly lender: Address;
  readonly token: Address;
  readonly claimHolder: Address;
  /** The module LoanBook delegates the enforcement path and the views to. */
  readonly enforcementModule: Address;
}

/**
 * @example
 * const terms = await readLoanTerms({ client, loanBook, loanId: 7n, blockNumber: head });
 * terms.views.loanOf; // { borrower: "0x...", balance: "1000000000", ... }
 */
export async function readLoanTerms({
  client,
  loanBook,
  loanId,
  blockNumber,
}: ReadLoanTermsParameters): Promise<LoanTerms> {
  const read = <F extends string>(functionName: F, args: readonly unknown[]) =>
    client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName,
      args,
      blockNumber,
    } as never) as Promise<any>;
  const loan = await read("loanOf", [loanId]);
  const [template, plan, collateral, case_, commitment, status, settlement, claimHolder, module] = await Promise.all([
    read("templateOf", [BigInt(loan.templateId)]),
    read("planOf", [BigInt(loan.templateId)]),
    read("collateralOf", [loanId]),
    read("caseOf", [loanId]),
    read("commitmentOf", [loanId]),
    read("statusOf", [loanId]),
    read("settlementOf", [loanId]),
    read("ownerOf", [loanId]),
    read("enforcementModule", []),
  ]);
  return {
    views: {
      loanOf: toJsonValue(loan),
      templateOf: toJsonValue(template),
      planOf: toJsonValue(plan),
      collateralOf: toJsonValue(collateral),
      caseOf: toJsonValue(case_),
      commitmentOf: toJsonValue(commitment),
      statusOf: toJsonValue(status),
      settlementOf: toJsonValue({ settledAt: settlement[0], how: settlement[1] }),
    },
    borrower: loan.borrower,
    lender: template.lender,
    token: template.token,
    claimHolder,
    enforcementModule: module,
  };
}
