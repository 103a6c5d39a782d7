/**
 * The lender's pages in real headless Chromium, against a keeper process on a local chain with a small loan book (the
 * demo's world): the lender signs in (SIWE through the keeper's API, the cookie in the browser) and reads the
 * portfolio, whose charts follow the chain while the page stays open (a repayment, then time passing); filters the
 * loans; reads a loan's schedule, payments and on-chain timeline (checked against the chain's own logs) and downloads
 * its evidence; publishes a template from its wallet after watching the preview follow the form; assigns a suspense
 * payment; reads the contact log. A borrower, and nobody, are refused. Every lender page fits a 375 px phone.
 * Screenshots go to `.keeper/screenshots/lender-*.png`.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Page } from "playwright-core";
import { keccak256, parseEventLogs, stringToHex, zeroAddress, zeroHash, type Hash } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { identityCommitment } from "../src/core/identityCommitment.ts";
import { identityAttestationTypedData } from "../src/core/typedData.ts";
import { MANIFEST_FILE, type EvidenceManifest } from "../src/evidence/manifest.ts";
import { verifyEvidence } from "../src/evidence/verifyEvidence.ts";
import { dayTime, type World } from "../../scripts/demo/createWorld.ts";
import { readOwed } from "../../scripts/demo/bookCalls.ts";
import { createDemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import type { DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import {
  DESKTOP,
  horizontalOverflow,
  PHONE,
  startBrowserWorld,
  UI_TIMEOUT_MS,
  type BrowserWorld,
} from "./support/browserWorld.ts";
import { browserSkipReason } from "./support/launchChromium.ts";
import { pageFetch, signInThroughApi } from "./support/signIn.ts";
import type { TestProvider } from "./support/testProvider.ts";

const LOANS = 6;
const SEED = "browser-lender";
/** The portfolio polls every 3 s: a change shows within a few polls. */
const REDRAW_TIMEOUT_MS = 15_000;
const POLL_MS = 100;
/** Loans fall due 30 days after origination: on day 35 the unpaid ones are 5 days late. */
const LATE_DAY = 35;

/** Polls `condition` (in Node: the page's CSP allows no `waitForFunction` string) until it holds or time is up. */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((a, b) => a + b, 0);

/** The `data-value` of each bar of chart `name`, by label. */
const chartValues = (page: Page, name: string): Promise<Record<string, number>> =>
  page
    .locator(`[data-chart="${name}"] g[data-value]`)
    .evaluateAll((groups) =>
      Object.fromEntries(groups.map((g) => [g.getAttribute("data-label"), Number(g.getAttribute("data-value"))])),
    );

