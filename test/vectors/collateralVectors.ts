/**
 * test/vectors/collateral.json, typed: the vectors contracts/libraries/CollateralMath.sol and its TypeScript mirror
 * keeper/src/core/collateralMath.ts must both reproduce (test/unit/collateralMathVectors.test.ts checks both;
 * keeper/src/core/collateralMath.test.ts the mirror alone, without a chain).
 */
import { readFileSync } from "node:fs";

export interface CollateralVectors {
  feedValue: {
    name: string;
    amount: string;
    answer: string;
    collateralDecimals: number | string;
    feedDecimals: number | string;
    loanDecimals: number | string;
    value?: string;
    error?: { name: string; args: string[] };
  }[];
  thresholds: { name: string; debt: string; value: string; bps: number; crosses: boolean; exceeds: boolean }[];
}

export const collateralVectors = JSON.parse(
  readFileSync(new URL("./collateral.json", import.meta.url), "utf8"),
) as CollateralVectors;
