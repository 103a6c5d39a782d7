/**
 * The keeper's speed: `npm run bench:keeper -- [--loans 100000] [--store sqlite|postgres] [--lag-loans 1000]
 * [--block-time 2] [--poll-ms 250] [--skip-lag] [--json]`.
 *
 * The decision pass over N stored loans (`runtime/planner.ts`), on SQLite (a file) or PostgreSQL (a throwaway server,
 * `localPostgres.ts`, the store through `postgres/`), on a synthetic book (`keeper/syntheticBook.ts`,
 * written as the follower writes loans, in batched transactions, timed). The first pass decides every loan (a
 * keeper's first pass, or a new policy): every reminder and late mark of the book is new, many inserts, and each
 * loan gets its next check. The executor then carries those actions out. The steady passes (median of 5) are what a
 * running keeper does: each at the chain time by which about 1% more of the book comes due (from the stored next
 * checks), reading only those loans through the index, deciding them and storing their actions and next checks.
 * Also the pure decision time over views in memory (at most 100,000), and the peak memory (max RSS) of the passes.
 *
 * Then the lag (`keeper/measureLag.ts`, unless `--skip-lag`): on a local node mining a block every `--block-time`
 * seconds, with `--lag-loans` loans and the keeper as its own process polling every `--poll-ms`, the time from the
 * moment each declareDefault becomes valid to the block that mines it (median, p99; in seconds and in blocks).
 *
 * Prints figures; never fails on them. Targets: a steady pass over 1,000,000 loans with 1% due in under 2 s (SQLite);
 * peak memory under 1 GiB; lag p99 within one block.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import pino from "pino";
import { DAY, decide } from "../keeper/src/core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../keeper/src/core/loanFacts.ts";
import {
  createDatabase,
  startLocalPostgres,
  type LocalPostgres,
} from "../keeper/src/adapters/postgres/localPostgres.ts";
import { openStore, type Store } from "../keeper/src/adapters/store/openStore.ts";
import { createPlanner } from "../keeper/src/runtime/planner.ts";
import type { LagResult } from "./keeper/measureLag.ts";
import { timeWhenDue, writeSyntheticBook } from "./keeper/syntheticBook.ts";

const { values } = parseArgs({
  options: {
    loans: { type: "string", default: "100000" },
    store: { type: "string", default: "sqlite" },
    "lag-loans": { type: "string", default: "1000" },
    "block-time": { type: "string", default: "2" },
    "poll-ms": { type: "string", default: "250" },
    "skip-lag": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const integer = (name: string, min: number, max: number) => {
  const text = values[name as keyof typeof values] as string;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
};
const loans = integer("loans", 1, 10_000_000);
const lagLoans = integer("lag-loans", 1, 5_000);
const blockTimeSeconds = integer("block-time", 1, 60);
const pollIntervalMs = integer("poll-ms", 10, 60_000);
if (values.store !== "sqlite" && values.store !== "postgres")
  throw new Error(`--store must be sqlite or postgres, got ${JSON.stringify(values.store)}`);
const started = performance.now();

const NOW = 20_000n * DAY;
/** The share of the book each steady pass finds due. */
const STEADY_SHARE = 0.01;
/** Views held in memory at once for the decide-only figure. */
const DECIDE_ONLY_VIEWS = 100_000;
const dir = mkdtempSync(join(tmpdir(), "keeper-bench-"));
const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;
const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
const median = (runs: number[]) => [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];

/** The executor: carries out every planned action due at `now` (off-chain ones at once), a page at a time. */
function carryOut(store: Store, now: bigint): number {
  let done = 0;
  for (;;) {
    const planned = store.nextActions(10_000, now);
    if (planned.length === 0) return done;
    store.transaction(() => {
      for (const action of planned) store.markAction(action.id, { state: "done", outcome: "benchmark" });
    });
    done += planned.length;
  }
}

/** The store's location: a file in the temporary folder, or a database on a throwaway PostgreSQL server. */
async function storeLocation(): Promise<string> {
  if (values.store === "sqlite") return join(dir, "keeper.sqlite");
  postgres = await startLocalPostgres();
  return createDatabase(postgres.url, "bench");
}

async function analyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("ANALYZE");
  await client.end();
}

