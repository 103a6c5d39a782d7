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

/** `/app/config.json`: how amounts are written, and the chain and LoanBook the wallet writes to (null: read only). */
export interface DisplayJson {
  readonly tokenDecimals: number;
  readonly currency: string;
  readonly chainId: number | null;
  readonly loanBook: Address | null;
}

/** A refusal from the keeper: the HTTP status, and the `error.code` and `error.message` of its JSON body. */
export class ApiError extends Error {
  readonly path: string;
  readonly status: number;
  readonly code: string | null;
  constructor(path: string, status: number, code: string | null = null, message: string | null = null) {
    super(message === null ? `${path}: HTTP ${status}` : `${message} (HTTP ${status})`);
    this.name = "ApiError";
    this.path = path;
    this.status = status;
    this.code = code;
  }
}

async function answer<T>(path: string, response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  if (response.ok) return (await response.json()) as T;
  const body = (await response.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof body?.error?.code === "string" ? body.error.code : null;
  const message = typeof body?.error?.message === "string" ? body.error.message : null;
  throw new ApiError(path, response.status, code, message);
}

/** GETs a JSON document from the keeper (same origin; the session cookie goes with it). */
export async function getJson<T>(path: string): Promise<T> {
  return answer(path, await fetch(path, { headers: { accept: "application/json" } }));
}

/** Sends `body` as JSON to the keeper with `method` (POST by default) and reads the JSON answer. */
export async function sendJson<T>(path: string, body: unknown, method: "POST" | "PUT" = "POST"): Promise<T> {
  const headers = { accept: "application/json", "content-type": "application/json" };
  return answer(path, await fetch(path, { method, headers, body: JSON.stringify(body) }));
}

export const listLoans = (query: Readonly<Record<string, string>>): Promise<LoanPageJson> =>
  getJson(`/api/loans?${new URLSearchParams(query)}`);

export const loanDetail = (id: string): Promise<LoanDetailJson> => getJson(`/api/loans/${encodeURIComponent(id)}`);

/** The signed-in borrower's loans (`/api/me/loans`: its own only). */
export const myLoans = (): Promise<LoanPageJson> => getJson("/api/me/loans?limit=100");

/** One of the signed-in address's loans; 403 for anyone else's. */
export const myLoanDetail = (id: string): Promise<LoanDetailJson> => getJson(`/api/me/loans/${encodeURIComponent(id)}`);

export const displaySettings = (): Promise<DisplayJson> => getJson("/app/config.json");

/** The first installment not paid in full, and what is left of it; null when all are paid. */
export function nextDue(installments: readonly InstallmentJson[]): { dueTime: bigint; amount: bigint } | null {
  for (const installment of installments) {
    const left = BigInt(installment.principal) + BigInt(installment.interest) - BigInt(installment.paid);
    if (left > 0n) return { dueTime: BigInt(installment.dueTime), amount: left };
  }
  return null;
}
