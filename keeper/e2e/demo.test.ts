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
import { expect } from "chai";
import { getAddress, parseEventLogs, type Log } from "viem";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { openStore } from "../src/adapters/store/openStore.ts";
import { LoanStatus } from "../src/core/decisions.ts";
import { isDefaulting, type Behaviour } from "../../scripts/demo/behaviours.ts";
import { createWorld, type World } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed, type DemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { readSummary, type DemoSummary } from "../../scripts/demo/readSummary.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";

const LOANS = 12;
const DAYS = 120;
const SEED = "e2e-demo";

describe("the demo's scenario engine against the keeper process", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-demo-"));
  const dbPath = join(dir, "keeper.sqlite");
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let bankFeed: DemoBankFeed | undefined;
  let world: World;
  let summary: DemoSummary;
  let logs: Log[];

  const loansOf = (...behaviours: Behaviour[]) =>
    world.loans.filter((loan) => behaviours.includes(loan.script.behaviour));
  const statusOf = (loanId: bigint) =>
    world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "statusOf",
      args: [loanId],
    });
  const keeperAddress = () => getAddress(world.accounts.keeper.address);
  /** Installments of `loan` due by day `day` (from origination). */
  const dueWithin = (loan: World["loans"][number], day: number) => {
    let n = 0;
    while (n < loan.script.template.installments && loan.script.template.dueDay(n + 1) <= day) n++;
    return n;
  };

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: DAYS });
    keeper = await startDemoKeeper({ world, dbPath, logFile: join(dir, "keeper.log") });
    await keeper.link.waitUntilCaughtUp();
    bankFeed = createDemoBankFeed({ dbPath });
    await playDays({ world, keeper: keeper.link, bankFeed, days: DAYS });
    summary = await readSummary({ world, dbPath, keeper: world.accounts.keeper.address });
    logs = await world.rpc.client.getLogs({ address: world.loanBook, fromBlock: world.deployBlock, toBlock: "latest" });
  });

  after(async () => {
    bankFeed?.close();
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("has every behaviour in the book", () => {
    const behaviours = new Set(world.loans.map((loan) => loan.script.behaviour));
    expect(behaviours.size).to.equal(10);
  });

  it("lets the keeper declare every defaulter's default, and no one else", () => {
    const defaulters = world.loans.filter((loan) => isDefaulting(loan.script.behaviour));
    expect(defaulters).to.have.length.greaterThanOrEqual(5);
    const declared = parseEventLogs({ abi: loanBookAbi, eventName: "LoanDefaulted", logs });
    for (const loan of defaulters) {
      const events = declared.filter((event) => event.args.loanId === loan.loanId);
      expect(events, `loan ${loan.loanId} (${loan.script.behaviour}) defaults`).to.have.length(1);
      expect(getAddress(events[0].args.actor), `loan ${loan.loanId}'s default declared by`).to.equal(keeperAddress());
    }
    expect(declared.map((event) => event.args.loanId).sort()).to.deep.equal(
      defaulters.map((loan) => loan.loanId).sort(),
    );
    expect(summary.keeperActors.defaults).to.deep.equal({ keeper: defaulters.length, others: 0 });
  });

  it("lets the keeper record the commitment breaker's breach", async () => {
    const [breaker] = loansOf("commitBreaker");
    const breaches = parseEventLogs({ abi: loanBookAbi, eventName: "CommitmentBreached", logs });
    expect(breaches.map((event) => event.args.loanId)).to.deep.equal([breaker.loanId]);
    expect(getAddress(breaches[0].args.actor)).to.equal(keeperAddress());
    // Breached (uncertified: Defaulted), then certified by the notary two days later.
    expect(await statusOf(breaker.loanId)).to.equal(LoanStatus.Certified);
    // The commitment keeper's commitment holds: it paid its first installment.
    const [keeperLoan] = loansOf("commitKeeper");
    expect(keeperLoan.progress.commitment?.paid).to.be.greaterThanOrEqual(1);
    expect(await statusOf(keeperLoan.loanId)).to.equal(LoanStatus.Committed);
  });

  it("credits each bank-feed payment on chain exactly once", async () => {
    const payments = loansOf("bankFeed").flatMap((loan) => loan.progress.bankPayments.map((p) => ({ loan, p })));
    // One on each due date played (the morning's block of a due date comes before the due time).
    for (const loan of loansOf("bankFeed")) expect(loan.progress.bankPayments).to.have.length(dueWithin(loan, DAYS));
    const recorded = parseEventLogs({ abi: loanBookAbi, eventName: "BankPaymentRecorded", logs });
    expect(recorded).to.have.length(payments.length);
    for (const { loan, p } of payments) {
      const events = recorded.filter((event) => event.args.bankReferenceHash === p.bankReferenceHash);
      expect(events, p.bankReference).to.have.length(1);
      expect(events[0].args.loanId).to.equal(loan.loanId);
      expect(events[0].args.amount).to.equal(p.amount);
      expect(events[0].args.paidAt).to.equal(p.paidAt);
      expect(getAddress(events[0].args.signer)).to.equal(getAddress(world.accounts.bankSigner.address));
      const creditedTo = await world.rpc.client.readContract({
        address: world.loanBook,
        abi: loanBookAbi,
        functionName: "bankReferenceLoan",
        args: [p.bankReferenceHash],
      });
      expect(creditedTo).to.equal(loan.loanId);
    }
    // The keeper's records agree: every one relayed.
    const store = openStore(dbPath);
    try {
      for (const { loan, p } of payments) {
        expect(store.getBankRecord(p.bankReference)?.state, p.bankReference).to.equal("relayed");
        expect(
          store.actionsOfLoan(loan.loanId).filter((a) => a.kind === "relayBankPayment" && a.state === "done"),
        ).to.have.length(loan.progress.bankPayments.length);
      }
    } finally {
      store.close();
    }
  });

  it("leaves the borrowers who pay in good standing", async () => {
    for (const loan of loansOf("onTime", "bankFeed", "autoDebit", "lateInGrace", "objectorUpheld")) {
      expect([LoanStatus.Active, LoanStatus.Repaid], `loan ${loan.loanId} (${loan.script.behaviour})`).to.include(
        await statusOf(loan.loanId),
      );
    }
    // Auto-debit: the keeper pulled each installment once due (seen in the next morning's block).
    for (const loan of loansOf("autoDebit")) {
      const facts = await world.rpc.client.readContract({
        address: world.loanBook,
        abi: loanBookAbi,
        functionName: "loanOf",
        args: [loan.loanId],
      });
      expect(facts.paidInstallments, `loan ${loan.loanId}`).to.equal(dueWithin(loan, DAYS - 1));
    }
  });

  it("carries no action twice, fails none, and leaves nothing waiting", () => {
    expect(summary.duplicateActions).to.equal(0);
    for (const [kind, counts] of Object.entries(summary.actions)) {
      expect({ kind, failed: counts.failed, planned: counts.planned, sent: counts.sent }).to.deep.equal({
        kind,
        failed: 0,
        planned: 0,
        sent: 0,
      });
    }
    expect(summary.keeperTransactions.reverted).to.equal(0);
  });
});
