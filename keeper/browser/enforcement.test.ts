/**
 * The enforcement path in real headless Chromium, against a keeper process on a local chain: the book's loans go
 * unpaid until the keeper declares them in default; a borrower signs in with its wallet (EIP-4361), picks a
 * repayment plan within the template's policy, signs it (`eth_signTypedData_v4`) and the commitment lands on chain;
 * the lender applies for an execution certificate with its API key; a notary signs in, reads the default's documents
 * and chain facts, and co-signs it on chain. Then who may see what: another borrower's loan, the lender's and the
 * notary's routes for a borrower, and a forged or replayed sign-in message. Screenshots go to `.keeper/screenshots/`.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { Page } from "playwright-core";
import {
  createWalletClient,
  formatUnits,
  http,
  keccak256,
  parseEventLogs,
  stringToHex,
  zeroHash,
  type Hex,
} from "viem";
import { createSiweMessage } from "viem/siwe";
import { loanBookAbi, testTokenAbi } from "../src/abi/loanBook.ts";
import { createApiKeyCommand } from "../src/cli/commands/apiKey.ts";
import { LoanStatus } from "../src/core/decisions.ts";
import { dayTime, type World } from "../../scripts/demo/createWorld.ts";
import type { DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  horizontalOverflow,
  PHONE,
  startBrowserWorld,
  UI_TIMEOUT_MS,
  type BrowserWorld,
} from "./support/browserWorld.ts";
import { browserSkipReason } from "./support/launchChromium.ts";
import { pageFetch } from "./support/signIn.ts";
import type { TestProvider } from "./support/testProvider.ts";

const LOANS = 4;
const SEED = "browser-enforcement";
/** Past every template's default trigger (the bullet's: due on day 180, in default 30 days later). */
const UNPAID_UNTIL_DAY = 215;
const evidence = (text: string): Hex => keccak256(stringToHex(text));

/** A refusal as the page gets it: the status and the error code. */
const refusal = async (page: Page, path: string, init: { method?: string; body?: unknown } = {}) => {
  const { status, body } = await pageFetch(page, path, init);
  return { status, code: (body as { error?: { code?: string } } | null)?.error?.code ?? null };
};

