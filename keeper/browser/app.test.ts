/**
 * The keeper's web app in real headless Chromium, against a keeper process on a local chain with a small loan book
 * (the demo's world, 6 loans): a borrower connects its wallet (a viem account behind an injected EIP-1193 provider),
 * sees its loan and what is due, follows an account switch, reads the app in Chinese, on a 375 px phone without
 * sideways scrolling, and the page loads nothing from outside the machine. Screenshots go to `.keeper/screenshots/`.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { Page } from "playwright-core";
import {
  createWalletClient,
  erc20Abi,
  formatUnits,
  http,
  hexToBigInt,
  parseEther,
  parseEventLogs,
  parseUnits,
  verifyMessage,
  verifyTypedData,
  type Hex,
} from "viem";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { WEB_APP_CSP } from "../src/http/webApp.ts";
import type { World } from "../../scripts/demo/createWorld.ts";
import type { DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  horizontalOverflow,
  PHONE,
  startBrowserWorld,
  UI_TIMEOUT_MS,
  type BrowserWorld,
} from "./support/browserWorld.ts";
import { browserSkipReason } from "./support/launchChromium.ts";
import type { TestProvider } from "./support/testProvider.ts";

const LOANS = 6;
const SEED = "browser-app";

/** Calls `window.ethereum.request` from the page, as the app (or a dapp) would. */
const pageRequest = (page: Page, method: string, params: unknown[]): Promise<unknown> =>
  page.evaluate(
    ({ method, params }) =>
      (globalThis as unknown as { ethereum: { request(r: object): Promise<unknown> } }).ethereum.request({
        method,
        params,
      }),
    { method, params },
  );