describe("the lender's pages in headless Chromium", { timeout: 300_000, skip: browserSkipReason() }, () => {
  let app: BrowserWorld | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let wallet: TestProvider;
  let page: Page;
  /** The repayment of loan 0's first installment. */
  let repayment: Hash;

  const screenshot = (name: string) => app!.screenshot(`lender-${name}`);
  const openRoute = async (route: string, ready: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(`#/${route}`)}`);
    await page.locator(ready).first().waitFor({ timeout: UI_TIMEOUT_MS });
  };
  const caughtUp = () => keeper!.link.waitUntilCaughtUp();

  before(async () => {
    app = await startBrowserWorld({ loans: LOANS, seed: SEED, horizonDays: 60, account: (w) => w.accounts.lender });
    ({ world, keeper, page, wallet } = app);
    await page.goto(`${keeper.url}/app/`);
    await signInThroughApi(page, wallet, keeper.url);
  });

  after(async () => {
    await app?.close();
  });

  it("shows the signed-in lender the portfolio: totals and every chart", async () => {
    await openRoute("lender", "[data-chart=funnel] g[data-value]");
    expect(await page.getByTestId("total-loans").textContent()).to.equal(String(LOANS));
    const byStatus = await chartValues(page, "loans-by-status");
    expect(sum(byStatus)).to.equal(LOANS);
    expect(byStatus.Active).to.equal(LOANS);
    const ageing = await chartValues(page, "ageing");
    expect(Object.keys(ageing)).to.deep.equal(["Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days"]);
    expect(ageing.Current).to.equal(LOANS);
    expect(Object.keys(await chartValues(page, "funnel"))).to.have.length(6);
    expect(Object.keys(await chartValues(page, "collections"))).to.have.length(12);
    await screenshot("portfolio-desktop");
  });

  it("counts the offers the origination checks refused, by reason, on the portfolio", async () => {
    await openRoute("lender", "[data-testid=refused-originations]");
    const count = (reason: string) =>
      page.locator(`[data-testid=refused-originations] [data-reason=${reason}] dd`).textContent();
    expect(await count("total")).to.equal("0");
    // An identity "attested" by a key that is no notary of the book: refused, with its reason code, and recorded.
    const borrower = privateKeyToAccount(generatePrivateKey()).address;
    const identity = identityCommitment(new TextEncoder().encode("browser test consortium key 0123"), "A1234567");
    const forger = privateKeyToAccount(generatePrivateKey());
    const signature = await forger.signTypedData(
      identityAttestationTypedData(world.rpc.chainId, world.loanBook, { borrower, identity }),
    );
    // From the page's session, outside the page: an expected 422 in the page would be a console error.
    const answer = await page.request.post(`${keeper!.url}/api/offers`, {
      headers: { origin: new URL(keeper!.url).origin },
      data: {
        templateId: "1",
        principal: "1000000000",
        borrower,
        documentHash: keccak256(stringToHex("a refused offer")),
        collateral: { token: zeroAddress, amountOrId: "0", assetHash: zeroHash },
        identity: { commitment: identity, attestedBy: forger.address, signature },
      },
    });
    const refused = { status: answer.status(), body: (await answer.json()) as unknown };
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect((refused.body as { error: { reasons: string[] } }).error.reasons).to.deep.equal([
      "identity_attestation_invalid",
    ]);
    await page.reload();
    await openRoute("lender", "[data-testid=refused-originations] [data-reason=identity_attestation_invalid]");
    expect(await count("total")).to.equal("1");
    expect(await count("identity_attestation_invalid")).to.equal("1");
  });

  it("redraws the open portfolio's charts as the chain moves, without a reload", async () => {
    await page.evaluate("window.__sameDocument = true");
    const collectedBefore = sum(await chartValues(page, "collections"));

    // A borrower repays its first installment: the month's collections grow.
    const loan = world.loans[0]!;
    const { installment } = await readOwed(world.rpc.client, world.loanBook, loan.loanId, "latest");
    const [mined] = await world.batcher.send(
      [world.calls.repay(loan.borrower, loan.loanId, installment)],
      (await world.rpc.latestTimestamp()) + 60n,
    );
    repayment = mined!.receipt.transactionHash;
    await caughtUp();
    await until(
      "the collections chart to grow",
      async () => sum(await chartValues(page, "collections")) > collectedBefore,
      REDRAW_TIMEOUT_MS,
    );
    const paid = Number(installment) / 1e6;
    const collected = sum(await chartValues(page, "collections"));
    expect(collected - collectedBefore).to.be.closeTo(paid, 1e-6);

    // Time passes past the first due date: the unpaid loans turn late and move out of "Current".
    const ageingBefore = await chartValues(page, "ageing");
    const asOfBefore = await page.getByTestId("portfolio-as-of").getAttribute("data-as-of");
    await world.rpc.mineAt(dayTime(world, LATE_DAY));
    await caughtUp();
    await until(
      "loans to leave the current bucket",
      async () => (await chartValues(page, "ageing")).Current! < LOANS,
      REDRAW_TIMEOUT_MS,
    );
    const ageingAfter = await chartValues(page, "ageing");
    expect(ageingAfter.Current).to.be.below(ageingBefore.Current!);
    expect(ageingAfter["1–30 days"]).to.equal(ageingBefore.Current! - ageingAfter.Current!);
    const byStatus = await chartValues(page, "loans-by-status");
    expect(byStatus.Late).to.equal(ageingAfter["1–30 days"]);
    expect(await page.getByTestId("portfolio-as-of").getAttribute("data-as-of")).to.not.equal(asOfBefore);
    // The same document all along: the page redrew itself.
    expect(await page.evaluate("window.__sameDocument")).to.equal(true);
    await screenshot("portfolio-after-desktop");
  });

  it("lists the loans filtered by status and template (from the form or a chart's bar), as the API counts them", async () => {
    await openRoute("lender/loans", "[data-testid=loan-list]");
    expect(await page.locator("[data-testid=loan-list] tbody tr").count()).to.equal(LOANS);
    await page.getByTestId("status-filter").selectOption("Late");
    await page
      .locator("[data-lender-page=loans] [data-testid=status-filter] option[value=Late][selected]")
      .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
    const api = (await pageFetch(page, "/api/loans?status=Late")).body as { loans: { id: string }[]; total: number };
    expect(api.total).to.be.greaterThan(0);
    const rows = await page
      .locator("[data-testid=loan-list] tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-loan-id"), tr.getAttribute("data-status")]));
    expect(rows).to.deep.equal(api.loans.map((loan) => [loan.id, "Late"]));
    expect(rows.map(([id]) => id)).to.not.include(String(world.loans[0]!.loanId));

    // Late loans of one template, through the form.
    const template = String(world.loans[1]!.templateId);
    await page.getByTestId("template-filter").fill(template);
    await page.getByTestId("loan-filters").locator("button[type=submit]").click();
    await page.locator(`[data-testid=template-filter][value="${template}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
    const ofTemplate = (await pageFetch(page, `/api/loans?status=Late&template=${template}`)).body as {
      loans: { id: string }[];
    };
    const shown = await page
      .locator("[data-testid=loan-list] tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-loan-id")));
    expect(shown).to.deep.equal(ofTemplate.loans.map((loan) => loan.id));
    expect(shown).to.include(String(world.loans[1]!.loanId));

    // From the portfolio: a status's bar leads to its loans.
    await openRoute("lender", "[data-chart=loans-by-status] a.bar-link");
    await page.locator('[data-chart=loans-by-status] a.bar-link g[data-label="Active"]').click();
    await page
      .locator("[data-lender-page=loans] [data-testid=status-filter] option[value=Active][selected]")
      .waitFor({ state: "attached", timeout: UI_TIMEOUT_MS });
    const active = (await pageFetch(page, "/api/loans?status=Active")).body as { loans: { id: string }[] };
    expect(
      await page
        .locator("[data-testid=loan-list] tbody tr")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-loan-id"))),
    ).to.deep.equal(active.loans.map((loan) => loan.id));
    await screenshot("loans-desktop");
  });

  it("shows a loan's schedule, payments and a timeline matching the chain's logs, and downloads its evidence", async () => {
    const loan = world.loans[0]!;
    await openRoute(`lender/loans/${loan.loanId}`, "[data-testid=timeline] li");
    // The whole schedule, from the contract's math over the template read on chain, with installment 1 paid.
    expect(await page.getByTestId("schedule").getAttribute("data-source")).to.equal("chain");
    expect(await page.locator("[data-testid=schedule] tbody tr").count()).to.equal(loan.script.template.installments);
    expect(await page.locator("[data-testid=schedule] tbody tr").first().locator("td").last().textContent()).to.equal(
      "0 TUSD",
    );
    const paymentTxs = await page
      .locator("[data-testid=payments] tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-tx-hash")));
    expect(paymentTxs).to.deep.equal([repayment]);

    // Every log of the loan book about this loan (its claim's Transfer by token id), in chain order.
    const logs = parseEventLogs({
      abi: loanBookAbi,
      logs: await world.rpc.client.getLogs({ address: world.loanBook, fromBlock: world.deployBlock }),
    }).filter((log) => {
      const args = log.args as { loanId?: bigint; tokenId?: bigint };
      return (log.eventName === "Transfer" ? args.tokenId : args.loanId) === loan.loanId;
    });
    const timeline = await page
      .locator("[data-testid=timeline] li")
      .evaluateAll((lis) =>
        lis.map((li) => [
          li.getAttribute("data-event"),
          li.getAttribute("data-tx-hash"),
          li.getAttribute("data-block-hash"),
          Number(li.getAttribute("data-log-index")),
        ]),
      );
    expect(timeline).to.deep.equal(
      logs.map((log) => [log.eventName, log.transactionHash, log.blockHash, log.logIndex]),
    );
    expect(timeline.map(([, tx]) => tx)).to.include(repayment);
    // A payment's transaction link marks that transaction's events in the timeline.
    await page.locator(`[data-testid=payments] a[data-tx="${repayment}"]`).click();
    await page.locator("[data-testid=timeline] li.selected").first().waitFor({ timeout: UI_TIMEOUT_MS });
    const marked = await page
      .locator("[data-testid=timeline] li.selected")
      .evaluateAll((lis) => lis.map((li) => li.getAttribute("data-tx-hash")));
    expect(marked).to.deep.equal(timeline.filter(([, tx]) => tx === repayment).map(([, tx]) => tx));

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("evidence-download").click(),
    ]);
    expect(download.suggestedFilename()).to.equal(`loan-${loan.loanId}-evidence.json`);
    const evidence = JSON.parse(readFileSync(await download.path(), "utf8")) as {
      format: string;
      loan: { id: string };
      installments: unknown[];
      payments: { txHash: string }[];
      events: { txHash: string; blockHash: string; logIndex: number; timestamp: string | null }[];
      contactLog: { id: number }[];
    };
    expect(evidence.format).to.equal("loanbook.loan-evidence/1");
    expect(evidence.loan.id).to.equal(String(loan.loanId));
    // The installments the keeper holds (those due so far and the next one), as its loan API gives them.
    const held = (await pageFetch(page, `/api/loans/${loan.loanId}`)).body as { installments: unknown[] };
    expect(evidence.installments).to.deep.equal(held.installments);
    expect(evidence.payments.map((p) => p.txHash)).to.deep.equal([repayment]);
    expect(evidence.events.map((e) => [e.txHash, e.blockHash, e.logIndex])).to.deep.equal(
      logs.map((log) => [log.transactionHash, log.blockHash, log.logIndex]),
    );
    const contactLog = (await pageFetch(page, `/api/contacts/log?loanId=${loan.loanId}`)).body as {
      entries: { id: number }[];
    };
    expect(evidence.contactLog.map((entry) => entry.id)).to.deep.equal(contactLog.entries.map((entry) => entry.id));
    for (const [index, event] of evidence.events.entries()) {
      const block = await world.rpc.client.getBlock({ blockHash: logs[index]!.blockHash });
      expect(event.timestamp).to.equal(String(block.timestamp));
    }

    // The court evidence package, read from the chain: a .tar.gz that tar unpacks, sha256sum checks and verify holds.
    const [pack] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("evidence-package-download").click(),
    ]);
    expect(pack.suggestedFilename()).to.equal(`loan-${loan.loanId}-evidence.tar.gz`);
    const unpacked = mkdtempSync(join(tmpdir(), "lender-package-"));
    try {
      execFileSync("tar", ["-xzf", await pack.path(), "-C", unpacked]);
      const packageDir = join(unpacked, `loan-${loan.loanId}-evidence`);
      execFileSync("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: packageDir });
      const manifest = JSON.parse(readFileSync(join(packageDir, MANIFEST_FILE), "utf8")) as EvidenceManifest;
      expect(manifest.events.map((e) => [e.transactionHash, e.logIndex])).to.deep.equal(
        logs.map((log) => [log.transactionHash, log.logIndex]),
      );
      expect(manifest.contacts?.entries.map((entry) => Number(entry.entryId))).to.deep.equal(
        contactLog.entries.map((entry) => entry.id),
      );
      const failed = (await verifyEvidence({ dir: packageDir, client: world.rpc.client })).filter((v) => !v.ok);
      // A contact whose batch is still open is the keeper's word only: the one failure verify may name.
      const open = manifest.contacts!.entries.filter((entry) => !entry.anchored);
      expect(failed.map((verdict) => verdict.item)).to.deep.equal(open.map((entry) => `contact ${entry.entryId}`));
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }
    await screenshot("loan-desktop");
  });

  it("previews a template's schedule as the form changes, and publishes it from the lender's wallet", async () => {
    await page.getByTestId("connect").click();
    await page.getByTestId("address").waitFor({ timeout: UI_TIMEOUT_MS });
    await openRoute("lender/templates", "[data-testid=preview]");
    const preview = page.getByTestId("preview");
    const read = async () => ({
      installments: await preview.getAttribute("data-installments"),
      interest: await preview.getAttribute("data-total-interest"),
    });
    const first = await read();
    expect(first.installments).to.equal("12");
    await page.getByTestId("template-count").fill("6");
    await until("the preview to have 6 installments", async () => (await read()).installments === "6");
    const shorter = await read();
    expect(BigInt(shorter.interest!) < BigInt(first.interest!)).to.equal(true);
    await page.getByTestId("template-ratePercent").fill("24");
    await until("the preview's interest to change", async () => (await read()).interest !== shorter.interest);
    expect(BigInt((await read()).interest!) > BigInt(shorter.interest!)).to.equal(true);
    expect(await page.locator("[data-testid=preview-table] tbody tr").count()).to.equal(6);
    // A rate the contract refuses is named as the contract names it.
    await page.getByTestId("template-ratePercent").fill("150");
    await page.getByTestId("preview-error").waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.getByTestId("preview-error").textContent()).to.contain("ScheduleMath_RateTooHigh");
    await page.getByTestId("template-ratePercent").fill("24");
    await screenshot("template-desktop");

    const count = (await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "templateCount",
    })) as bigint;
    await page.getByTestId("publish").click();
    const outcome = page.locator("[data-testid=publish-outcome][data-template-id]");
    await outcome.waitFor({ timeout: 30_000 });
    expect(await outcome.getAttribute("data-template-id")).to.equal(String(count + 1n));
    const template = await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "templateOf",
      args: [count + 1n],
    });
    expect(template).to.include({
      lender: world.accounts.lender.address,
      token: world.token,
      count: 6,
      rateBps: 2_400,
      intervalSeconds: 30 * 86_400,
    });
  });

  it("assigns a suspense payment to a loan on the signed-in lender's word", async () => {
    const reference = "LENDER-UI-SUSPENSE-1";
    await createDemoBankFeed({ url: keeper!.url }).report({
      loanId: 999n,
      bankReference: reference,
      amount: 1_000_000n,
      paidAt: await world.rpc.latestTimestamp(),
    });
    await openRoute("lender/suspense", "[data-testid=suspense] tbody tr");
    const row = page.locator("[data-testid=suspense] tbody tr", { hasText: reference });
    expect(await row.count()).to.equal(1);
    const id = await row.getAttribute("data-record-id");
    const target = world.loans[1]!.loanId;
    await screenshot("suspense-desktop");
    await page.getByTestId(`assign-loan-${id}`).fill(String(target));
    await page.getByTestId(`assign-${id}`).locator("button").click();
    await row.waitFor({ state: "detached", timeout: UI_TIMEOUT_MS });

    const db = new Database(app!.dbPath, { readonly: true });
    try {
      const record = db
        .prepare("SELECT loan_id, state, assigned_by FROM bank_records WHERE bank_reference = ?")
        .get(reference) as { loan_id: number; state: string; assigned_by: string };
      expect(record.loan_id).to.equal(Number(target));
      expect(record.state).to.be.oneOf(["matched", "relayed"]);
      expect(record.assigned_by).to.equal(world.accounts.lender.address);
    } finally {
      db.close();
    }
    // The loan's page lists the payment among those the bank reported.
    await openRoute(`lender/loans/${target}`, "[data-testid=bank-records] tbody tr");
    expect(await page.getByTestId("bank-records").textContent()).to.contain(reference);
  });

  it("shows a late loan's contact log as the keeper holds it", async () => {
    const loan = world.loans[2]!;
    await openRoute(
      `lender/contacts?loanId=${loan.loanId}`,
      "[data-testid=contact-log], [data-testid=contact-log-empty]",
    );
    const api = await pageFetch(page, `/api/contacts/log?loanId=${loan.loanId}`);
    expect(api.status).to.equal(200);
    const entries = (api.body as { entries: { id: number; kind: string }[] }).entries;
    const rows = await page
      .locator("[data-testid=contact-log] tbody tr")
      .evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-entry-id"))));
    expect(rows).to.deep.equal(entries.map((entry) => entry.id));
    // Five days late: the keeper has sent the borrower its one-day-late reminder.
    expect(entries.map((entry) => entry.kind)).to.include("remindLate1");
    expect(await page.locator("[data-testid=contact-log] tbody").textContent()).to.contain("One day late");
    await screenshot("contacts-desktop");
  });

  it("fits a 375 px phone on every lender page, in English and in Chinese, without sideways scrolling", async () => {
    await page.setViewportSize(PHONE);
    const loanId = world.loans[0]!.loanId;
    // A payment waiting in suspense, so that its row and form are on the phone's page too.
    await createDemoBankFeed({ url: keeper!.url }).report({
      loanId: 998n,
      bankReference: "LENDER-UI-SUSPENSE-2",
      amount: 2_000_000n,
      paidAt: await world.rpc.latestTimestamp(),
    });
    const pages = [
      ["portfolio", "lender", "[data-chart=funnel] g[data-value]"],
      ["loans", "lender/loans", "[data-testid=loan-list]"],
      ["loan", `lender/loans/${loanId}`, "[data-testid=timeline] li"],
      ["template", "lender/templates", "[data-testid=preview]"],
      ["suspense", "lender/suspense", "[data-testid=suspense] tbody tr"],
      ["contacts", `lender/contacts?loanId=${loanId}`, "[data-page=contacts]"],
    ] as const;
    for (const [name, route, ready] of pages) {
      await openRoute(route, ready);
      expect(await horizontalOverflow(page), `#/${route} scrolls sideways`).to.equal(0);
      await screenshot(`${name}-phone`);
    }
    await page.getByTestId("language").selectOption("zh");
    await page.locator("nav.tabs a", { hasText: "资产组合" }).waitFor({ timeout: UI_TIMEOUT_MS });
    for (const [name, route, ready] of pages) {
      await openRoute(route, ready);
      expect(await horizontalOverflow(page), `#/${route} (zh) scrolls sideways`).to.equal(0);
      if (name === "portfolio" || name === "loan") await screenshot(`${name}-phone-zh`);
    }
    await openRoute("lender", "[data-chart=ageing] g[data-value]");
    expect(await page.locator("[data-chart=ageing] figcaption").textContent()).to.equal("逾期账龄（笔数 · 未偿余额）");
    await page.getByTestId("language").selectOption("en");
    await page.setViewportSize(DESKTOP);
  });

  it("refuses a signed-in borrower (403) and nobody (401), with the sign-in-as-lender notice", async () => {
    await wallet.setAccount(world.loans[0]!.borrower);
    await signInThroughApi(page, wallet, keeper!.url);
    await page.reload();
    await openRoute("lender", "[data-testid=lender-sign-in]");
    expect(await page.getByTestId("lender-sign-in").getAttribute("data-status")).to.equal("403");
    expect(await page.getByTestId("lender-sign-in").textContent()).to.contain("not a lender");
    expect(await page.locator("[data-chart]").count()).to.equal(0);
    expect((await pageFetch(page, "/api/portfolio")).status).to.equal(403);
    expect((await pageFetch(page, `/api/loans/${world.loans[1]!.loanId}/evidence`)).status).to.equal(403);
    await screenshot("refused-borrower-desktop");

    await page.context().clearCookies();
    await page.reload();
    await openRoute("lender/suspense", "[data-testid=lender-sign-in]");
    expect(await page.getByTestId("lender-sign-in").getAttribute("data-status")).to.equal("401");
    expect(await page.getByTestId("lender-sign-in").textContent()).to.contain("Sign in with a lender's wallet");
    expect((await pageFetch(page, "/api/portfolio")).status).to.equal(401);
    expect((await pageFetch(page, "/bank/records?state=suspense")).status).to.equal(401);
  });

  it("loads nothing from outside the keeper's origin, and logs no error", () => {
    const origin = new URL(keeper!.url).origin;
    expect(app!.requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"))).to.deep.equal([]);
    expect(app!.problems).to.deep.equal([]);
  });
});
