/**
 * Flaky RPC: the demo's scenario (12 loans, 105 days) with the keeper's JSON-RPC going through a fault-injecting
 * proxy on loopback that drops a fifth of the requests (the connection closed, HTTP 502 or 503, or the node runs the
 * request and the answer is lost) and delays a fifth. Behind it a second proxy loses the answer to two thirds of the
 * keeper's `eth_sendRawTransaction` after the node has taken the transaction: the classic way to send twice. The
 * engine talks to the node directly. The keeper must still finish the scenario with nothing lost (every default,
 * the breach, each bank payment and auto-debit) and nothing doubled (no action in two transactions, no nonce
 * skipped, nothing refused for being done already), send each letter once outside quiet hours with its contact log
 * anchored, and end as the same seed played without faults ends (played at the same time: the run with faults mostly
 * waits); the contact log's anchor transactions are left out of that comparison, their roots depending on when each
 * contact went out.
 */
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress } from "viem";
import { startLocalChain } from "../src/adapters/chain/localChain.ts";
import { contactsOf, setBorrowerContacts } from "../../scripts/demo/borrowerContacts.ts";
import { createWorld } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { startDemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { dropModes, startFaultyRpcProxy, type FaultyRpcProxy } from "./support/faultyRpcProxy.ts";
import {
  expectAutoDebitsOnce,
  expectBankPaymentsCreditedOnce,
  expectBreachRecordedByKeeper,
  expectContactsAccountedFor,
  expectDefaultsDeclaredByKeeper,
  expectKeeperTransactionsAccountedFor,
  expectNoActionTwice,
  expectNoContactInQuietHours,
  expectPayersInGoodStanding,
  readScenarioRun,
  type ScenarioRun,
} from "./support/scenarioChecks.ts";

const LOANS = 12;
/** Long enough for every story (the commitment breaker's ends on day 98); 120 days take too long with the faults. */
const DAYS = 105;
const SEED = "e2e-flaky-rpc";
/** Each dropped request costs the keeper a retry 100 ms later: polling faster than the demo's 50 ms wins some back. */
const POLL_MS = 20;
/** Every request: a fifth dropped, and a quarter of the rest (a fifth of all) delayed. */
const FAULTS = { dropRate: 0.2, delayRate: 0.25, maxDelayMs: 50, seed: 20_240_601 } as const;
/** Behind it: the answer to two thirds of the transactions the node takes is lost. */
const LOST_SENDS = { dropRate: 2 / 3, seed: 20_240_602 } as const;
const SEND = "eth_sendRawTransaction";

interface Played {
  run: ScenarioRun;
  /** The keeper's warnings, by message. */
  warnings: Map<string, number>;
  /** Wall time, in all and playing the days. */
  ms: number;
  playMs: number;
}

/**
 * Plays the scenario on a fresh chain with a fresh keeper; `proxy` puts something between the keeper and the node
 * and returns the keeper's RPC URL. Registers what it starts in `cleanups`.
 */
async function playScenario(
  dir: string,
  cleanups: (() => Promise<void> | void)[],
  proxy?: (nodeUrl: string) => Promise<string>,
): Promise<Played> {
  const started = performance.now();
  const chain = await startLocalChain({ port: 0 });
  cleanups.push(() => chain.stop());
  const world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
  const rpcUrl = proxy === undefined ? undefined : await proxy(chain.url);
  const dbPath = join(dir, "keeper.sqlite");
  const logFile = join(dir, "keeper.log");
  const keeper = await startDemoKeeper({ world, dbPath, logFile, rpcUrl, pollIntervalMs: POLL_MS });
  cleanups.push(() => keeper.stop());
  await keeper.link.waitUntilCaughtUp();
  await setBorrowerContacts({ url: keeper.url, contacts: contactsOf(world) });
  const bankFeed = createDemoBankFeed({ url: keeper.url });
  const playing = performance.now();
  await playDays({ world, keeper: keeper.link, bankFeed, days: DAYS });
  const playMs = performance.now() - playing;
  const run = await readScenarioRun({ world, dbPath, days: DAYS });
  const warnings = new Map<string, number>();
  for (const line of keeper.process.jsonLines()) {
    if (line.level >= 40) warnings.set(line.msg, (warnings.get(line.msg) ?? 0) + 1);
  }
  return { run, warnings, ms: performance.now() - started, playMs };
}

describe("the demo's scenario with the keeper's RPC dropping and delaying requests", { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-flaky-rpc-"));
  const cleanups: (() => Promise<void> | void)[] = [];
  let faulty: FaultyRpcProxy;
  let lostSends: FaultyRpcProxy;
  let played: Played;
  let clean: Played;

  before(async () => {
    [played, clean] = await Promise.all([
      playScenario(join(dir, "flaky"), cleanups, async (nodeUrl) => {
        lostSends = await startFaultyRpcProxy({
          target: nodeUrl,
          ...LOST_SENDS,
          delayRate: 0,
          maxDelayMs: 0,
          modes: ["forwardThenDrop"],
          methods: [SEND],
        });
        cleanups.push(() => lostSends.close());
        faulty = await startFaultyRpcProxy({ target: lostSends.url, ...FAULTS, modes: dropModes });
        cleanups.push(() => faulty.close());
        return faulty.url;
      }),
      playScenario(join(dir, "clean"), cleanups),
    ]);
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("injected every kind of fault into the keeper's requests", (t) => {
    const stats = faulty.stats();
    const sends = faulty.history().filter((event) => event.methods.includes(SEND));
    const sendsDropped = sends.filter((event) => event.fault !== "none" && event.fault !== "delay");
    const answersLost = lostSends.stats().droppedByMode.forwardThenDrop;
    const failedBroadcasts = played.warnings.get("broadcast failed: will retry") ?? 0;
    t.diagnostic(
      `with faults ${(played.ms / 1000).toFixed(1)} s (the days ${(played.playMs / 1000).toFixed(1)} s), ` +
        `without ${(clean.ms / 1000).toFixed(1)} s; ${stats.requests} keeper requests: dropped ` +
        `${JSON.stringify(stats.droppedByMode)}, delayed ${stats.delayed}; ${sends.length} sends: ` +
        `${sendsDropped.length} dropped, ${answersLost} answers lost behind; keeper warnings ` +
        JSON.stringify(Object.fromEntries(played.warnings)),
    );
    for (const mode of dropModes) expect(stats.droppedByMode[mode], mode).to.be.greaterThan(0);
    expect(stats.dropped / stats.requests, "dropped").to.be.within(0.15, 0.25);
    expect(stats.delayed / stats.requests, "delayed").to.be.within(0.15, 0.25);
    // Transactions the node took without the keeper hearing so.
    expect(answersLost).to.be.greaterThan(0);
    // Every failed send reached the keeper as a failure, to be broadcast again (or found mined) in a later pass: the
    // proxy in front answers an answer lost behind it with a 502 (an upstream error). viem does not retry a send.
    expect(stats.upstreamErrors).to.be.at.most(answersLost);
    expect(failedBroadcasts).to.be.at.least(sendsDropped.length + stats.upstreamErrors);
  });

  it("lets the keeper declare every defaulter's default", () => expectDefaultsDeclaredByKeeper(played.run));

  it("lets the keeper record the commitment breaker's breach", () => expectBreachRecordedByKeeper(played.run));

  it("credits each bank-feed payment on chain exactly once", () => expectBankPaymentsCreditedOnce(played.run));

  it("pulls each auto-debit installment once, and leaves the payers in good standing", async () => {
    expectAutoDebitsOnce(played.run);
    await expectPayersInGoodStanding(played.run);
  });

  it("carries no action twice, fails none, and leaves nothing waiting", () => expectNoActionTwice(played.run));

  it("accounts for every keeper transaction: nonces without gaps, each action in one", () =>
    expectKeeperTransactionsAccountedFor(played.run));

  it("sends each letter once, outside quiet hours, and anchors the contact log on chain", async () => {
    await expectContactsAccountedFor(played.run, { allowDuplicateLetters: false });
    expectNoContactInQuietHours(played.run);
  });

  it("ends as the same seed played without faults ends", () => {
    const { summary } = played.run;
    // Each loan's facts and every loan action key with its state (the contact log's anchors are not loan actions:
    // their roots depend on when each contact went out).
    expect(summary.digest).to.equal(clean.run.summary.digest);
    expect(summary.events).to.deep.equal(clean.run.summary.events);
    const loanBookCalls = (run: ScenarioRun) =>
      run.keeperTransactions.filter((tx) => tx.to === getAddress(run.world.loanBook)).length;
    expect(loanBookCalls(played.run)).to.equal(loanBookCalls(clean.run));
  });
});
