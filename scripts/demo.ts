/**
 * `npm run demo`: the whole product on a local chain. Starts `hardhat node`, deploys the loan book and originates a
 * book of loans (`scripts/demo/createWorld.ts`), starts the keeper as its own process, plays a year a day at a time
 * (`scripts/demo/playDays.ts`: the borrowers pay, pay late, pay at the bank, default, commit, object; the keeper
 * reminds, declares the defaults, records the breaches, relays the bank payments posted to its webhook, auto-debits,
 * writes letters in the borrowers' languages under quiet hours and anchors its contact log), then prints what
 * happened, and checks one contact's proof on chain. The keeper keeps serving its dashboard until Ctrl-C, unless `--exit`.
 *
 *   npm run demo -- --loans 200 --seed loanbook --days 365 --summary-json out/demo.json --exit
 *
 * The keeper's database is `.keeper/demo.sqlite` (deleted at start) and its log `.keeper/demo-keeper.log`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalChain, REPOSITORY_ROOT, type LocalChain } from "../keeper/src/adapters/chain/localChain.ts";
import { BEHAVIOURS } from "./demo/behaviours.ts";
import { contactsOf, setBorrowerContacts } from "./demo/borrowerContacts.ts";
import { buildContracts } from "./demo/buildContracts.ts";
import { createWorld, type World } from "./demo/createWorld.ts";
import { createDemoBankFeed } from "./demo/demoBankFeed.ts";
import { formatSummary, summaryJson, type RunTimings } from "./demo/formatSummary.ts";
import { playDays } from "./demo/playDays.ts";
import { createProgressLine } from "./demo/progressLine.ts";
import { readSummary } from "./demo/readSummary.ts";
import { startDemoKeeper, type DemoKeeper } from "./demo/startDemoKeeper.ts";
import { TEMPLATES } from "./demo/templates.ts";
import { verifyContactProof, type ContactProofCheck } from "./demo/verifyContactProof.ts";

const USAGE = `Usage: npm run demo -- [--loans N] [--seed S] [--days D] [--port P] [--summary-json FILE] [--exit]

  --loans N            loans in the book, one borrower each (default 200)
  --seed S             the same seed plays the same book (default "loanbook")
  --days D             days to play (default 365)
  --port P             the keeper's HTTP port (default: a free one)
  --summary-json FILE  also write the summary as JSON
  --exit               stop at the end instead of serving the keeper's dashboard until Ctrl-C
`;

const KEEPER_DIR = join(REPOSITORY_ROOT, ".keeper");
const DB_PATH = join(KEEPER_DIR, "demo.sqlite");
const LOG_FILE = join(KEEPER_DIR, "demo-keeper.log");
const BUILD_LOG = join(KEEPER_DIR, "build.log");

interface Options {
  loans: number;
  seed: string;
  days: number;
  port: number;
  summaryJson: string | undefined;
  exit: boolean;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      loans: { type: "string" },
      seed: { type: "string" },
      days: { type: "string" },
      port: { type: "string" },
      "summary-json": { type: "string" },
      exit: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const integer = (name: string, text: string | undefined, fallback: number, min: number, max: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max)
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    loans: integer("loans", values.loans, 200, 1, 5_000),
    seed: values.seed ?? "loanbook",
    days: integer("days", values.days, 365, 1, 3_650),
    port: integer("port", values.port, 0, 0, 65_535),
    summaryJson: values["summary-json"],
    exit: values.exit ?? false,
  };
}

class UsageError extends Error {}

const seconds = (from: number) => (performance.now() - from) / 1_000;

async function main(): Promise<number> {
  let options: Options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const out = process.stdout;
  const started = performance.now();
  const phases: { name: string; seconds: number }[] = [];
  const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const from = performance.now();
    try {
      return await run();
    } finally {
      phases.push({ name, seconds: seconds(from) });
    }
  };

  let chain: LocalChain | null = null;
  let keeper: DemoKeeper | null = null;
  let stopping: Promise<void> | null = null;
  const shutdown = () =>
    (stopping ??= (async () => {
      await keeper?.stop().catch(() => undefined);
      await chain?.stop().catch(() => undefined);
    })());
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    out.write("\nStopping the keeper and the chain...\n");
    void shutdown().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    mkdirSync(KEEPER_DIR, { recursive: true });
    out.write(`Loan book demo: ${options.loans} loans, seed ${JSON.stringify(options.seed)}, ${options.days} days\n`);
    await phase("compile", () => buildContracts({ out, logFile: BUILD_LOG }));
    chain = await phase("local chain", () => startLocalChain({ port: 0 }));
    const world: World = await phase("deploy and originate", () =>
      createWorld({ rpcUrl: chain!.url, loans: options.loans, seed: options.seed, horizonDays: options.days }),
    );
    out.write(describeBook(world));
    keeper = await phase("keeper start", () =>
      startDemoKeeper({ world, dbPath: DB_PATH, logFile: LOG_FILE, port: options.port }),
    );
    out.write(`Keeper (pid ${keeper.process.pid}) at ${keeper.url}, log ${LOG_FILE}\n`);
    await phase("keeper catch-up (origination)", () => keeper!.link.waitUntilCaughtUp());
    // The lender's operator tells the keeper how to reach each borrower (zone, language, letters).
    await phase("contact details", () => setBorrowerContacts({ url: keeper!.url, contacts: contactsOf(world) }));
    const bankFeed = createDemoBankFeed({ url: keeper.url });

    const progress = createProgressLine({ stream: out, days: options.days });
    const played = await phase("days", () =>
      playDays({
        world,
        keeper: keeper!.link,
        bankFeed,
        days: options.days,
        onDay: async ({ day, time }) => {
          if (progress.wants(day, time)) progress.update(day, time, await keeper!.link.loansByStatus());
        },
      }),
    );
    progress.done();
    const days = phases.pop()!;
    const t = played.timings;
    phases.push(
      { name: `days: borrowers, notary, lender (reads, signing, mining)`, seconds: t.movesMs / 1_000 },
      { name: `days: waiting for the keeper to catch up`, seconds: t.keeperMs / 1_000 },
      { name: `days: reading events, progress`, seconds: (t.eventsMs + t.onDayMs) / 1_000 },
    );
    const otherDays = days.seconds - (t.movesMs + t.keeperMs + t.eventsMs + t.onDayMs) / 1_000;
    if (otherDays > 0.05) phases.push({ name: "days: other", seconds: otherDays });

    const summary = await phase("summary", () =>
      readSummary({ world, dbPath: DB_PATH, keeper: world.accounts.keeper.address }),
    );
    const entryId = summary.contact.lastAnchoredEntry;
    const proof: ContactProofCheck | undefined =
      entryId === null
        ? undefined
        : await phase("contact proof", () =>
            verifyContactProof({
              url: keeper!.url,
              client: world.rpc.client,
              evidenceAnchor: world.evidenceAnchor,
              keeper: world.accounts.keeper.address,
              entryId,
            }),
          );
    const timings: RunTimings = { phases, seconds: seconds(started) };
    out.write(`\n${formatSummary(summary, timings, proof)}`);
    if (options.summaryJson !== undefined) {
      const path = resolve(options.summaryJson);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, summaryJson(summary, timings, proof));
      out.write(`Summary JSON: ${path}\n`);
    }
    const failures = [
      ...(summary.duplicateActions === 0
        ? []
        : [`${summary.duplicateActions} actions were done by more than one mined transaction`]),
      ...(proof === undefined || proof.verified
        ? []
        : [`the proof of contact #${proof.entryId} did not verify on chain`]),
    ];
    if (failures.length !== 0) {
      out.write(`\nFAILED: ${failures.join("; ")}\n`);
      await shutdown();
      return 1;
    }
    if (options.exit) {
      await shutdown();
      return 0;
    }
    out.write(
      `\nThe keeper is still running on the final chain state:\n` +
        `  web app    ${keeper.url}/app/   (a browser wallet on ${chain.url}, chain ${world.rpc.chainId}: Hardhat's\n` +
        `             account #1 signs in as the lender, #4 as the notary; a borrower's key is in scripts/demo/accounts.ts)\n` +
        `  loans      ${keeper.url}/api/loans   (with the operator token in scripts/demo/demoCredentials.ts)\n` +
        `  metrics    ${keeper.url}/metrics\n` +
        `  health     ${keeper.url}/health\n` +
        `  chain      ${chain.url}   loan book ${world.loanBook}\n` +
        `  contacts   ${keeper.url}/api/contacts   (operator token in scripts/demo/demoCredentials.ts)\n` +
        `Press Ctrl-C to stop.\n`,
    );
    await new Promise<never>(() => undefined);
    return 0;
  } catch (error) {
    if (interrupted) return 130;
    process.stderr.write(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (keeper !== null) process.stderr.write(`The keeper's log: ${LOG_FILE}\n`);
    await shutdown();
    return 1;
  }
}

/** One paragraph: the templates and the behaviours of the book. */
function describeBook(world: World): string {
  const byTemplate = TEMPLATES.map((t) => `${world.loans.filter((l) => l.script.template === t).length} ${t.label}`);
  const byBehaviour = BEHAVIOURS.map((b) => `${b} ${world.loans.filter((l) => l.script.behaviour === b).length}`);
  const start = new Date(Number(world.startTime) * 1_000).toISOString().replace(".000Z", "Z");
  return (
    `Book: ${world.loans.length} loans originated ${start} (loan book ${world.loanBook})\n` +
    `  products:   ${byTemplate.join("; ")}\n` +
    `  borrowers:  ${byBehaviour.join(", ")}\n`
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
