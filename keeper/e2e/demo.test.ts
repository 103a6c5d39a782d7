/**
 * The demo's scenario engine end to end, small: a real `hardhat node`, the keeper as its own process, 12 loans (one
 * borrower of each behaviour, and two more) played for 120 days. The keeper must have declared every default and
 * recorded the breach, relayed each bank payment exactly once, and carried no action twice; the borrowers who pay
 * must end in good standing.
 */
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { createWorld } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed, type DemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  expectBankPaymentsCreditedOnce,
  expectBreachRecordedByKeeper,
  expectDefaultsDeclaredByKeeper,
  expectEveryBehaviour,
  expectNoActionTwice,
  expectPayersInGoodStanding,
  readScenarioRun,
  type ScenarioRun,
} from "./support/scenarioChecks.ts";

const LOANS = 12;
const DAYS = 120;
const SEED = "e2e-demo";

describe("the demo's scenario engine against the keeper process", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-demo-"));
  const dbPath = join(dir, "keeper.sqlite");
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let bankFeed: DemoBankFeed | undefined;
  let run: ScenarioRun;

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    const world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
    keeper = await startDemoKeeper({ world, dbPath, logFile: join(dir, "keeper.log") });
    await keeper.link.waitUntilCaughtUp();
    bankFeed = createDemoBankFeed({ dbPath });
    await playDays({ world, keeper: keeper.link, bankFeed, days: DAYS });
    run = await readScenarioRun({ world, dbPath, days: DAYS });
  });

  after(async () => {
    bankFeed?.close();
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has every behaviour in the book", () => expectEveryBehaviour(run));

  it("lets the keeper declare every defaulter's default, and no one else", () => expectDefaultsDeclaredByKeeper(run));

  it("lets the keeper record the commitment breaker's breach", () => expectBreachRecordedByKeeper(run));

  it("credits each bank-feed payment on chain exactly once", () => expectBankPaymentsCreditedOnce(run));

  it("leaves the borrowers who pay in good standing", () => expectPayersInGoodStanding(run));

  it("carries no action twice, fails none, and leaves nothing waiting", () => expectNoActionTwice(run));
});
