/**
 * Failover (issue 9's must-show): three keeper processes on one PostgreSQL database share one book through the
 * leader lease; the leader is SIGKILLed again and again during the seeded scenario (12 loans, 120 days of the demo's
 * engine) and another keeper takes over. The same book is first played with one keeper on a database of its own;
 * the failover run must end with the same loans, the same action log and the same keeper work on the loan book
 * (each action carried by exactly one mined transaction, none reverted, none skipped), no keeper transaction sent
 * twice (none at the same purpose; each signed once, by one keeper, and mined; some signed by a leader killed right
 * after and settled by the next, from the outbox), each letter sent once, every kill followed by a takeover within
 * the lease's time to live plus a margin, and the lease's epoch up by at least the number of kills. The takeover
 * times are reported, never asserted tightly.
 *
 * The lease's time to live is short here (KEEPER_LEASE_TTL_MS, 2.5 s instead of 15 s) so the test stays short: a
 * killed leader is replaced about one TTL after its last renewal. A killed keeper is restarted at once on the same
 * port and database, as a new standby, so three are always in play. Like crash.test.ts, most kills come right after
 * the leader logs "transaction signed" or "transaction broadcast": the moments where a careless new leader would
 * send again what the old one sent, or lose what it stored.
 *
 * The engine waits for the leader each simulated day (support/leaderLink.ts), so a takeover delays the day; nothing
 * in the loan book measures finer than a day, so the facts compare exactly (support/bookFacts.ts).
 */
import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import pg from "pg";
import { getAddress } from "viem";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { LEASE_TABLE } from "../src/adapters/postgres/leaseTable.ts";
import { STORE_BACKENDS } from "../src/adapters/store/storeBackends.ts";
import { contactsOf, setBorrowerContacts } from "../../scripts/demo/borrowerContacts.ts";
import { createWorld } from "../../scripts/demo/createWorld.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { createRandom } from "../../scripts/demo/random.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  expectEachActionCarriedOnce,
  expectSameActionLog,
  expectSameLoans,
  readBookFacts,
  simulatedDayOf,
  type BookFacts,
} from "./support/bookFacts.ts";
import { freePort, type KeeperProcess } from "./support/keeperProcess.ts";
import { createLeaderBankFeed } from "./support/leaderBankFeed.ts";
import { createLeaderLink, waitForNewLeader, type LeaderSighting } from "./support/leaderLink.ts";
import { expectContactsAccountedFor, expectNoContactInQuietHours } from "./support/scenarioChecks.ts";

const LOANS = 12;
const DAYS = 120;
const SEED = "e2e-failover";
const KEEPERS = 3;
const LEASE_TTL_MS = 2_500;
/** Each takeover must come within the TTL plus this: generous (two cores run three keepers, a node, PostgreSQL). */
const TAKEOVER_MARGIN_MS = 5_000;
/** How long the killer waits for a takeover before it gives up on the run. */
const TAKEOVER_GIVE_UP_MS = 60_000;
const KILLS = 10;
/** Kill `k` (from 0) is due on this day, the kills spread evenly over the run. */
const killDay = (k: number) => Math.floor(((k + 1) * DAYS) / (KILLS + 1));
/** The engine may run this many days ahead of a kill that is due, no more. */
const KILL_SLACK_DAYS = 8;
/** A kill comes this long (uniformly at random) after its day, */
const KILL_DELAY_MS = { min: 0, max: 900 };
/** or, three times in four, right after one of these log lines, waited for at most `SEND_WAIT_MS`. */
const SEND_MOMENTS = ["transaction signed", "transaction broadcast"];
const SEND_WAIT_MS = 6_000;
const MIN_KILLS_IN_A_SEND = 3;

const postgres = STORE_BACKENDS[1];

interface Takeover {
  /** Which keeper (slot) was killed, and the lease epoch it held. */
  readonly killed: number;
  readonly epochBefore: number;
  /** The new leader's slot and epoch. */
  readonly leader: number;
  readonly epochAfter: number;
  /** From the SIGKILL to the first sign of the new leader (its `/health`, or its "leadership acquired" line). */
  readonly ms: number;
  readonly inASend: boolean;
}

