/**
 * Every gas benchmark, one after the other: `npm run bench:gas` (`npm run -s bench:gas -- --json` prints one JSON
 * document a line: the schedule math's rows, the loan book's figures, then the collateral contracts'). Each also runs
 * alone: `npm run bench:gas:schedule`, `npm run bench:gas:loanbook`, `npm run bench:gas:collateral`.
 *
 * The npm scripts build with Hardhat, then run these files under plain Node: `hardhat run` refuses options it does
 * not know, such as `--json`.
 */
await import("./benchmarkScheduleGas.ts");
if (!process.argv.includes("--json")) console.log();
await import("./benchmarkLoanBookGas.ts");
await import("./benchmarkCollateralGas.ts");