describe("the web app in headless Chromium", { timeout: 180_000, skip: browserSkipReason() }, () => {
  let app: BrowserWorld | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let wallet: TestProvider;
  let page: Page;

  const count = (method: string) => app!.walletCalls(method);
  const screenshot = (name: string) => app!.screenshot(name);
  const openRoute = (route: string, ready: string) => app!.openRoute(route, ready);

  before(async () => {
    app = await startBrowserWorld({ loans: LOANS, seed: SEED, horizonDays: 30, account: (w) => w.loans[0]!.borrower });
    ({ world, keeper, page, wallet } = app);
  });

  after(async () => {
    await app?.close();
  });

  it("redirects / to the app, served under a same-origin Content-Security-Policy", async () => {
    const response = await page.goto(`${keeper!.url}/`);
    expect(page.url()).to.equal(`${keeper!.url}/app/`);
    expect(response?.status()).to.equal(200);
    expect(await response?.headerValue("content-security-policy")).to.equal(WEB_APP_CSP);
    await page.locator("h1").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator("h1").textContent()).to.equal("LoanBook");
  });

  it("asks for a lender's sign-in on #/lender (keeper/browser/lender.test.ts has the lender's pages)", async () => {
    await openRoute("lender", "[data-testid=lender-sign-in]");
    await screenshot("lender-signed-out");
  });

  it("asks a borrower to connect, then shows its address and chain", async () => {
    await openRoute("borrower", "[data-view=borrower]");
    expect(await page.locator("[data-view=borrower] .notice").textContent()).to.equal(
      "Connect your wallet to see your loans.",
    );
    await page.getByTestId("connect").click();
    const address = page.getByTestId("address");
    await address.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await address.getAttribute("title")).to.equal(world.loans[0]!.borrower.address);
    const chainId = Number(hexToBigInt((await wallet.request({ method: "eth_chainId" })) as Hex));
    expect(await address.textContent()).to.contain(`Chain ${chainId}`);
    expect(wallet.calls).to.include.members(["eth_requestAccounts", "eth_chainId"]);
  });

  it("asks the connected borrower to sign in with its wallet (EIP-4361), then lists its loan with what is due next", async () => {
    await page.getByTestId("sign-in-first").waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-out").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(wallet.calls).to.include("personal_sign");
    const loan = world.loans[0]!;
    const card = page.locator(`[data-testid=borrower-loans] [data-loan-id="${loan.loanId}"]`);
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator("[data-testid=borrower-loans] > li").count()).to.equal(1);
    const text = (await card.textContent()) ?? "";
    expect(text).to.contain(`Loan #${loan.loanId}`);
    expect(text).to.contain("Next due");
    expect(text).to.match(/Amount due[\d,.]+ [A-Z]+/);
    await screenshot("borrower-desktop");
  });

  it("follows the wallet's accountsChanged to another borrower, who must sign in for its own loans", async () => {
    const other = world.loans[1]!;
    await wallet.setAccount(other.borrower);
    await page.locator(`[data-testid=address][title="${other.borrower.address}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    // The session is the first borrower's: the page shows nothing of either until the new account signs in.
    await page.getByTestId("sign-in-first").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator("[data-loan-id]").count()).to.equal(0);
    await page.getByTestId("sign-in").click();
    await page.locator(`[data-loan-id="${other.loanId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator(`[data-loan-id="${world.loans[0]!.loanId}"]`).count()).to.equal(0);
    await wallet.setAccount(world.loans[0]!.borrower);
    await page.getByTestId("sign-in").click();
    await page.locator(`[data-loan-id="${world.loans[0]!.loanId}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it("lets the borrower pay what is due from its wallet (approve, then repay)", async () => {
    const loan = world.loans[0]!;
    const card = page.locator(`[data-loan-id="${loan.loanId}"]`);
    await card.locator("[data-action=pay] summary").click();
    const due = await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "amountDue",
      args: [loan.loanId],
    });
    const amount = parseUnits((await card.getByTestId("pay-amount").inputValue()) || "0", 6);
    expect(amount).to.equal(due);
    // Ahead of the first due date nothing is due yet: pay a part of the first installment instead.
    const paying = due > 0n ? due : 25_000_000n;
    await card.getByTestId("pay-amount").fill(formatUnits(paying, 6));
    await card.getByTestId("pay-submit").click();
    const outcome = card.locator("[data-testid=pay-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    const receipt = await app!.outcomeReceipt(outcome);
    const [repaid] = parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "RepaymentMade" });
    const { loanId, penaltyPaid, interestPaid, principalPaid, prepaid } = repaid!.args;
    expect(loanId).to.equal(loan.loanId);
    expect(penaltyPaid + interestPaid + principalPaid + prepaid).to.equal(paying);
    expect(receipt.from.toLowerCase()).to.equal(loan.borrower.address.toLowerCase());
    // The page then redraws from fresh data.
    await outcome.waitFor({ state: "detached", timeout: UI_TIMEOUT_MS });
  });

  it("pays with an EIP-2612 permit in one transaction when the allowance is short, leaving none behind", async () => {
    const loan = world.loans[0]!;
    const borrower = createWalletClient({ account: loan.borrower, transport: http(app!.chain.url) });
    const revoked = await borrower.writeContract({
      chain: null,
      address: world.token,
      abi: erc20Abi,
      functionName: "approve",
      args: [world.loanBook, 0n],
    });
    await world.rpc.client.waitForTransactionReceipt({ hash: revoked });
    const card = page.locator(`[data-loan-id="${loan.loanId}"]`);
    await card.locator("[data-action=pay] summary").click();
    await card.getByTestId("pay-amount").fill("10");
    const before = { signed: count("eth_signTypedData_v4"), sent: count("eth_sendTransaction") };
    await card.getByTestId("pay-submit").click();
    const outcome = card.locator("[data-testid=pay-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    expect({ signed: count("eth_signTypedData_v4"), sent: count("eth_sendTransaction") }).to.deep.equal({
      signed: before.signed + 1,
      sent: before.sent + 1,
    });
    const receipt = await app!.outcomeReceipt(outcome);
    expect(parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "RepaymentMade" })).to.have.length(1);
    const allowance = await world.rpc.client.readContract({
      address: world.token,
      abi: erc20Abi,
      functionName: "allowance",
      args: [loan.borrower.address, world.loanBook],
    });
    expect(allowance).to.equal(0n);
    await outcome.waitFor({ state: "detached", timeout: UI_TIMEOUT_MS });
  });

  it("names the chain's refusal of a payment above the debt, and sends nothing", async () => {
    const loan = world.loans[0]!;
    const card = page.locator(`[data-loan-id="${loan.loanId}"]`);
    await card.locator("[data-action=pay] summary").waitFor({ timeout: UI_TIMEOUT_MS });
    await card.locator("[data-action=pay] summary").click();
    const sent = count("eth_sendTransaction");
    await card.getByTestId("pay-amount").fill("100000000");
    await card.getByTestId("pay-submit").click();
    const outcome = card.locator("[data-testid=pay-outcome].error");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await outcome.textContent()).to.equal("Refused: insufficientBalance");
    expect(count("eth_sendTransaction")).to.equal(sent);
  });

  it("signs messages and typed data and sends transactions for the page", async () => {
    const account = wallet.account();
    const message = "0x68656c6c6f"; // "hello"
    const signature = (await pageRequest(page, "personal_sign", [message, account.address])) as Hex;
    expect(await verifyMessage({ address: account.address, message: { raw: message }, signature })).to.equal(true);

    const typedData = {
      types: {
        EIP712Domain: [
          { name: "name", type: "string" },
          { name: "chainId", type: "uint256" },
        ],
        Greeting: [{ name: "text", type: "string" }],
      },
      primaryType: "Greeting",
      domain: { name: "LoanBook test", chainId: 31337 },
      message: { text: "hello" },
    } as const;
    const typedSignature = (await pageRequest(page, "eth_signTypedData_v4", [
      account.address,
      JSON.stringify(typedData),
    ])) as Hex;
    const { EIP712Domain: _domain, ...types } = typedData.types;
    expect(
      await verifyTypedData({ ...typedData, types, address: account.address, signature: typedSignature }),
    ).to.equal(true);

    const hash = (await pageRequest(page, "eth_sendTransaction", [
      { from: account.address, to: world.accounts.lender.address, value: `0x${parseEther("0.001").toString(16)}` },
    ])) as Hex;
    const receipt = await world.rpc.client.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(receipt.from.toLowerCase()).to.equal(account.address.toLowerCase());

    const wrongSigner = world.accounts.lender.address;
    const refusal = await pageRequest(page, "personal_sign", [message, wrongSigner]).catch((error: unknown) => error);
    expect(refusal).to.be.an("error").with.property("message").that.contains("not this wallet's account");
  });

  it("switches to Chinese and remembers the choice", async () => {
    await page.getByTestId("language").selectOption("zh");
    await page.locator("nav a", { hasText: "借款人" }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator("h2").textContent()).to.equal("我的贷款");
    expect(await page.evaluate("document.documentElement.lang")).to.equal("zh-CN");
    await page.reload();
    await page.locator("nav a", { hasText: "出借人" }).waitFor({ timeout: UI_TIMEOUT_MS });
    // The wallet still shares the account with the page: it comes back without a prompt (eth_accounts).
    await page.getByTestId("address").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.getByTestId("connect").count()).to.equal(0);
    await screenshot("borrower-zh-desktop");
  });

  it("fits a 375 px phone screen on every page, without sideways scrolling", async () => {
    await page.setViewportSize(PHONE);
    for (const [route, ready] of [
      ["lender", "[data-testid=lender-sign-in]"],
      ["borrower", "[data-testid=borrower-loans]"],
      ["notary", "[data-view=notary]"],
    ] as const) {
      await openRoute(route, ready);
      expect(await horizontalOverflow(page), `#/${route} scrolls sideways`).to.equal(0);
      await screenshot(`${route}-phone-zh`);
    }
    await page.getByTestId("language").selectOption("en");
    await openRoute("borrower", "[data-testid=borrower-loans]");
    expect(await horizontalOverflow(page)).to.equal(0);
    await screenshot("borrower-phone");
  });

  it("loads nothing from outside the keeper's origin, and logs no error", () => {
    const { requests } = app!;
    expect(requests.length).to.be.greaterThan(0);
    const origin = new URL(keeper!.url).origin;
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"))).to.deep.equal([]);
    expect(app!.problems).to.deep.equal([]);
  });
});