let postgres: LocalPostgres | undefined;
let result: Record<string, unknown>;
try {
  const location = await storeLocation();
  const store = openStore(location);
  let t = performance.now();
  writeSyntheticBook(store, loans, NOW);
  const writeMs = ms(t);
  // A bulk load leaves PostgreSQL without statistics until autovacuum comes by: gather them, as after an import.
  if (postgres !== undefined) await analyze(location);

  const planner = createPlanner({ store, logger: pino({ level: "silent" }) });
  const policy = { paused: false };
  t = performance.now();
  const first = planner.plan(NOW, policy);
  const firstMs = ms(t);
  carryOut(store, NOW);

  const steadyShare = Math.max(1, Math.round(loans * STEADY_SHARE));
  const steadyRuns: { ms: number; at: bigint; loans: number; due: number; planned: number }[] = [];
  let at = NOW;
  for (let i = 0; i < 5; i++) {
    at = timeWhenDue(store, at, steadyShare) ?? at + DAY;
    t = performance.now();
    const pass = planner.plan(at, policy);
    steadyRuns.push({ ms: ms(t), at, loans: pass.loans, due: pass.due, planned: pass.planned });
    carryOut(store, at);
  }
  const steadyMs = median(steadyRuns.map((run) => run.ms));
  const peakRssMiB = mib(process.resourceUsage().maxRSS * 1024);

  // The pure decisions, views already in memory (at most DECIDE_ONLY_VIEWS of them: memory).
  const views = store
    .loanFactsPage(0n, DECIDE_ONLY_VIEWS)
    .filter((row) => row.facts !== null)
    .map((row) =>
      toLoanView(decodeLoanFacts(row.facts!), keeperFactsFrom({ defaultedAt: row.defaultedAt, progress: undefined })),
    );
  const decideRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    let actions = 0;
    for (const view of views) actions += decide(view, NOW, policy).length;
    decideRuns.push(ms(t));
    if (actions < 0) throw new Error("unreachable");
  }
  store.close();

  result = {
    loans,
    store: values.store,
    writeBookMs: writeMs,
    firstPass: { ms: firstMs, loans: first.loans, due: first.due, planned: first.planned },
    steadyPass: {
      medianMs: steadyMs,
      minMs: Math.min(...steadyRuns.map((run) => run.ms)),
      maxMs: Math.max(...steadyRuns.map((run) => run.ms)),
      runs: steadyRuns.map((run) => ({ ...run, at: String(run.at) })),
    },
    decideOnly: { views: views.length, medianMs: median(decideRuns) },
    peakRssMiB,
    node: process.version,
  };
  if (!values.json) {
    const under = (value: number, limit: number, label: string) =>
      value < limit ? `PASS (< ${label})` : `OVER (target < ${label})`;
    const loansOf = (runs: typeof steadyRuns) => runs.map((run) => run.loans.toLocaleString("en")).join(", ");
    console.log(
      `Keeper decision pass over ${loans.toLocaleString("en")} stored loans (${values.store === "sqlite" ? "SQLite" : "PostgreSQL"}), ${process.version}`,
    );
    console.log(`  writing the synthetic book       ${writeMs} ms`);
    console.log(
      `  first pass, every loan           ${firstMs} ms  (${first.loans} loans, ${first.due} due, ${first.planned} new)`,
    );
    console.log(
      `  steady pass (median of 5)        ${steadyMs} ms  ${under(steadyMs, 2_000, "2 s")}  ` +
        `(loans due: ${loansOf(steadyRuns)}; ${steadyRuns.map((run) => run.ms).join(", ")} ms)`,
    );
    console.log(`  decide() alone, ${views.length} views   ${median(decideRuns)} ms`);
    console.log(`  peak memory (max RSS)            ${peakRssMiB} MiB  ${under(peakRssMiB, 1_024, "1 GiB")}`);
  }
} finally {
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
}

let lag: LagResult | null = null;
if (!values["skip-lag"]) {
  if (!values.json) {
    console.log(
      `\nKeeper lag on a local node: ${lagLoans.toLocaleString("en")} loans, a block every ${blockTimeSeconds} s ` +
        `(interval mining), the keeper polling every ${pollIntervalMs} ms; a minute or two`,
    );
  }
  // Loaded only now: its modules (viem, Hardhat Ignition...) would count in the decision pass's peak memory.
  const { measureLag } = await import("./keeper/measureLag.ts");
  lag = await measureLag({
    loans: lagLoans,
    blockTimeSeconds,
    pollIntervalMs,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (!values.json) console.log(formatLag(lag));
}
const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
if (values.json) process.stdout.write(`${JSON.stringify({ ...result, lag, totalSeconds })}\n`);
else console.log(`\nWhole benchmark: ${totalSeconds} s`);

function formatLag(lag: LagResult): string {
  const within = lag.p99Blocks <= 1 ? "PASS (within one block)" : "OVER (target: within one block)";
  const percent = `${Math.round((lag.withinOneBlock / Math.max(lag.actions, 1)) * 1_000) / 10}%`;
  const byBlocks = Object.entries(lag.byBlocks)
    .map(([blocks, n]) => `${blocks}: ${n}`)
    .join(", ");
  const kinds = Object.entries(lag.kinds)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
  const reaction = lag.reactionMs;
  const lines: [string, string][] = [
    [
      "actions mined",
      `${kinds || "none"}; valid in ${lag.blocksWithNewActions} blocks, up to ${lag.largestBurst} in one` +
        (lag.notMined !== 0 ? `; ${lag.notMined} loans past their trigger not declared` : ""),
    ],
    ["lag, seconds: median / p99 / max", `${lag.medianSeconds} / ${lag.p99Seconds} / ${lag.maxSeconds} s`],
    ["lag, blocks: median / p99 / max", `${lag.medianBlocks} / ${lag.p99Blocks} / ${lag.maxBlocks}  ${within}`],
    ["actions by lag in blocks", `${byBlocks}  (${percent} within one block)`],
    [
      "keeper reaction: median / p99",
      reaction === null
        ? "n/a"
        : `${reaction.median} / ${reaction.p99} ms, max ${reaction.max} ms (block on the node -> transaction signed)`,
    ],
    [
      "set-up; timed blocks",
      `${lag.setupSeconds} s (node, ${lag.loans} originations, keeper catch-up); ${lag.blocks} blocks in ${lag.measureSeconds} s`,
    ],
  ];
  return lines.map(([label, value]) => `  ${label.padEnd(33)}${value}`).join("\n");
}
