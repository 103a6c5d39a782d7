/**
 * The keeper's speed: `npm run bench:keeper -- [--loans 100000] [--json]`.
 *
 * The decision pass over N stored loans (`runtime/planner.ts`): load every open loan's facts from SQLite, decode
 * them, decide (`core/decisions.ts`) and put new actions in the outbox. Measured twice on a synthetic book
 * (`keeper/syntheticBook.ts`): the first pass (every reminder and late mark of the book is new: many inserts), then
 * a steady pass after the executor has carried those out (what every pass of a running keeper does). Also the pure
 * decision time over the same views in memory, and the peak memory (max RSS) of the process.
 *
 * Prints figures; never fails on them. Target: a full pass over 100,000 loans in under 1 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pino from "pino";
import { DAY, decide } from "../keeper/src/core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../keeper/src/core/loanFacts.ts";
import { openStore } from "../keeper/src/adapters/store/openStore.ts";
import { createPlanner } from "../keeper/src/runtime/planner.ts";
import { writeSyntheticBook } from "./keeper/syntheticBook.ts";

const { values } = parseArgs({
  options: { loans: { type: "string", default: "100000" }, json: { type: "boolean", default: false } },
});
const loans = Number(values.loans);
if (!Number.isInteger(loans) || loans < 1) throw new Error(`--loans must be a positive integer, got ${values.loans}`);

const NOW = 20_000n * DAY;
const dir = mkdtempSync(join(tmpdir(), "keeper-bench-"));
const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;
const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

try {
  const store = openStore(join(dir, "keeper.sqlite"));
  let t = performance.now();
  writeSyntheticBook(store, loans, NOW);
  const writeMs = ms(t);

  const planner = createPlanner({ store, logger: pino({ level: "silent" }) });
  const policy = { paused: false };
  t = performance.now();
  const first = planner.plan(NOW, policy);
  const firstMs = ms(t);

  // The executor carries the actions out (off-chain ones at once; the chain's appear in the facts later).
  const planned = store.nextActions(Number.MAX_SAFE_INTEGER, NOW);
  store.transaction(() => {
    for (const action of planned) store.markAction(action.id, { state: "done", outcome: "benchmark" });
  });

  const steadyRuns: number[] = [];
  let steady = first;
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    steady = planner.plan(NOW + BigInt(i), policy);
    steadyRuns.push(ms(t));
  }
  steadyRuns.sort((a, b) => a - b);

  // The pure decisions, views already in memory.
  const views = [...store.openLoanFacts()].map((row) =>
    toLoanView(decodeLoanFacts(row.facts), keeperFactsFrom({ defaultedAt: row.defaultedAt, progress: undefined })),
  );
  const decideRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    let actions = 0;
    for (const view of views) actions += decide(view, NOW, policy).length;
    decideRuns.push(ms(t));
    if (actions < 0) throw new Error("unreachable");
  }
  decideRuns.sort((a, b) => a - b);
  store.close();

  const result = {
    loans,
    openLoans: first.loans,
    writeBookMs: writeMs,
    firstPass: { ms: firstMs, due: first.due, planned: first.planned },
    steadyPass: { medianMs: steadyRuns[2], minMs: steadyRuns[0], due: steady.due, planned: steady.planned },
    decideOnly: { medianMs: decideRuns[2] },
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    node: process.version,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const target = (value: number) => (value < 1_000 ? "PASS (< 1 s)" : "OVER (target < 1 s)");
    console.log(
      `Keeper decision pass over ${loans.toLocaleString("en")} stored loans (${first.loans} open), ${process.version}`,
    );
    console.log(`  writing the synthetic book       ${writeMs} ms`);
    console.log(`  first pass (${first.planned} actions new)   ${firstMs} ms  ${target(firstMs)}`);
    console.log(
      `  steady pass (median of 5)        ${steadyRuns[2]} ms  ${target(steadyRuns[2])}  (${steady.due} due, ${steady.planned} new)`,
    );
    console.log(`  decide() alone, views in memory  ${decideRuns[2]} ms`);
    console.log(`  peak memory (max RSS)            ${result.peakRssMiB} MiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
