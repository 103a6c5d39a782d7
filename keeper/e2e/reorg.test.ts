/**
 * A reorg under the keeper process, on a real `hardhat node` with no confirmation depth. A book of 10 loans (one
 * borrower of each behaviour) is played for 60 days; the node is marked (a snapshot); on day 61 the keeper declares
 * the five defaults, pulls an auto-debit and relays a bank payment the late borrower made that morning, in blocks
 * above the mark. The node then reverts to the mark and mines another, longer branch in which the plain defaulter
 * pays everything due in the day's first block. Hardhat forgets the old branch's transactions: the keeper must roll
 * its store back, send again what it had sent there, and end as the new branch says: the payer not in default, the
 * four others declared once, the payment relayed once, and nothing in its store from the removed blocks.
 */
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { getAddress, parseEventLogs, type Hash, type Log } from "viem";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { decodeLoanBookLog } from "../src/adapters/chain/decodeLogs.ts";
import { createLoanReader } from "../src/adapters/chain/loanReader.ts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { openStore } from "../src/adapters/store/openStore.ts";
import type { ActionRecord, BankRecordRow, Checkpoint } from "../src/adapters/store/types.ts";
import { LoanStatus } from "../src/core/decisions.ts";
import { encodeLoanFacts } from "../src/core/loanFacts.ts";
import { isDefaulting, type Behaviour } from "../../scripts/demo/behaviours.ts";
import { GAS, readOwed } from "../../scripts/demo/bookCalls.ts";
import { createWorld, dayTime, type World } from "../../scripts/demo/createWorld.ts";
import { createDemoBankFeed, type DemoBankFeed } from "../../scripts/demo/demoBankFeed.ts";
import type { KeeperHealth } from "../../scripts/demo/keeperLink.ts";
import { playDays } from "../../scripts/demo/playDays.ts";
import { operatorHeaders } from "../../scripts/demo/demoCredentials.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { createReorgPlan, type BlockRef, type ReorganiseReturnType } from "./support/chainControl.ts";

const LOANS = 10;
const SEED = "e2e-reorg";
/** Every defaulter's story then fits only the consumer annuity, missing installment 1: all default on day 61. */
const HORIZON_DAYS = 64;
/** Days played before the mark: the defaults hold from day 60's afternoon, the next block is day 61's. */
const DAYS_BEFORE_MARK = 60;
/** The payer's repayment outbids anything else in the new branch's first block. */
const PAYER_PRIORITY_FEE = 50_000_000_000n;

/** A row of the store's `events` table: where the keeper saw a log. */
interface StoredEvent {
  blockNumber: bigint;
  blockHash: Hash;
  txHash: Hash;
  logIndex: number;
  name: string;
  loanId: bigint | null;
}

/** What the store holds at one moment. */
interface StoreView {
  checkpoint: Checkpoint;
  blocks: { number: bigint; hash: Hash }[];
  events: StoredEvent[];
  actions: ActionRecord[];
  bankRecord: BankRecordRow;
}

const eventKey = (e: { txHash: Hash; logIndex: number; blockNumber: bigint; blockHash: Hash }) =>
  `${e.blockNumber}:${e.blockHash}:${e.txHash}:${e.logIndex}`;
const statusName = (status: number) => Object.entries(LoanStatus).find(([, value]) => value === status)?.[0];

