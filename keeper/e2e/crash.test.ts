/**
 * Crash safety: the same seeded book (12 loans, 120 days of the demo's scenario engine) is played twice on fresh
 * chains, once with a keeper left alone and once with a keeper killed by SIGKILL at random moments (at least 20
 * times, spread over the run) and restarted on the database it left. Both runs must end with the same loans (status,
 * flags, balance, installments paid, what is owed), the same loan action log (key, state, outcome) and the same
 * keeper work on the loan book: each action carried by exactly one mined transaction, none reverted, none skipped.
 * The contact log's anchors are not compared (a root depends on when each contact went out, which a restart may
 * move); each run must have sent each letter once (by message id: a letter filed just before a kill is filed again,
 * reported, not refused), outside quiet hours, with every log entry in one anchored batch or in the open tail.
 *
 * The engine waits for the keeper each simulated day, so a killed keeper delays the day; the keeper's transactions are
 * mined a few seconds later into the day than in the quiet run, which nothing in the loan book measures finer than a
 * day (penalties count started days), so the facts compare exactly.
 */
import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { contactsOf, setBorrowerContacts } from "../../scripts/demo/borrowerContacts.ts";
import { createWorld } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { createRandom } from "../../scripts/demo/random.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  expectEachActionCarriedOnce,
  expectSameActionLog,
  expectSameLoans,
  readBookFacts,
  type BookFacts,
} from "./support/bookFacts.ts";
import { freePort } from "./support/keeperProcess.ts";
import { expectContactsAccountedFor, expectNoContactInQuietHours } from "./support/scenarioChecks.ts";

const LOANS = 12;
const DAYS = 120;
const SEED = "e2e-crash";
const MIN_KILLS = 24;
/** Days may run this many kills ahead of an even spread (so that the killer, waiting for a send, sees days go by). */
const KILL_SLACK = 4;
/** A kill comes this long (uniformly at random) after the keeper answers /health, */
const KILL_DELAY_MS = { min: 0, max: 900 };
/**
 * or, three times in four, right after one of these log lines (a transaction stored but perhaps not broadcast, or
 * broadcast but not yet seen mined): the moments a careless keeper would send twice or lose. It waits at most
 * `SEND_WAIT_MS` for one.
 */
const SEND_MOMENTS = ["transaction signed", "transaction broadcast"];
const SEND_WAIT_MS = 4_000;
const MIN_KILLS_IN_A_SEND = 3;

interface RunResult extends BookFacts {
  kills: number;
  killsInASend: number;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Plays the seeded book; with `crashes`, a killer SIGKILLs the keeper and restarts it on the same database. */
async function play(crashes: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `keeper-crash-${crashes ? "killed" : "quiet"}-`));
  const dbPath = join(dir, "keeper.sqlite");
  const logFile = join(dir, "keeper.log");
  const chain: LocalChain = await startLocalChain({ port: 0 });
  let keeper: DemoKeeper | undefined;
  const cleanup = async () => {
    await keeper?.stop();
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(cleanup);

  const world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
  const port = await freePort();
  const start = (keepDatabase: boolean) =>
    startDemoKeeper({ world, dbPath, logFile, port, keepDatabase, logLevel: "info" });
  keeper = await start(false);
  await keeper.link.waitUntilCaughtUp();
  await setBorrowerContacts({ url: keeper.url, contacts: contactsOf(world) });
  // The keeper restarts on the same port: the bank retries its webhook until the keeper answers.
  const bankFeed = createDemoBankFeed({ url: keeper.url });

  let kills = 0;
  let killsInASend = 0;
  let playing = true;
  const random = createRandom(`${SEED}/kills`);
  const killer = async () => {
    while (playing) {
      const { process: child } = keeper!;
      let inASend = false;
      if (random.next() < 0.75) {
        const moment = random.pick(SEND_MOMENTS);
        inASend = await child
          .waitForLog((line) => line.msg === moment, SEND_WAIT_MS, { skip: child.jsonLines().length })
          .then(
            () => true,
            () => false,
          );
      } else {
        await sleep(random.int(KILL_DELAY_MS.min, KILL_DELAY_MS.max));
      }
      if (!playing) break;
      await child.kill("SIGKILL");
      kills++;
      if (inASend) killsInASend++;
      keeper = await start(true);
    }
  };
  const killing = crashes ? killer() : Promise.resolve();
  try {
    await playDays({
      world,
      keeper: keeper.link,
      bankFeed,
      days: DAYS,
      // Spread the kills over the whole run: a day waits until its share of them (less the slack) has happened.
      onDay: async ({ day }) => {
        while (crashes && kills < ((MIN_KILLS + KILL_SLACK) * day) / DAYS - KILL_SLACK) await sleep(20);
      },
    });
  } finally {
    playing = false;
    await killing;
  }
  await keeper.link.waitUntilCaughtUp();

  return { ...(await readBookFacts({ world, dbPath })), kills, killsInASend };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the keeper killed at random moments", { timeout: 480_000 }, () => {
  let quiet: RunResult;
  let killed: RunResult;

  it("plays the book with a keeper left alone", async (t) => {
    quiet = await play(false);
    t.diagnostic(`keeper transactions: ${quiet.summary.keeperTransactions.count}`);
    expect(quiet.summary.keeperTransactions.count).to.be.greaterThan(5);
    expect(quiet.summary.keeperActors.defaults.keeper).to.be.greaterThan(0);
  });

  it(`plays it again with the keeper SIGKILLed at least ${MIN_KILLS} times`, async (t) => {
    killed = await play(true);
    t.diagnostic(
      `kills: ${killed.kills}, of which right after a transaction was signed or broadcast: ${killed.killsInASend}`,
    );
    expect(killed.kills).to.be.at.least(MIN_KILLS);
    expect(killed.killsInASend).to.be.at.least(MIN_KILLS_IN_A_SEND);
  });

  it("ends with the same loans", () => expectSameLoans(killed, quiet));

  it("ends with the same action log", () => expectSameActionLog(killed, quiet));

  it("carried each action in exactly one mined transaction, none reverted or skipped", () =>
    expectEachActionCarriedOnce(killed, quiet));

  it("sent each letter once, outside quiet hours, and anchored every closed batch of the contact log", async (t) => {
    for (const run of [quiet, killed]) {
      const { duplicateLetters } = await expectContactsAccountedFor(run, { allowDuplicateLetters: run === killed });
      expectNoContactInQuietHours(run);
      if (run === killed) {
        t.diagnostic(
          `contacts: ${run.contacts.log.length} sent, ${run.contacts.anchors.length} batches; letters filed again ` +
            `after a kill: ${duplicateLetters.length === 0 ? "none" : duplicateLetters.join(", ")}`,
        );
      }
    }
  });
});
