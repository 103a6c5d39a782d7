/**
 * Gas of the schedule and penalty math: `npm run bench:gas` (`-- --json` for machine-readable output).
 *
 * Each figure is the execution gas of one library call, measured with `gasleft()` around it inside
 * contracts/mocks/ScheduleMathGasProbe.sol, which builds the terms in memory: what a contract that calls the
 * library internally pays, without calldata or result encoding (a 360-entry custom plan sent as calldata would
 * add about 370,000 gas of calldata alone).
 */
import { network } from "hardhat";

import { kindId, type ScheduleKind } from "../keeper/src/core/scheduleMath.ts";

const COUNTS = [12, 120, 360];
const KINDS: ScheduleKind[] = ["annuity", "equalPrincipal", "interestOnly", "bullet", "custom"];

const { viem } = await network.create();
const probe = await viem.deployContract("ScheduleMathGasProbe");

const rows: { call: string; kind: string; count: number; gas: bigint }[] = [];
for (const kind of KINDS) {
  for (const count of COUNTS) {
    const last = kind === "bullet" ? 1n : BigInt(count);
    const args = [kindId(kind), count] as const;
    rows.push({ call: "schedule (whole table)", kind, count, gas: await probe.read.scheduleGas(args) });
    rows.push({ call: "installmentAt (last)", kind, count, gas: await probe.read.installmentAtGas([...args, last]) });
    rows.push({
      call: "nextInstallment (one step)",
      kind,
      count,
      gas: await probe.read.nextInstallmentGas([...args, last]),
    });
  }
}
for (const count of COUNTS) {
  rows.push({ call: "annuityPayment", kind: "annuity", count, gas: await probe.read.annuityPaymentGas([count]) });
}
rows.push({ call: "penaltyOf", kind: "-", count: 1, gas: await probe.read.penaltyOfGas() });

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows.map((row) => ({ ...row, gas: Number(row.gas) }))));
} else {
  console.log("Execution gas of one internal library call (1,000,000 tokens at 12% a year, 30-day periods)\n");
  console.log(`${"call".padEnd(28)}${"kind".padEnd(16)}${"n".padStart(5)}${"gas".padStart(12)}`);
  for (const { call, kind, count, gas } of rows) {
    console.log(
      `${call.padEnd(28)}${kind.padEnd(16)}${String(count).padStart(5)}${gas.toLocaleString("en-US").padStart(12)}`,
    );
  }
}