describe("a reorg under the keeper process", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-reorg-"));
  const dbPath = join(dir, "keeper.sqlite");
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let bankFeed: DemoBankFeed | undefined;
  let world: World;
  let forkPoint: BlockRef;
  let bankReference: string;
  let oldBranch: StoreView;
  let reorg: ReorganiseReturnType;
  let newBranch: StoreView;
  let health: KeeperHealth;
  let processedBlock: bigint;
  /** The loan book's logs on the canonical chain, up to the keeper's processed block, and as the keeper decodes them. */
  let logs: Log[];
  let canonicalEvents: StoredEvent[];

  const loanOf = (behaviour: Behaviour) => world.loans.find((loan) => loan.script.behaviour === behaviour)!;
  const payer = () => loanOf("defaulter");
  const keeperAddress = () => getAddress(world.accounts.keeper.address);

  function readStore(): StoreView {
    const store = openStore(dbPath);
    const db = new Database(dbPath, { readonly: true });
    db.defaultSafeIntegers(true);
    try {
      const events = (
        db
          .prepare("SELECT block_number, block_hash, tx_hash, log_index, name, loan_id FROM events ORDER BY id")
          .all() as {
          block_number: bigint;
          block_hash: Hash;
          tx_hash: Hash;
          log_index: bigint;
          name: string;
          loan_id: bigint | null;
        }[]
      ).map((row) => ({
        blockNumber: row.block_number,
        blockHash: row.block_hash,
        txHash: row.tx_hash,
        logIndex: Number(row.log_index),
        name: row.name,
        loanId: row.loan_id,
      }));
      const blocks = db.prepare("SELECT number, hash FROM blocks ORDER BY number").all() as {
        number: bigint;
        hash: Hash;
      }[];
      return {
        checkpoint: store.getCheckpoint()!,
        blocks,
        events,
        actions: world.loans.flatMap((loan) => store.actionsOfLoan(loan.loanId)),
        bankRecord: store.getBankRecord(bankReference)!,
      };
    } finally {
      db.close();
      store.close();
    }
  }

  /** The payer's borrower pays all it owes at the new branch's first block (its time is set, automine is off). */
  async function payerPaysFirst(): Promise<void> {
    const { client, chainId } = world.rpc;
    const loan = payer();
    const owed = await readOwed(client, world.loanBook, loan.loanId, "pending");
    expect(owed.amountDue > 0n, "the payer owes something").to.equal(true);
    const request = world.calls.repay(loan.borrower, loan.loanId, owed.amountDue);
    const [latest, nonce] = await Promise.all([
      client.getBlock({ blockTag: "latest" }),
      client.getTransactionCount({ address: loan.borrower.address, blockTag: "pending" }),
    ]);
    const raw = await loan.borrower.signTransaction({
      chainId,
      type: "eip1559",
      to: request.to,
      data: request.data,
      gas: GAS.repay,
      nonce,
      maxFeePerGas: (latest.baseFeePerGas ?? 0n) * 3n + PAYER_PRIORITY_FEE,
      maxPriorityFeePerGas: PAYER_PRIORITY_FEE,
    });
    await client.sendRawTransaction({ serializedTransaction: raw });
  }

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: LOANS, seed: SEED, horizonDays: HORIZON_DAYS });
    keeper = await startDemoKeeper({ world, dbPath, logFile: join(dir, "keeper.log") });
    await keeper.link.waitUntilCaughtUp();
    bankFeed = createDemoBankFeed({ url: keeper.url });
    await playDays({ world, keeper: keeper.link, bankFeed, days: DAYS_BEFORE_MARK });

    const plan = createReorgPlan(chain.url);
    ({ head: forkPoint } = await plan.mark());
    // The old branch: day 61. The late borrower pays installment 2 at the bank that morning; the keeper relays it,
    // declares the defaults and pulls the auto-debit, each in a block of its own above the mark.
    const late = loanOf("lateInGrace");
    const owed = await readOwed(world.rpc.client, world.loanBook, late.loanId, "latest");
    bankReference = `REORG-L${late.loanId}-I${owed.installmentNumber}`;
    await bankFeed.report({
      loanId: late.loanId,
      bankReference,
      amount: owed.installment,
      paidAt: dayTime(world, DAYS_BEFORE_MARK + 1),
    });
    await playDays({ world, keeper: keeper.link, bankFeed, days: 1 });
    oldBranch = readStore();

    // The new branch: the same heights and two more, the first a minute later, with the payer's repayment in it.
    reorg = await plan.reorganise({ extraBlocks: 2, timeShift: 60, beforeMining: payerPaysFirst });
    // A keeper that does not roll back never catches up (each range fails to hang from its checkpoint).
    await keeper.link.waitUntilCaughtUp({ timeoutMs: 30_000 });
    health = await keeper.link.health();
    processedBlock = BigInt(health.processedBlock!);
    newBranch = readStore();
    logs = await world.rpc.client.getLogs({
      address: world.loanBook,
      fromBlock: world.deployBlock,
      toBlock: processedBlock,
    });
    canonicalEvents = logs.flatMap((log) => {
      const decoded = decodeLoanBookLog(log);
      if (decoded === null) return [];
      const { blockNumber, blockHash, txHash, logIndex, name, loanId } = decoded.event;
      return [{ blockNumber, blockHash, txHash, logIndex, name, loanId }];
    });
  });

  after(async () => {
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("had acted above the mark before the reorg: defaults, the auto-debit and the relay", () => {
    expect(oldBranch.checkpoint.blockNumber > forkPoint.number).to.equal(true);
    const removed = oldBranch.events.filter((e) => e.blockNumber > forkPoint.number);
    const defaulted = removed.filter((e) => e.name === "LoanDefaulted").map((e) => e.loanId);
    const defaulters = world.loans.filter((loan) => isDefaulting(loan.script.behaviour)).map((loan) => loan.loanId);
    expect(defaulted.sort()).to.deep.equal(defaulters.sort());
    expect(defaulted).to.include(payer().loanId);
    expect(removed.filter((e) => e.name === "BankPaymentRecorded")).to.have.length(1);
    const settledAbove = oldBranch.actions.filter((a) => a.doneBlock !== null && a.doneBlock > forkPoint.number);
    expect(settledAbove.map((a) => a.kind).sort()).to.deep.equal(
      [...defaulters.map(() => "declareDefault"), "autoDebit", "relayBankPayment"].sort(),
    );
    expect(oldBranch.bankRecord.state).to.equal("relayed");
    expect(reorg.heights.length).to.be.at.least(4);
    expect(reorg.newHead.number).to.equal(reorg.oldHead.number + 2n);
  });

  it("logs the rollback to the fork point", () => {
    const rollbacks = keeper!.process.jsonLines().filter((line) => line.msg === "reorg: rolled back");
    expect(rollbacks, "reorg log lines").to.have.length(1);
    expect(rollbacks[0].ancestor).to.equal(forkPoint.number.toString());
    expect(rollbacks[0].blocks).to.equal(reorg.heights.length);
    expect(rollbacks[0].events).to.equal(oldBranch.events.filter((e) => e.blockNumber > forkPoint.number).length);
  });

  it("ends caught up, idle and without error, its checkpoint and every block it remembers on the canonical chain", async () => {
    expect({ idle: health.idle, lastError: health.lastError, status: health.status }).to.deep.equal({
      idle: true,
      lastError: null,
      status: "ok",
    });
    expect(processedBlock).to.equal(await world.rpc.client.getBlockNumber({ cacheTime: 0 }));
    const { checkpoint, blocks } = newBranch;
    expect(checkpoint.blockNumber).to.equal(processedBlock);
    const canonical = async (number: bigint) => (await world.rpc.client.getBlock({ blockNumber: number })).hash;
    expect(checkpoint.blockHash).to.equal(await canonical(processedBlock));
    for (const block of blocks) expect(block.hash, `block ${block.number}`).to.equal(await canonical(block.number));
    const remembered = new Set(blocks.map((block) => block.hash));
    for (const { number, oldHash } of reorg.heights) expect(remembered.has(oldHash), `old ${number}`).to.equal(false);
  });

  it("holds the canonical chain's events, and none of the removed branch's", () => {
    const stored = newBranch.events.map(eventKey);
    expect([...stored].sort()).to.deep.equal(canonicalEvents.map(eventKey).sort());
    expect(stored.length).to.equal(logs.length);
    // The old branch's events were in the store; those of removed blocks are gone (a transaction sent again keeps
    // its hash, but not its block).
    const removed = oldBranch.events.filter((e) => e.blockNumber > forkPoint.number).map(eventKey);
    expect(removed.length).to.be.greaterThan(0);
    for (const key of removed) expect(stored, key).to.not.include(key);
  });

  it("sees each loan as the contract does at its processed block", async () => {
    const { client } = world.rpc;
    const reader = createLoanReader({ client, loanBook: world.loanBook });
    const store = openStore(dbPath);
    try {
      expect(store.loanIds()).to.deep.equal(world.loans.map((loan) => loan.loanId));
      for (const { loanId } of world.loans) {
        const label = `loan ${loanId}`;
        const [onChain, status, detail] = await Promise.all([
          reader.readLoan(loanId, processedBlock),
          client.readContract({
            address: world.loanBook,
            abi: loanBookAbi,
            functionName: "statusOf",
            args: [loanId],
            blockNumber: processedBlock,
          }),
          fetch(`${keeper!.url}/api/loans/${loanId}`, { headers: operatorHeaders() }).then(
            (response) =>
              response.json() as Promise<{
                loan: { status: string };
                events: { name: string; blockNumber: string; txHash: Hash; logIndex: number }[];
              }>,
          ),
        ]);
        const stored = store.getLoan(loanId)!;
        expect(stored.stale, label).to.equal(false);
        // The installments are a quote at the block read (those due by then, and the current one): compare them at
        // that block, a canonical one.
        expect(stored.updatedBlock <= processedBlock, label).to.equal(true);
        const atUpdate = await reader.readLoan(loanId, stored.updatedBlock);
        expect(store.getInstallments(loanId), label).to.deep.equal(atUpdate!.installments);
        expect(detail.loan.status, label).to.equal(statusName(status));
        expect(
          {
            facts: stored.facts,
            flags: stored.flags,
            stage: stored.stage,
            nextDueTime: stored.nextDueTime,
            defaultEligibleAt: stored.defaultEligibleAt,
          },
          label,
        ).to.deep.equal({
          facts: encodeLoanFacts(onChain!.facts),
          flags: onChain!.facts.flags,
          stage: onChain!.stage,
          nextDueTime: onChain!.nextDueTime,
          defaultEligibleAt: onChain!.defaultEligibleAt,
        });
        // A default's time is its canonical block's: the removed one was a minute earlier.
        const [declared] = parseEventLogs({ abi: loanBookAbi, eventName: "LoanDefaulted", logs }).filter(
          (event) => event.args.loanId === loanId,
        );
        const defaultedAt =
          declared === undefined ? null : (await client.getBlock({ blockHash: declared.blockHash })).timestamp;
        expect(stored.defaultedAt, label).to.equal(defaultedAt);
        // Its events as the API shows them: the canonical chain's, in chain order.
        expect(
          detail.events.map((e) => `${e.blockNumber}:${e.txHash}:${e.logIndex}:${e.name}`),
          label,
        ).to.deep.equal(
          canonicalEvents
            .filter((e) => e.loanId === loanId)
            .map((e) => `${e.blockNumber}:${e.txHash}:${e.logIndex}:${e.name}`),
        );
      }
    } finally {
      store.close();
    }
  });

  it("declares each default once on the canonical chain, and not the payer's", async () => {
    const declared = parseEventLogs({ abi: loanBookAbi, eventName: "LoanDefaulted", logs });
    const others = world.loans.filter((loan) => isDefaulting(loan.script.behaviour) && loan !== payer());
    expect(declared.map((event) => event.args.loanId).sort()).to.deep.equal(others.map((loan) => loan.loanId).sort());
    for (const event of declared) expect(getAddress(event.args.actor)).to.equal(keeperAddress());

    const status = await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "statusOf",
      args: [payer().loanId],
    });
    expect(statusName(status)).to.equal("Active");
    // The keeper's default, sent again in the new branch, was skipped: planned again for when it could hold.
    const [declareDefault] = newBranch.actions.filter(
      (a) => a.loanId === payer().loanId && a.kind === "declareDefault",
    );
    expect({ state: declareDefault.state, outcome: declareDefault.outcome }).to.deep.equal({
      state: "planned",
      outcome: "DefaultSkipped",
    });
    const repaid = parseEventLogs({ abi: loanBookAbi, logs }).filter(
      (event) =>
        event.blockHash === reorg.heights[0].newHash && (event.args as { loanId?: bigint }).loanId === payer().loanId,
    );
    expect(repaid.length, "the payer's payment in the new branch's first block").to.be.greaterThan(0);
  });

  it("sends again what it had sent in the removed blocks, at the same nonces, and carries no action twice", async () => {
    const { client } = world.rpc;
    const resent = oldBranch.actions.filter(
      (a) =>
        a.doneBlock !== null &&
        a.doneBlock > forkPoint.number &&
        !(a.loanId === payer().loanId && a.kind === "declareDefault"),
    );
    const store = openStore(dbPath);
    try {
      for (const old of resent) {
        const now = newBranch.actions.find((a) => a.id === old.id)!;
        expect({ key: now.key, state: now.state, outcome: now.outcome }).to.deep.equal({
          key: old.key,
          state: "done",
          outcome: "mined",
        });
        const receipt = await client.getTransactionReceipt({ hash: now.txHash! });
        expect(receipt.status, old.key).to.equal("success");
        expect(now.doneBlock, old.key).to.equal(receipt.blockNumber);
        expect(receipt.blockNumber > forkPoint.number, old.key).to.equal(true);
        expect(receipt.blockHash).to.equal((await client.getBlock({ blockNumber: receipt.blockNumber })).hash);
        // The same bytes again, or a fee bump of them (the reorg made them look stuck): the old nonce either way.
        const oldTx = store.getTransaction(old.txHash!)!;
        const newTx = store.getTransaction(now.txHash!)!;
        expect({ nonce: newTx.nonce, state: newTx.state }, old.key).to.deep.equal({
          nonce: oldTx.nonce,
          state: "mined",
        });
        expect(oldTx.state, old.key).to.equal(oldTx.hash === newTx.hash ? "mined" : "replaced");
      }
      expect(store.readModel.duplicateActionCount()).to.equal(0);
      expect(store.readModel.pendingTransactionCount()).to.equal(0);
      expect(store.getNextNonce(keeperAddress())).to.equal(
        await client.getTransactionCount({ address: keeperAddress(), blockTag: "latest" }),
      );
    } finally {
      store.close();
    }

    // The bank payment: credited once on the canonical chain, by the transaction the keeper recorded.
    const recorded = parseEventLogs({ abi: loanBookAbi, eventName: "BankPaymentRecorded", logs }).filter(
      (event) => event.args.loanId === loanOf("lateInGrace").loanId && event.blockNumber > forkPoint.number,
    );
    expect(recorded).to.have.length(1);
    expect({ state: newBranch.bankRecord.state, relayTx: newBranch.bankRecord.relayTx }).to.deep.equal({
      state: "relayed",
      relayTx: recorded[0].transactionHash,
    });
  });
});
