/**
 * What every browser test starts from: a `hardhat node`, the demo's world on it (a loan book with a few loans), the
 * keeper as its own process, and a page of headless Chromium with the test wallet injected, its requests and its
 * problems recorded. Screenshots go to `.keeper/screenshots/`.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import type { Hex, PrivateKeyAccount, TransactionReceipt } from "viem";
import { REPOSITORY_ROOT, startLocalChain, type LocalChain } from "../../src/adapters/chain/localChain.ts";
import { createWorld, type World } from "../../../scripts/demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../../../scripts/demo/startDemoKeeper.ts";
import { launchChromium, type Chromium } from "./launchChromium.ts";
import { collectPageProblems } from "./pageProblems.ts";
import { createTestProvider, type TestProvider } from "./testProvider.ts";

export const SCREENSHOTS = join(REPOSITORY_ROOT, ".keeper", "screenshots");
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };
/** How long the page may take to show what a test waits for. */
export const UI_TIMEOUT_MS = 15_000;

/** How far the page scrolls sideways (0: it fits). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") as Promise<number>;

export interface StartBrowserWorldParameters {
  readonly loans: number;
  readonly seed: string;
  readonly horizonDays: number;
  /** The test wallet's first account. */
  account(world: World): PrivateKeyAccount;
}

export interface BrowserWorld {
  readonly chain: LocalChain;
  readonly world: World;
  readonly keeper: DemoKeeper;
  readonly page: Page;
  readonly wallet: TestProvider;
  /** The keeper's database. */
  readonly dbPath: string;
  /** Every URL the page requested. */
  readonly requests: string[];
  /** The page's console errors and uncaught exceptions (`pageProblems.ts`). */
  readonly problems: string[];
  /** How many times the page asked the wallet for `method`. */
  walletCalls(method: string): number;
  /** A full-page screenshot, `.keeper/screenshots/<name>.png`. */
  screenshot(name: string): Promise<Buffer>;
  /** Goes to `#/<route>` and waits for `ready`. */
  openRoute(route: string, ready: string): Promise<void>;
  /** The receipt of the transaction an action panel's outcome names (`Done. 0x…`). */
  outcomeReceipt(outcome: Locator): Promise<TransactionReceipt>;
  close(): Promise<void>;
}

/**
 * @example
 * const app = await startBrowserWorld({ loans: 6, seed: "browser-app", horizonDays: 30, account: (w) => w.loans[0]!.borrower });
 * await app.page.goto(`${app.keeper.url}/app/`);
 */
export async function startBrowserWorld(parameters: StartBrowserWorldParameters): Promise<BrowserWorld> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), `keeper-${parameters.seed}-`));
  const dbPath = join(dir, "keeper.sqlite");
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let browser: Chromium | undefined;
  const close = async () => {
    await browser?.close();
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chain = await startLocalChain({ port: 0 });
    const { loans, seed, horizonDays } = parameters;
    const world = await createWorld({ rpcUrl: chain.url, loans, seed, horizonDays });
    keeper = await startDemoKeeper({ world, dbPath, logFile: join(dir, "keeper.log") });
    await keeper.link.waitUntilCaughtUp();
    browser = await launchChromium({ viewport: DESKTOP });
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    const problems = collectPageProblems(page);
    const wallet = createTestProvider({ account: parameters.account(world), rpcUrl: chain.url });
    await wallet.install(page);
    return {
      chain,
      world,
      keeper,
      page,
      wallet,
      dbPath,
      requests,
      problems,
      walletCalls: (method) => wallet.calls.filter((call) => call === method).length,
      screenshot: (name) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }),
      async openRoute(route, ready) {
        await page.evaluate(`location.hash = ${JSON.stringify(`#/${route}`)}`);
        await page.locator(ready).first().waitFor({ timeout: UI_TIMEOUT_MS });
      },
      async outcomeReceipt(outcome) {
        const hash = /0x[0-9a-f]{64}/.exec((await outcome.textContent()) ?? "")?.[0];
        if (hash === undefined) throw new Error(`no transaction in "${await outcome.textContent()}"`);
        return world.rpc.client.getTransactionReceipt({ hash: hash as Hex });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