interface RunResult extends BookFacts {
  readonly takeovers: Takeover[];
  /** The lease's epoch when the first keeper led, and at the end (read from the lease table). */
  readonly firstEpoch: number;
  readonly lastEpoch: number;
  /** Transactions a killed leader signed (and stored) whose receipt the next leader found: the outbox handed over. */
  readonly handedOver: number;
  /** The hashes every keeper process logged as "transaction signed" (a new nonce) or "fee bump" (a replacement). */
  readonly signed: string[];
  readonly bumped: string[];
  /** The hashes fee bumps replaced. */
  readonly replaced: string[];
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await postgres.release();
});

/**
 * Plays the seeded book with `keepers` keeper processes on one fresh PostgreSQL database; with `kills`, a killer
 * SIGKILLs the leader that many times and restarts it as a standby on the same port and database.
 */
async function play({ keepers, kills }: { keepers: number; kills: boolean }): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `keeper-failover-${kills ? "killed" : "quiet"}-`));
  const { location: dbPath } = await postgres.fresh();
  const chain: LocalChain = await startLocalChain({ port: 0 });
  const slots: DemoKeeper[] = [];
  cleanups.push(async () => {
    await Promise.all(slots.map((keeper) => keeper.stop()));
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
  const ports = await Promise.all(Array.from({ length: keepers }, () => freePort()));
  const urls = () => ports.map((port) => `http://127.0.0.1:${port}`);
  /** Every keeper process started, killed ones included, for their logs. */
  const processes: KeeperProcess[] = [];
  const start = async (slot: number, keepDatabase: boolean) => {
    const keeper = await startDemoKeeper({
      world,
      dbPath,
      logFile: join(dir, `keeper-${slot}.log`),
      port: ports[slot],
      keepDatabase,
      logLevel: "info",
      env: { KEEPER_LEASE_TTL_MS: String(LEASE_TTL_MS) },
    });
    processes.push(keeper.process);
    return keeper;
  };
  // The first clears the letters file; the others join the database it has begun.
  slots[0] = await start(0, false);
  for (let slot = 1; slot < keepers; slot++) slots[slot] = await start(slot, true);

  const link = createLeaderLink({ urls, client: world.rpc.client });
  await link.waitUntilCaughtUp();
  const firstLeader = await link.leader();
  expect(firstLeader, "a keeper leads").to.not.equal(null);
  expect(firstLeader!.health.role, "a keeper on PostgreSQL").to.equal("leader");
  const firstEpoch = firstLeader!.health.leaseEpoch!;
  await setBorrowerContacts({ url: firstLeader!.url, contacts: contactsOf(world) });
  const bankFeed = createLeaderBankFeed({ leader: () => link.leader() });

  const takeovers: Takeover[] = [];
  let today = 0;
  let playing = true;
  let killerError: unknown;
  const random = createRandom(`${SEED}/kills`);

  /** Kills the leader, restarts it as a standby, and times the takeover. */
  const killLeader = async (): Promise<void> => {
    const target = await waitForNewLeader({ urls, aboveEpoch: 0, timeoutMs: TAKEOVER_GIVE_UP_MS });
    const { process: child } = slots[target.index];
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
    const epochBefore = target.health.leaseEpoch!;
    const killedAt = Date.now();
    await child.kill("SIGKILL");
    const [next] = await Promise.all([
      waitForNewLeader({ urls, aboveEpoch: epochBefore, timeoutMs: TAKEOVER_GIVE_UP_MS }),
      start(target.index, true).then((keeper) => void (slots[target.index] = keeper)),
    ]);
    const epochAfter = next.health.leaseEpoch!;
    takeovers.push({
      killed: target.index,
      epochBefore,
      leader: next.index,
      epochAfter,
      ms: firstSignOf(next, processes, epochAfter) - killedAt,
      inASend,
    });
  };

  const killer = async () => {
    for (let k = 0; kills && k < KILLS && playing; k++) {
      while (playing && today < killDay(k)) await sleep(20);
      if (!playing) break;
      await killLeader();
    }
  };
  const killing = killer().catch((error: unknown) => {
    killerError = error;
  });
  const killsDueBy = (day: number) =>
    kills ? Array.from({ length: KILLS }, (_, k) => killDay(k)).filter((due) => due <= day).length : 0;
  try {
    await playDays({
      world,
      keeper: link,
      bankFeed,
      days: DAYS,
      // A day waits until the kills due a few days before it have happened (the killer needs days to go by).
      onDay: async ({ day }) => {
        today = day;
        while (takeovers.length < killsDueBy(day - KILL_SLACK_DAYS)) {
          if (killerError !== undefined) throw killerError;
          await sleep(20);
        }
      },
    });
  } finally {
    playing = false;
    await killing;
  }
  if (killerError !== undefined) throw killerError;
  await link.waitUntilCaughtUp();

  const lastEpoch = await leaseEpochOf(dbPath);
  const facts = await readBookFacts({ world, dbPath });
  // The chain stays up for the checks; the keepers are done (three idle ones would slow the next run).
  await Promise.all(slots.map((keeper) => keeper.stop()));
  const logged = (msg: string, field = "tx") =>
    processes.flatMap((child) =>
      child.jsonLines().flatMap((line) => (line.msg === msg ? [String(line[field]).toLowerCase()] : [])),
    );
  return {
    ...facts,
    takeovers,
    firstEpoch,
    lastEpoch,
    handedOver: handedOver(processes),
    signed: logged("transaction signed"),
    bumped: logged("fee bump"),
    replaced: logged("fee bump", "replaces"),
  };
}

/**
 * When the new leader first showed itself: its "leadership acquired" line for `epoch` (pino's `time`), if it came
 * before its `/health` said so.
 */
function firstSignOf(sighting: LeaderSighting, processes: readonly KeeperProcess[], epoch: number): number {
  let first = sighting.seenAt;
  for (const child of processes) {
    for (const line of child.jsonLines()) {
      if (line.msg === "leadership acquired" && Number(line.epoch) === epoch && typeof line.time === "number") {
        first = Math.min(first, line.time);
      }
    }
  }
  return first;
}

/** Transactions one keeper process logged as signed and another as mined (`tx` of both lines). */
function handedOver(processes: readonly KeeperProcess[]): number {
  const hashesOf = (child: KeeperProcess, msg: string) =>
    new Set(child.jsonLines().flatMap((line) => (line.msg === msg ? [String(line.tx)] : [])));
  const minedBy = processes.map((child) => hashesOf(child, "transaction mined"));
  let count = 0;
  for (const [i, child] of processes.entries()) {
    for (const hash of hashesOf(child, "transaction signed")) {
      if (!minedBy[i].has(hash) && minedBy.some((mined, j) => j !== i && mined.has(hash))) count++;
    }
  }
  return count;
}

/** The highest lease epoch in the database's lease table. */
async function leaseEpochOf(dbPath: string): Promise<number> {
  const client = new pg.Client({ connectionString: dbPath });
  await client.connect();
  try {
    const { rows } = await client.query<{ epoch: string | null }>(
      `SELECT max(epoch)::text AS epoch FROM ${LEASE_TABLE}`,
    );
    return Number(rows[0]?.epoch ?? 0);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

describe(
  `${KEEPERS} keepers on one PostgreSQL database, the leader SIGKILLed`,
  {
    timeout: 420_000,
    skip: postgres.skip,
  },
  () => {
    let quiet: RunResult;
    let failover: RunResult;

    it("plays the book with one keeper on its own database", async (t) => {
      quiet = await play({ keepers: 1, kills: false });
      t.diagnostic(`keeper transactions: ${quiet.summary.keeperTransactions.count}`);
      expect(quiet.summary.keeperTransactions.count).to.be.greaterThan(5);
      expect(quiet.summary.keeperActors.defaults.keeper).to.be.greaterThan(0);
      expect(quiet.takeovers).to.deep.equal([]);
    });

    it(`plays it again with ${KEEPERS} keepers, the leader SIGKILLed ${KILLS} times`, async (t) => {
      failover = await play({ keepers: KEEPERS, kills: true });
      const times = failover.takeovers.map((takeover) => takeover.ms);
      const inASend = failover.takeovers.filter((takeover) => takeover.inASend).length;
      t.diagnostic(
        `kills: ${failover.takeovers.length}, of which right after a transaction was signed or broadcast: ${inASend}`,
      );
      t.diagnostic(
        `takeover (lease TTL ${LEASE_TTL_MS} ms): min ${Math.min(...times)} ms, median ${median(times)} ms, ` +
          `max ${Math.max(...times)} ms; each: ${times.join(", ")}`,
      );
      t.diagnostic(`lease epoch: ${failover.firstEpoch} at the start, ${failover.lastEpoch} at the end`);
      t.diagnostic(`transactions signed by a killed leader and found mined by the next: ${failover.handedOver}`);
      expect(failover.takeovers).to.have.length(KILLS);
      expect(inASend).to.be.at.least(MIN_KILLS_IN_A_SEND);
      // A kill right after "transaction signed" leaves the transaction in the outbox for the next leader to settle.
      expect(failover.handedOver, "transactions handed over").to.be.at.least(1);
    });

    it("followed every kill with a takeover within the lease's TTL and a margin", () => {
      for (const [i, takeover] of failover.takeovers.entries()) {
        expect(takeover.epochAfter, `kill ${i + 1}: a new lease`).to.be.greaterThan(takeover.epochBefore);
        expect(takeover.ms, `kill ${i + 1}: takeover time`).to.be.within(0, LEASE_TTL_MS + TAKEOVER_MARGIN_MS);
      }
      expect(failover.lastEpoch - failover.firstEpoch, "lease epochs").to.be.at.least(failover.takeovers.length);
    });

    it("ends with the same loans", () => expectSameLoans(failover, quiet));

    it("ends with the same action log", () => expectSameActionLog(failover, quiet));

    it("carried each action in exactly one mined transaction, none reverted or skipped", () =>
      expectEachActionCarriedOnce(failover, quiet));

    it("sent no keeper transaction twice", () => {
      for (const run of [quiet, failover]) {
        // A loan book call may rightly repeat on another day (an auto-debit of the same loan); on the same day, or
        // a contact log batch's anchor on any day, it would be one purpose sent twice.
        const loanBook = getAddress(run.world.loanBook);
        const purposes = run.summary.keeperTransactions.list.map((tx) =>
          tx.to === loanBook
            ? `${tx.to} ${tx.input} day ${simulatedDayOf(run.world, tx.timestamp)}`
            : `${tx.to} ${tx.input}`,
        );
        const twice = purposes.filter((purpose, i) => purposes.indexOf(purpose) !== i);
        expect(twice, "mined keeper transactions with the same purpose").to.deep.equal([]);
        // Each transaction signed once, by one keeper, and mined: a new leader broadcasts what the old one stored
        // again, it does not sign it again; two leaders at once would sign two transactions at one nonce, one lost.
        const mined = new Set(run.summary.keeperTransactions.list.map((tx) => tx.hash.toLowerCase()));
        const { signed, bumped, replaced } = run;
        expect(new Set(signed).size, "a transaction signed twice").to.equal(signed.length);
        expect(
          signed.filter((hash) => !mined.has(hash) && !replaced.includes(hash)),
          "signed, never mined nor replaced",
        ).to.deep.equal([]);
        const known = new Set([...signed, ...bumped]);
        expect(
          [...mined].filter((hash) => !known.has(hash)),
          "mined, never logged as signed",
        ).to.deep.equal([]);
      }
    });

    it("sent each letter once, outside quiet hours, and anchored every closed batch of the contact log", async (t) => {
      for (const run of [quiet, failover]) {
        // The letters file is written at least once: a leader killed between filing a letter and recording it sent
        // leaves it in doubt, and the next leader files it again (the same message id, one contact log entry).
        const { duplicateLetters } = await expectContactsAccountedFor(run, { allowDuplicateLetters: run === failover });
        expectNoContactInQuietHours(run);
        if (run === failover) {
          t.diagnostic(
            `contacts: ${run.contacts.log.length} sent, ${run.contacts.anchors.length} batches; letters filed again ` +
              `after a kill: ${duplicateLetters.length === 0 ? "none" : duplicateLetters.join(", ")}`,
          );
        }
      }
    });
  },
);
