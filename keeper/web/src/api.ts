/** The keeper's JSON API as the app reads it: bigints arrive as decimal strings, statuses as names. */
import type { Address } from "viem";

export interface LoanJson {
  readonly id: string;
  readonly templateId: string;
  readonly borrower: Address;
  readonly claimHolder: Address;
  readonly principal: string;
  readonly status: string;
  readonly stage: number;
  readonly nextDueTime: string | null;
  readonly defaultEligibleAt: string | null;
}

export interface LoanPageJson {
  readonly loans: readonly LoanJson[];
  readonly total: number;
  readonly asOf: string;
}

export interface InstallmentJson {
  readonly number: number;
  readonly dueTime: string;
  readonly principal: string;
  readonly interest: string;
  readonly paid: string;
}

export interface LoanDetailJson {
  readonly loan: LoanJson;
  readonly installments: readonly InstallmentJson[];
  readonly asOf: string;
}

export interface DisplayJson {
  readonly tokenDecimals: number;
  readonly currency: string;
}

export class ApiError extends Error {
  readonly path: string;
  readonly status: number;
  constructor(path: string, status: number) {
    super(`${path}: HTTP ${status}`);
    this.name = "ApiError";
    this.path = path;
    this.status = status;
  }
}

/** GETs a JSON document from the keeper (same origin). */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw new ApiError(path, response.status);
  return (await response.json()) as T;
}

export const listLoans = (query: Readonly<Record<string, string>>): Promise<LoanPageJson> =>
  getJson(`/api/loans?${new URLSearchParams(query)}`);

export const loanDetail = (id: string): Promise<LoanDetailJson> => getJson(`/api/loans/${encodeURIComponent(id)}`);

export const displaySettings = (): Promise<DisplayJson> => getJson("/app/config.json");

/** The first installment not paid in full, and what is left of it; null when all are paid. */
export function nextDue(installments: readonly InstallmentJson[]): { dueTime: bigint; amount: bigint } | null {
  for (const installment of installments) {
    const left = BigInt(installment.principal) + BigInt(installment.interest) - BigInt(installment.paid);
    if (left > 0n) return { dueTime: BigInt(installment.dueTime), amount: left };
  }
  return null;
}