describe("the enforcement path in headless Chromium", { timeout: 300_000, skip: browserSkipReason() }, () => {
  let app: BrowserWorld | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let wallet: TestProvider;
  let page: Page;
  /** Two loans in default, of two borrowers: the first commits, the second is certified. */
  let committing: World["loans"][number];
  let certified: World["loans"][number];
  /** The bodies the page posted to `/auth/verify`, to replay them. */
  const signIns: string[] = [];

  const screenshot = (name: string) => app!.screenshot(name);
  const statusOf = async (loanId: bigint) =>
    Number(
      await world.rpc.client.readContract({
        address: world.loanBook,
        abi: loanBookAbi,
        functionName: "statusOf",
        args: [loanId],
      }),
    );
  const openRoute = (route: string, ready: string) => app!.openRoute(route, ready);
  /** The lender's back office: the keeper's API with the lender's API key, server to server. */
  let apiKey: string;
  const backOffice = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${keeper!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** At 375 px, in `locale`, the page does not scroll sideways (screenshot `name`); then back to English on a desk. */
  const expectFitsPhone = async (name: string, locale: "en" | "zh") => {
    const desktop = page.viewportSize()!;
    await page.setViewportSize(PHONE);
    await page.getByTestId("language").selectOption(locale);
    await page.locator(`html[lang^=${locale}]`).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator("[data-action] summary").first().waitFor({ timeout: UI_TIMEOUT_MS });
    for (const summary of await page.locator("details[data-action]:not([open]) summary").all()) await summary.click();
    expect(await horizontalOverflow(page), name).to.equal(0);
    await screenshot(name);
    await page.getByTestId("language").selectOption("en");
    await page.locator("html[lang=en]").waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator("[data-action] summary").first().waitFor({ timeout: UI_TIMEOUT_MS });
    await page.setViewportSize(desktop);
  };
  /** Signs in through the header's button, as the wallet's current account. */
  const signIn = async () => {
    await page.getByTestId("sign-in").click();
    await page.getByTestId("sign-out").waitFor({ timeout: UI_TIMEOUT_MS });
  };

  before(async () => {
    app = await startBrowserWorld({ loans: LOANS, seed: SEED, horizonDays: 30, account: (w) => w.loans[0]!.borrower });
    ({ world, keeper, page, wallet } = app);
    // Nobody pays: half a day off a penalty day's boundary, every loan is past its default trigger, and the keeper
    // declares the defaults by itself.
    await world.rpc.mineAt(dayTime(world, UNPAID_UNTIL_DAY));
    const deadline = Date.now() + 60_000;
    while (
      (await Promise.all(world.loans.map((loan) => statusOf(loan.loanId)))).some((s) => s !== LoanStatus.Defaulted)
    ) {
      if (Date.now() > deadline) throw new Error("the keeper did not declare the defaults");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await keeper.link.waitUntilCaughtUp();
    [committing, certified] = world.loans as [World["loans"][number], World["loans"][number]];
    let stdout = "";
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
    const argv = [
      "create",
      "--lender",
      world.accounts.lender.address,
      "--name",
      "back office",
      "--database",
      app.dbPath,
    ];
    expect(await createApiKeyCommand({ env: {} }).run(argv, io)).to.equal(0);
    apiKey = /^lk_[A-Za-z0-9_-]{43}$/m.exec(stdout)![0];
    page.on("request", (request) => {
      if (request.url().endsWith("/auth/verify")) signIns.push(request.postData() ?? "");
    });
  });

  after(async () => {
    await app?.close();
  });

  it("asks a connected borrower to sign in, then shows its defaulted loan", async () => {
    await page.goto(`${keeper!.url}/app/#/borrower`);
    await page.getByTestId("connect").click();
    await page.getByTestId("sign-in-first").waitFor({ timeout: UI_TIMEOUT_MS });
    await signIn();
    const card = page.locator(`[data-loan-id="${committing.loanId}"]`);
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await card.getAttribute("data-status")).to.equal("Defaulted");
    expect(await page.locator("[data-testid=borrower-loans] > li").count()).to.equal(1);
    expect(wallet.calls).to.include("personal_sign");
  });

  it("refuses a plan outside the template's policy before anything is signed", async () => {
    await page.locator("[data-action=commitment] summary").click();
    await page.getByTestId("plan-installments").selectOption("3");
    await page.getByTestId("plan-interval").fill("61");
    expect(await page.getByTestId("plan").textContent()).to.contain("longer than the policy allows");
    const signed = app!.walletCalls("eth_signTypedData_v4");
    await page.getByTestId("commitment-submit").click();
    await page.locator("[data-testid=commitment-outcome].error").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(app!.walletCalls("eth_signTypedData_v4")).to.equal(signed);
    expect(await statusOf(committing.loanId)).to.equal(LoanStatus.Defaulted);
  });

  it("lets the borrower sign a repayment commitment in the page, which lands on chain", async () => {
    await page.getByTestId("plan-interval").fill("30");
    const rows = page.locator("[data-testid=plan] tbody tr");
    await rows.nth(2).waitFor({ timeout: UI_TIMEOUT_MS });
    const amounts = (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-amount")))).map((a) =>
      BigInt(a!),
    );
    const payoff = await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "payoffAmount",
      args: [committing.loanId],
    });
    expect(amounts.reduce((sum, amount) => sum + amount, 0n)).to.equal(payoff);
    await screenshot("borrower-commitment-plan");

    await page.getByTestId("commitment-submit").click();
    const outcome = page.locator("[data-testid=commitment-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    const receipt = await app!.outcomeReceipt(outcome);
    const [accepted] = parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "CommitmentAccepted" });
    expect(accepted?.args.loanId).to.equal(committing.loanId);
    expect(accepted?.args.installments).to.equal(3n);
    expect(accepted?.args.total).to.equal(payoff);
    expect(await statusOf(committing.loanId)).to.equal(LoanStatus.Committed);
    const plan = await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "commitmentOf",
      args: [committing.loanId],
    });
    const cumulative = amounts.map((_, k) => amounts.slice(0, k + 1).reduce((sum, amount) => sum + amount, 0n));
    expect(plan.map((entry) => entry.cumulative)).to.deep.equal(cumulative);
    expect(wallet.calls).to.include("eth_signTypedData_v4");

    // The page redraws from the keeper once it has followed the block: the loan is committed, with a pay panel.
    await keeper!.link.waitUntilCaughtUp();
    await page
      .locator(`[data-loan-id="${committing.loanId}"][data-status=Committed]`)
      .waitFor({ timeout: UI_TIMEOUT_MS });
    // What it pays next is the plan's first installment.
    const committedCard = page.locator(`[data-loan-id="${committing.loanId}"]`);
    expect(await committedCard.getByTestId("pay-amount").inputValue()).to.equal(formatUnits(amounts[0]!, 6));
    await screenshot("borrower-committed");
    await expectFitsPhone("borrower-committed-phone-zh", "zh");
  });

  it("keeps another borrower's loan, the lender's book and the notary's queue from a borrower", async () => {
    expect(await refusal(page, `/api/me/loans/${certified.loanId}`)).to.deep.equal({
      status: 403,
      code: "forbidden_loan",
    });
    expect(await refusal(page, "/api/portfolio")).to.deep.equal({ status: 403, code: "forbidden_role" });
    expect(await refusal(page, "/api/loans")).to.deep.equal({ status: 403, code: "forbidden_role" });
    expect(await refusal(page, `/api/loans/${certified.loanId}`)).to.deep.equal({
      status: 403,
      code: "forbidden_role",
    });
    expect(await refusal(page, "/bank/records")).to.deep.equal({ status: 403, code: "forbidden_role" });
    expect(await refusal(page, "/api/notary/queue")).to.deep.equal({ status: 403, code: "forbidden_role" });
    const body = {
      debtInstrumentHash: certified.documentHash,
      defaultProofHash: evidence("forged proof"),
      identityProofHash: evidence("forged identity"),
    };
    expect(
      await refusal(page, `/api/loans/${certified.loanId}/certificate-application`, {
        method: "POST",
        body,
      }),
    ).to.deep.equal({ status: 403, code: "forbidden_role" });
    await openRoute("notary", "[data-testid=notary-only]");
  });

  it("refuses a replayed and a forged sign-in message, and opens no session for them", async () => {
    const origin = new URL(keeper!.url).origin;
    const verify = (body: string) =>
      fetch(`${keeper!.url}/auth/verify`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body,
      });
    const replayed = await verify(signIns[0]!);
    expect(replayed.status).to.equal(401);
    expect(((await replayed.json()) as { error: { code: string } }).error.code).to.equal("nonce_used");

    // The borrower's address in the message, signed by another key.
    const { nonce } = (await (await fetch(`${keeper!.url}/auth/nonce`)).json()) as { nonce: string };
    const message = createSiweMessage({
      domain: new URL(keeper!.url).host,
      uri: origin,
      address: certified.borrower.address,
      chainId: world.rpc.chainId,
      nonce,
      version: "1",
    });
    const signature = await committing.borrower.signMessage({ message });
    const forged = await verify(JSON.stringify({ message, signature }));
    expect(forged.status).to.equal(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).to.equal("bad_signature");
    expect(forged.headers.getSetCookie()).to.deep.equal([]);
  });

  it("lets a notary read the lender's application with the chain facts and co-sign the default on chain", async () => {
    // The lender's back office applies with its API key, server to server.
    const documents = {
      debtInstrumentHash: certified.documentHash,
      defaultProofHash: evidence(`proof of default of loan ${certified.loanId}`),
      identityProofHash: evidence(`identity proof of the borrower of loan ${certified.loanId}`),
    };
    const applied = await backOffice("POST", `/api/loans/${certified.loanId}/certificate-application`, documents);
    expect(applied.status).to.equal(201);

    await wallet.setAccount(world.accounts.notary);
    await openRoute("notary", "[data-testid=sign-in]");
    await signIn();
    const card = page.locator(`[data-testid=notary-queue] [data-loan-id="${certified.loanId}"]`);
    await card.waitFor({ timeout: UI_TIMEOUT_MS });
    // The committed loan is in default no more: it is not in the queue (and was never applied for).
    expect(await page.locator("[data-testid=notary-queue] > li").count()).to.equal(1);
    const text = (await card.textContent()) ?? "";
    for (const hash of Object.values(documents)) expect(text).to.contain(hash);
    expect(await card.getByTestId("instrument-check").textContent()).to.contain("matches");
    expect(text).to.match(/Oldest unpaid installment#1 · \d+ missed/);
    await screenshot("notary-queue");
    await expectFitsPhone("notary-queue-phone-zh", "zh");

    await card.locator("[data-action=certify] summary").click();
    await card.getByTestId("certify-submit").click();
    const outcome = card.locator("[data-testid=certify-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    const receipt = await app!.outcomeReceipt(outcome);
    const [event] = parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "DefaultCertified" });
    expect(event?.args).to.deep.include({
      loanId: certified.loanId,
      notary: world.accounts.notary.address,
      ...documents,
    });
    expect(receipt.from.toLowerCase()).to.equal(world.accounts.notary.address.toLowerCase());
    expect(await statusOf(certified.loanId)).to.equal(LoanStatus.Certified);

    await keeper!.link.waitUntilCaughtUp();
    await page.getByTestId("queue-empty").waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot("notary-certified");
  });

  it("lets a borrower object to its default with evidence hashed in the page, which freezes enforcement", async () => {
    const objecting = world.loans[2]!;
    await wallet.setAccount(objecting.borrower);
    await openRoute("borrower", "[data-testid=sign-in]");
    await signIn();
    const card = page.locator(`[data-loan-id="${objecting.loanId}"]`);
    await card.locator("[data-action=objection] summary").click();
    await card.getByTestId("objection-submit").click();
    await card.locator("[data-testid=objection-outcome].error").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await statusOf(objecting.loanId)).to.equal(LoanStatus.Defaulted);

    const file = Buffer.from("Bank statement: installment 1 paid in cash at the branch, receipt 0042.");
    await card
      .getByTestId("objection-file")
      .setInputFiles({ name: "receipt.txt", mimeType: "text/plain", buffer: file });
    const evidenceHash = keccak256(file);
    await page.locator(`[data-testid=objection-hash]:text("${evidenceHash}")`).waitFor({ timeout: UI_TIMEOUT_MS });
    await card.getByTestId("objection-submit").click();
    const outcome = card.locator("[data-testid=objection-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    const receipt = await app!.outcomeReceipt(outcome);
    const [filed] = parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "ObjectionFiled" });
    expect(filed?.args).to.deep.include({ loanId: objecting.loanId, evidenceHash });
    expect(await statusOf(objecting.loanId)).to.equal(LoanStatus.Disputed);
    await screenshot("borrower-objection");
  });

  it("takes a loan offer from the lender's page through the borrower's and a notary's signatures to origination", async () => {
    // A second loan like borrower 3's first, with the same collateral when its product takes some. The lender first
    // tops up its token balance: the world lent it all.
    const first = world.loans[3]!;
    const borrower = first.borrower;
    const lender = createWalletClient({ account: world.accounts.lender, transport: http(app!.chain.url) });
    const minted = await lender.writeContract({
      chain: null,
      address: world.token,
      abi: testTokenAbi,
      functionName: "mint",
      args: [world.accounts.lender.address, first.principal],
    });
    await world.rpc.client.waitForTransactionReceipt({ hash: minted });

    await wallet.setAccount(world.accounts.lender);
    await openRoute("lender/offers", "[data-testid=sign-in]");
    await signIn();
    const form = page.locator("[data-action=offer]");
    await form.locator("summary").click();
    await form.getByTestId("offer-borrower").fill(borrower.address);
    await form.getByTestId("offer-template").fill(String(first.templateId));
    await form.getByTestId("offer-principal").fill(formatUnits(first.principal, 6));
    if (first.collateral !== 0n) await form.getByTestId("offer-collateral").fill(formatUnits(first.collateral, 6));
    const contract = Buffer.from(
      "Loan contract no. 2027-0042: the second loan of borrower 3, 12 monthly installments.",
    );
    await form
      .getByTestId("offer-contract")
      .setInputFiles({ name: "contract.txt", mimeType: "text/plain", buffer: contract });
    const documentHash = keccak256(contract);
    await form.getByTestId("offer-submit").click();
    const offered = form.locator("[data-testid=offer-outcome].done");
    await offered.waitFor({ timeout: UI_TIMEOUT_MS });
    const id = Number(/#(\d+)/.exec((await offered.textContent()) ?? "")![1]);
    await page.locator(`[data-testid=offer-list] [data-offer-id="${id}"][data-state=awaitingBorrower]`).waitFor({
      timeout: UI_TIMEOUT_MS,
    });

    await wallet.setAccount(borrower);
    await openRoute("borrower", "[data-testid=sign-in]");
    await signIn();
    const offerCard = page.locator(`[data-testid=borrower-offers] [data-offer-id="${id}"]`);
    await offerCard.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await offerCard.textContent()).to.contain(documentHash);
    await screenshot("borrower-offer");
    await offerCard.locator("[data-action=accept] summary").click();
    await offerCard.getByTestId("accept-submit").click();
    await offerCard.locator("[data-testid=accept-outcome].done").waitFor({ timeout: UI_TIMEOUT_MS });

    await wallet.setAccount(world.accounts.notary);
    await openRoute("notary", "[data-testid=sign-in]");
    await signIn();
    const notaryCard = page.locator(`[data-testid=notary-offers] [data-offer-id="${id}"]`);
    await notaryCard.waitFor({ timeout: UI_TIMEOUT_MS });
    await notaryCard.locator("[data-action=notarize] summary").click();
    await notaryCard.getByTestId("notarize-submit").click();
    await notaryCard.locator("[data-testid=notarize-outcome].done").waitFor({ timeout: UI_TIMEOUT_MS });

    // The lender makes the loan from its page, with both signatures as the keeper checked them.
    await wallet.setAccount(world.accounts.lender);
    await openRoute("lender/offers", "[data-testid=sign-in]");
    await signIn();
    const ready = page.locator(`[data-testid=offer-list] [data-offer-id="${id}"][data-state=ready]`);
    await ready.waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot("lender-offer-ready");
    await ready.locator("[data-action=originate] summary").click();
    await ready.getByTestId("originate-submit").click();
    const outcome = ready.locator("[data-testid=originate-outcome].done");
    await outcome.waitFor({ timeout: UI_TIMEOUT_MS });
    const receipt = await app!.outcomeReceipt(outcome);
    const [originated] = parseEventLogs({ abi: loanBookAbi, logs: receipt.logs, eventName: "LoanOriginated" });
    expect(originated?.args).to.deep.include({
      borrower: borrower.address,
      lender: world.accounts.lender.address,
      notary: world.accounts.notary.address,
      documentHash,
      principal: first.principal,
    });
    await keeper!.link.waitUntilCaughtUp();
    const done = await backOffice("GET", "/api/offers?state=originated");
    expect(done.body.offers.find((entry: { id: number }) => entry.id === id)?.loanId).to.equal(
      String(originated!.args.loanId),
    );
  });

  it("logs no error in the page", () => {
    expect(app!.problems).to.deep.equal([]);
  });
});
