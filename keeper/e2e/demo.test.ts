/**
 * The demo's scenario engine end to end, small: a real `hardhat node`, the keeper as its own process, 12 loans (one
 * borrower of each behaviour, and two more) played for 120 days. The keeper must have declared every default and
 * recorded the breach, relayed each bank payment (posted to its webhook) exactly once, and carried no action twice;
 * the borrowers who pay must end in good standing; each letter must go out once, outside the borrower's quiet hours,
 * and be provable on chain. The same scenario runs with the keeper's store on SQLite and on PostgreSQL (issue 9).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { STORE_BACKENDS } from "../src/adapters/store/storeBackends.ts";
import { contactsOf, setBorrowerContacts } from "../../scripts/demo/borrowerContacts.ts";
import { createWorld } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { verifyContactProof } from "../../scripts/demo/verifyContactProof.ts";
import {
  expectBankPaymentsCreditedOnce,
  expectBreachRecordedByKeeper,
  expectContactsAccountedFor,
  expectDefaultsDeclaredByKeeper,
  expectEveryBehaviour,
  expectNoActionTwice,
  expectNoContactInQuietHours,
  expectPayersInGoodStanding,
  readScenarioRun,
  type ScenarioRun,
} from "./support/scenarioChecks.ts";

const LOANS = 12;
const DAYS = 120;
const SEED = "e2e-demo";

for (const backend of STORE_BACKENDS) {
  describe(
    `the demo's scenario engine against the keeper process, its store on ${backend.name}`,
    {
      timeout: 180_000,
      skip: backend.skip,
    },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "keeper-demo-"));
      let dbPath = join(dir, "keeper.sqlite");
      let chain: LocalChain | undefined;
      let keeper: DemoKeeper | undefined;
      let run: ScenarioRun;

      before(async () => {
        if (backend.name === "postgres") dbPath = (await backend.fresh()).location;
        chain = await startLocalChain({ port: 0 });
        const world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
        keeper = await startDemoKeeper({ world, dbPath, logFile: join(dir, "keeper.log") });
        await keeper.link.waitUntilCaughtUp();
        await setBorrowerContacts({ url: keeper.url, contacts: contactsOf(world) });
        const bankFeed = createDemoBankFeed({ url: keeper.url });
        await playDays({ world, keeper: keeper.link, bankFeed, days: DAYS });
        run = await readScenarioRun({ world, dbPath, days: DAYS });
      });

      after(async () => {
        await keeper?.stop();
        await chain?.stop();
        await backend.release();
        rmSync(dir, { recursive: true, force: true });
      });

      it("has every behaviour in the book", () => expectEveryBehaviour(run));

      it("lets the keeper declare every defaulter's default, and no one else", () =>
        expectDefaultsDeclaredByKeeper(run));

      it("lets the keeper record the commitment breaker's breach", () => expectBreachRecordedByKeeper(run));

      it("credits each bank-feed payment on chain exactly once", () => expectBankPaymentsCreditedOnce(run));

      it("leaves the borrowers who pay in good standing", () => expectPayersInGoodStanding(run));

      it("carries no action twice, fails none, and leaves nothing waiting", () => expectNoActionTwice(run));

      it("sends each letter once, logs it once and anchors the log on chain", async () => {
        await expectContactsAccountedFor(run, { allowDuplicateLetters: false });
      });

      it("sends no letter inside the borrower's quiet hours", () => expectNoContactInQuietHours(run));

      it("writes letters in Chinese and in English, and holds back those in quiet hours", () => {
        expect(run.summary.contact.letters.byLocale).to.have.keys("zh", "en");
        expect(run.summary.contact.waitingBy.quiet_hours ?? 0).to.be.greaterThan(0);
      });

      it("proves a contact on chain with the keeper's proof", async () => {
        const entryId = run.summary.contact.lastAnchoredEntry;
        expect(entryId).to.not.equal(null);
        const check = await verifyContactProof({
          url: keeper!.url,
          client: run.world.rpc.client,
          evidenceAnchor: run.world.evidenceAnchor,
          keeper: run.world.accounts.keeper.address,
          entryId: entryId!,
        });
        expect(check.verified).to.equal(true);
      });
    },
  );
}
