/**
 * Shared test helpers for the schedule math: converting between the TypeScript mirror's terms and the Solidity
 * harness's ABI values, reading the shared vectors, and calling the harness so that a revert becomes its error name.
 */
import { readFileSync } from "node:fs";
import { BaseError, ContractFunctionRevertedError } from "viem";

import { kindId, type Installment, type ScheduleTerms } from "../../keeper/src/core/scheduleMath.ts";
import type { PenaltyTerms } from "../../keeper/src/core/penaltyMath.ts";

/** Solidity's `Schedule.Terms` as viem encodes it. */
export function toSolidityTerms(terms: ScheduleTerms) {
  return {
    kind: kindId(terms.kind),
    principal: terms.principal,
    rateBps: terms.rateBps,
    intervalSeconds: terms.intervalSeconds,
    count: terms.count,
    dueOffsets: [...terms.dueOffsets],
    principals: [...terms.principals],
  };
}

/** The three facts both sides compute for a row: [dueOffset, principal, interest]. */
export type Row = readonly [number, bigint, bigint];

export function rowsOf(table: readonly Installment[]): Row[] {
  return table.map((row) => [row.dueOffset, row.principal, row.interest] as const);
}

export function rowsOfSolidity(table: readonly { dueOffset: number; principal: bigint; interest: bigint }[]): Row[] {
  return table.map((row) => [row.dueOffset, row.principal, row.interest] as const);
}

interface VectorFile {
  schedules: {
    name: string;
    source: string;
    terms: Omit<ScheduleTerms, "principal" | "principals"> & { principal: string; principals: string[] };
    rows: [number, string, string][];
  }[];
  penalties: {
    name: string;
    source: string;
    terms: Omit<PenaltyTerms, "flatFee"> & { flatFee: string };
    unpaid: string;
    dueTime: number;
    asOf: number;
    penalty: string;
  }[];
}

/** The shared vectors of test/vectors/vectors.json, with amounts as bigints. */
export function loadVectors() {
  const file = JSON.parse(readFileSync(new URL("../vectors/vectors.json", import.meta.url), "utf8")) as VectorFile;
  return {
    schedules: file.schedules.map((vector) => ({
      name: vector.name,
      terms: {
        ...vector.terms,
        principal: BigInt(vector.terms.principal),
        principals: vector.terms.principals.map(BigInt),
      } satisfies ScheduleTerms,
      rows: vector.rows.map(([due, principal, interest]) => [due, BigInt(principal), BigInt(interest)] as const),
    })),
    penalties: file.penalties.map((vector) => ({
      name: vector.name,
      terms: { ...vector.terms, flatFee: BigInt(vector.terms.flatFee) } satisfies PenaltyTerms,
      unpaid: BigInt(vector.unpaid),
      dueTime: vector.dueTime,
      asOf: vector.asOf,
      penalty: BigInt(vector.penalty),
    })),
  };
}

/** The custom error (name and arguments) a contract call reverted with, or undefined for any other error. */
export function customErrorOf(error: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
    return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
  }
  return undefined;
}

/** Runs `call`; returns `{ value }`, or `{ errorName }` when the contract reverted with a custom error. */
export async function outcomeOf<T>(call: () => Promise<T>): Promise<{ value: T } | { errorName: string }> {
  try {
    return { value: await call() };
  } catch (error) {
    const reverted = customErrorOf(error);
    if (reverted) return { errorName: reverted.errorName };
    throw error;
  }
}
