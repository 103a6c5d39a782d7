/**
 * The keeper's executor (keeper/src/runtime/executor.ts) against the in-process Hardhat chain and a real SQLite
 * store: each planned action carried out exactly once.
 *
 * 1. a loan past its default trigger: write-ahead record, broadcast, settled from the receipt, the keeper the actor
 * 2. a crash between the store and the broadcast: the restarted executor broadcasts the same signed bytes
 * 3. a lost answer to the broadcast: the transaction is settled once, nothing is sent again
 * 4. a transaction kept out of blocks: replaced at its nonce with fees >= 112.5%, the replacement settles
 * 5. refusals from the simulation: not yet (retry at eligibleAt), repaid (dropped), paused (retry later)
 * 6. a batch whose loan stops being eligible before the block: DefaultSkipped for it, the others done
 * 7. the keeper's nonce taken by another transaction: dropped, planned again, sent at the next nonce
 * 8. a bank payment relay: credited once, its bank record (and only it) marked relayed
 * 9. a bank payment above the payoff: refused by the chain, sent back to the suspense queue with the reason
 * 10. a batch of the contact log: its root anchored on the EvidenceAnchor once, every entry's proof verified on chain
 */
import { describe, it, type TestContext } from "node:test";
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  getAddress,
  isAddressEqual,
  keccak256,
  parseTransaction,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount, type LocalAccount } from "viem/accounts";

import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import { openStore, type Store } from "../../keeper/src/adapters/store/openStore.ts";
import type { PlanActionParameters } from "../../keeper/src/adapters/store/types.ts";
import { bankReferenceHashOf } from "../../keeper/src/core/bankReference.ts";
import { PAUSED_RETRY_SECONDS } from "../../keeper/src/core/outcomes.ts";
import { ANCHOR_KIND, createExecutor } from "../../keeper/src/runtime/executor.ts";
import { buildContactTree, contactLeafHash, type ContactEntry } from "../../keeper/src/core/contactMerkle.ts";
import { toPlannedAction } from "../../keeper/src/runtime/planner.ts";
import { DAY, loadLoanBook, originateLoan, type LoanBookFixture } from "../support/loanBookFixture.ts";

/** Hardhat's default account #8 (the fixture uses #0 to #5, the enforcement tests #6): the keeper. */
const KEEPER_KEY: Hex = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
/** Hardhat's default account #9: the bank feed's signer, registered by the lender. */
const BANK_SIGNER_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
/** The executor's replacement rule: at least 112.5% of the fees replaced (per mille). */
const FEE_BUMP_PER_MILLE = 1_125n;
/** A priority fee far above the keeper's: the transaction goes first in the block. */
const URGENT_TIP = 100_000_000_000n;
const BANK = "ICBC Kunshan";

const logger = pino({ level: "silent" });

/*//////////////////////////////////////////////////////////////
                           LOCAL HELPERS
//////////////////////////////////////////////////////////////*/

type SendRawTransaction = PublicClient["sendRawTransaction"];

/** `client` with its broadcast replaced (every other call goes to the node). */
function withBroadcast(client: PublicClient, sendRawTransaction: SendRawTransaction): PublicClient {
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === "sendRawTransaction" ? sendRawTransaction : Reflect.get(target, property, receiver),
  });
}

/** A broadcast that never reaches the node (the process died, or the node is unreachable). */
const unreachable: SendRawTransaction = async () => {
  throw new Error("fetch failed: connect ECONNREFUSED 127.0.0.1:8545");
};

/** The keeper's account, counting the transactions it signs. */
function countingAccount(account: LocalAccount) {
  const counter = { signed: 0 };
  const signTransaction = (async (...args: Parameters<LocalAccount["signTransaction"]>) => {
    counter.signed++;
    return account.signTransaction(...args);
  }) as LocalAccount["signTransaction"];
  return { account: { ...account, signTransaction } as LocalAccount, counter };
}

interface ExecutorOptions {
  client?: PublicClient;
  account?: LocalAccount;
  bumpAfterBlocks?: number;
  batchSize?: number;
  evidenceAnchor?: Address | null;
}

/** The loan book, a keeper account, a store on a temporary file, and executors over them. */
async function setup(t: TestContext) {
  const fixture = await loadLoanBook();
  const { viem, book, chainId, connection } = fixture;
  const publicClient = fixture.publicClient as unknown as PublicClient;
  const keeper = privateKeyToAccount(KEEPER_KEY);
  const bankSigner = privateKeyToAccount(BANK_SIGNER_KEY);
  const wallets = await viem.getWalletClients();
  // Hardhat's accounts are funded at genesis: check these keys are two of them (and so have ether for gas).
  expect(getAddress(wallets[8].account.address)).to.equal(keeper.address);
  expect(getAddress(wallets[9].account.address)).to.equal(bankSigner.address);
  expect((await publicClient.getBalance({ address: keeper.address })) > 10n ** 18n).to.equal(true);

  const dir = mkdtempSync(join(tmpdir(), "keeper-executor-"));
  const path = join(dir, "keeper.sqlite");
  const store = openStore(path);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const executor = (options: ExecutorOptions = {}) =>
    createExecutor({
      client: options.client ?? publicClient,
      account: options.account ?? keeper,
      bankSigner,
      store,
      loanBook: book.address,
      chainId,
      bumpAfterBlocks: options.bumpAfterBlocks ?? 3,
      batchSize: options.batchSize ?? 10,
      logger,
      evidenceAnchor: options.evidenceAnchor ?? null,
    });

  /** The latest block: the head, and the chain time the keeper acts at. */
  async function tip() {
    const block = await publicClient.getBlock({ blockTag: "latest" });
    return { head: block.number, now: block.timestamp };
  }

  /** Every LoanDefaulted the book emitted (of loan `loanId` if given). */
  async function defaults(loanId?: bigint) {
    const events = await publicClient.getContractEvents({
      address: book.address,
      abi: loanBookAbi,
      eventName: "LoanDefaulted",
      args: loanId === undefined ? undefined : { loanId },
      fromBlock: 0n,
      strict: true,
    });
    return events;
  }

  /** Transactions the keeper's account has mined. */
  const minedNonce = () => publicClient.getTransactionCount({ address: keeper.address, blockTag: "latest" });

  async function setAutomine(enabled: boolean) {
    await connection.provider.request({ method: "evm_setAutomine", params: [enabled] });
  }

  return {
    fixture,
    book,
    publicClient,
    connection,
    keeper,
    bankSigner,
    store,
    path,
    executor,
    tip,
    defaults,
    minedNonce,
    setAutomine,
  };
}
type Harness = Awaited<ReturnType<typeof setup>>;

/** What the planner stores for `declareDefault(loanId)`, from the decision core's action. */
async function declareDefaultOf(fixture: LoanBookFixture, loanId: bigint): Promise<PlanActionParameters> {
  const [eligibleAt, current] = await Promise.all([
    fixture.book.read.defaultEligibleAt([loanId]),
    fixture.book.read.currentInstallment([loanId]),
  ]);
  return toPlannedAction({
    kind: "declareDefault",
    loanId,
    key: `${loanId}:declareDefault:d0`,
    validFrom: eligibleAt,
    installment: Number(current.number),
    dueTime: current.dueTime,
  });
}

/** Originates a loan and moves the clock to its default trigger (mining a block there); returns its planned action. */
async function loanPastTrigger(h: Harness) {
  const loanId = await originateLoan(h.fixture);
  const action = await declareDefaultOf(h.fixture, loanId);
  await h.connection.networkHelpers.time.increaseTo(action.validFrom!);
  return { loanId, action };
}

/** A pass of the keeper's loop with no confirmation depth: reconcile at the head, then execute. */
async function pass(h: Harness, executor: ReturnType<Harness["executor"]>) {
  const { head, now } = await h.tip();
  await executor.reconcile(head, head, now);
  return executor.execute(now, head);
}

/** The stored action of `key` (it must exist). */
function actionOf(store: Store, key: string) {
  const action = store.getActionByKey(key);
  if (action === undefined) throw new Error(`no action ${key}`);
  return action;
}

/** The stored transaction `hash` (it must exist). */
function transactionOf(store: Store, hash: Hash | null) {
  const tx = hash === null ? undefined : store.getTransaction(hash);
  if (tx === undefined) throw new Error(`no transaction ${hash}`);
  return tx;
}

/** Whether the node knows transaction `hash` (mined or in its mempool). */
async function nodeKnows(client: PublicClient, hash: Hash) {
  return client.getTransaction({ hash }).then(
    () => true,
    () => false,
  );
}

/*//////////////////////////////////////////////////////////////
                              TESTS
//////////////////////////////////////////////////////////////*/

describe("Keeper executor", () => {
  it("declares a loan past its trigger: stored before broadcast, settled from the receipt, the keeper the actor", async (t) => {
    const h = await setup(t);
    const { store, keeper } = h;
    const { loanId, action: planned } = await loanPastTrigger(h);
    expect(store.planActions([planned])).to.equal(1);
    const executor = h.executor();
    await executor.start();
    const chainNonce = await h.minedNonce();
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce);

    const { head, now } = await h.tip();
    expect(await executor.execute(now, head)).to.equal(1);
    const sent = actionOf(store, planned.key);
    expect(sent.state).to.equal("sent");
    expect(sent.attempts).to.equal(1);
    const tx = transactionOf(store, sent.txHash);
    expect(tx.raw).to.not.equal(null);
    expect(keccak256(tx.raw!)).to.equal(tx.hash);
    expect(tx).to.include({ nonce: chainNonce, state: "sent", sentBlock: head, functionName: "declareDefaults" });
    expect(tx.actionIds).to.deep.equal([sent.id]);
    const parsed = parseTransaction(tx.raw!);
    expect(parsed.nonce).to.equal(chainNonce);
    expect(getAddress(parsed.to!)).to.equal(getAddress(h.book.address));
    expect(store.pendingTransactions(keeper.address).map((p) => p.hash)).to.deep.equal([tx.hash]);

    // Automine: mined at once. Not settled while its block is above the settled block (the confirmation depth).
    const receipt = await h.publicClient.getTransactionReceipt({ hash: tx.hash });
    expect(receipt.status).to.equal("success");
    await executor.reconcile(receipt.blockNumber, receipt.blockNumber - 1n, now);
    expect(actionOf(store, planned.key).state).to.equal("sent");
    expect(transactionOf(store, tx.hash).state).to.equal("sent");

    await executor.reconcile(receipt.blockNumber, receipt.blockNumber, now);
    const done = actionOf(store, planned.key);
    expect(done).to.include({ state: "done", outcome: "mined", txHash: tx.hash, doneBlock: receipt.blockNumber });
    expect(transactionOf(store, tx.hash)).to.include({ state: "mined", minedBlock: receipt.blockNumber });
    expect(store.pendingTransactions(keeper.address)).to.deep.equal([]);

    const events = await h.defaults(loanId);
    expect(events).to.have.length(1);
    expect(events[0].transactionHash).to.equal(tx.hash);
    expect(isAddressEqual(events[0].args.actor, keeper.address)).to.equal(true);
    expect(store.getNextNonce(keeper.address)).to.equal(await h.minedNonce());
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce + 1);

    // Nothing left to do: another pass sends nothing.
    expect(await pass(h, executor)).to.equal(0);
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
  });

  it("a crash between the store and the broadcast: the restarted executor broadcasts the same signed bytes", async (t) => {
    const h = await setup(t);
    const { store, keeper } = h;
    const { loanId, action: planned } = await loanPastTrigger(h);
    store.planActions([planned]);
    const { account, counter } = countingAccount(keeper);
    const chainNonce = await h.minedNonce();

    // Write-ahead: when the broadcast is attempted, the signed bytes are already committed with their action.
    const storedAtBroadcast: boolean[] = [];
    const crash: SendRawTransaction = async (args) => {
      const tx = store.getTransaction(keccak256(args.serializedTransaction));
      const action = actionOf(store, planned.key);
      storedAtBroadcast.push(tx?.raw === args.serializedTransaction && action.state === "sent");
      return unreachable(args);
    };
    const crashing = h.executor({ client: withBroadcast(h.publicClient, crash), account });
    await crashing.start();
    const { head, now } = await h.tip();
    expect(await crashing.execute(now, head)).to.equal(1);
    expect(storedAtBroadcast).to.deep.equal([true]);
    expect(counter.signed).to.equal(1);
    const sent = actionOf(store, planned.key);
    expect(sent.state).to.equal("sent");
    const stored = transactionOf(store, sent.txHash);
    expect(stored).to.include({ nonce: chainNonce, state: "sent" });
    expect(await nodeKnows(h.publicClient, stored.hash)).to.equal(false);
    expect(await h.minedNonce()).to.equal(chainNonce);

    // Restart: a new executor on the same store, with a working node.
    const restarted = h.executor({ account });
    await restarted.start();
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce + 1);
    const after = await h.tip();
    await restarted.reconcile(after.head, after.head, after.now);
    const receipt = await h.publicClient.getTransactionReceipt({ hash: stored.hash });
    expect(receipt.status).to.equal("success");
    expect(await h.minedNonce()).to.equal(chainNonce + 1);

    // The next pass settles it, and signs nothing new.
    expect(await pass(h, restarted)).to.equal(0);
    expect(actionOf(store, planned.key)).to.include({ state: "done", outcome: "mined", txHash: stored.hash });
    expect(counter.signed).to.equal(1);
    expect(store.transactionsAtNonce(keeper.address, chainNonce).map((tx) => tx.hash)).to.deep.equal([stored.hash]);
    expect(store.getNextNonce(keeper.address)).to.equal(await h.minedNonce());
    const events = await h.defaults(loanId);
    expect(events.map((e) => e.transactionHash)).to.deep.equal([stored.hash]);
  });

  it("a lost answer to the broadcast: the transaction is settled once, and nothing is sent again", async (t) => {
    const h = await setup(t);
    const { store, keeper } = h;
    const { loanId, action: planned } = await loanPastTrigger(h);
    store.planActions([planned]);
    const { account, counter } = countingAccount(keeper);
    let broadcasts = 0;
    const lostAnswer: SendRawTransaction = async (args) => {
      broadcasts++;
      await h.publicClient.sendRawTransaction(args);
      throw new Error("socket hang up");
    };
    const executor = h.executor({ client: withBroadcast(h.publicClient, lostAnswer), account });
    await executor.start();
    const chainNonce = await h.minedNonce();

    const { head, now } = await h.tip();
    expect(await executor.execute(now, head)).to.equal(1);
    const hash = actionOf(store, planned.key).txHash!;
    const receipt = await h.publicClient.getTransactionReceipt({ hash });
    expect(broadcasts).to.equal(1);

    expect(await pass(h, executor)).to.equal(0);
    const done = actionOf(store, planned.key);
    expect(done).to.include({ state: "done", outcome: "mined", txHash: hash, doneBlock: receipt.blockNumber });
    expect(transactionOf(store, hash)).to.include({ state: "mined", minedBlock: receipt.blockNumber });

    // A second pass: nothing pending, nothing planned, nothing broadcast or signed.
    expect(await pass(h, executor)).to.equal(0);
    expect(broadcasts).to.equal(1);
    expect(counter.signed).to.equal(1);
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce + 1);
    expect(await h.defaults(loanId)).to.have.length(1);
  });

  it("a transaction kept out of blocks is replaced at its nonce with fees >= 112.5%; the replacement settles", async (t) => {
    const h = await setup(t);
    const { store, keeper, publicClient, connection } = h;
    const { networkHelpers } = connection;
    const { loanId, action: planned } = await loanPastTrigger(h);
    store.planActions([planned]);
    const bumpAfterBlocks = 3;
    const executor = h.executor({ bumpAfterBlocks });
    await executor.start();
    const chainNonce = await h.minedNonce();

    await h.setAutomine(false);
    t.after(() => h.setAutomine(true));
    const { head, now } = await h.tip();
    expect(await executor.execute(now, head)).to.equal(1);
    const original = transactionOf(store, actionOf(store, planned.key).txHash);
    expect(await nodeKnows(publicClient, original.hash)).to.equal(true);

    // Blocks whose base fee is above what the transaction pays: it stays in the mempool.
    for (let i = 0; i < bumpAfterBlocks; i++) {
      const { head: current, now: time } = await h.tip();
      await executor.reconcile(current, current, time);
      expect(store.transactionsAtNonce(keeper.address, chainNonce)).to.have.length(1);
      await networkHelpers.setNextBlockBaseFeePerGas(original.maxFeePerGas + 1n);
      await networkHelpers.mine();
    }
    expect(await h.minedNonce()).to.equal(chainNonce);
    const stuck = await h.tip();
    expect(stuck.head - original.sentBlock).to.equal(BigInt(bumpAfterBlocks));

    await executor.reconcile(stuck.head, stuck.head, stuck.now);
    const atNonce = store.transactionsAtNonce(keeper.address, chainNonce);
    expect(atNonce).to.have.length(2);
    const replacement = atNonce[1];
    expect(replacement.hash).to.not.equal(original.hash);
    expect(replacement).to.include({ state: "sent", sentBlock: stuck.head, gasLimit: original.gasLimit });
    expect(replacement.actionIds).to.deep.equal(original.actionIds);
    expect(replacement.maxFeePerGas * 1_000n >= original.maxFeePerGas * FEE_BUMP_PER_MILLE).to.equal(true);
    expect(replacement.maxPriorityFeePerGas * 1_000n >= original.maxPriorityFeePerGas * FEE_BUMP_PER_MILLE).to.equal(
      true,
    );
    const parsed = parseTransaction(replacement.raw!);
    expect(parsed.nonce).to.equal(chainNonce);
    expect(parsed.data).to.equal(parseTransaction(original.raw!).data);
    expect(actionOf(store, planned.key)).to.include({ state: "sent", txHash: replacement.hash });
    expect(await nodeKnows(publicClient, replacement.hash)).to.equal(true);

    // The base fee falls back: the replacement is mined.
    await networkHelpers.mine();
    const receipt = await publicClient.getTransactionReceipt({ hash: replacement.hash });
    expect(receipt.status).to.equal("success");
    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, planned.key)).to.include({
      state: "done",
      outcome: "mined",
      txHash: replacement.hash,
      doneBlock: receipt.blockNumber,
    });
    expect(transactionOf(store, replacement.hash).state).to.equal("mined");
    expect(transactionOf(store, original.hash).state).to.equal("replaced");
    expect(store.pendingTransactions(keeper.address)).to.deep.equal([]);
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
    const events = await h.defaults(loanId);
    expect(events.map((e) => e.transactionHash)).to.deep.equal([replacement.hash]);
    // Settled once: further passes (and blocks) change nothing.
    await networkHelpers.mine();
    expect(await pass(h, executor)).to.equal(0);
    expect(store.transactionsAtNonce(keeper.address, chainNonce)).to.have.length(2);
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
  });

  describe("refusals in the simulation", () => {
    it("a loan not yet eligible: planned again from the eligibleAt the chain gives, no transaction", async (t) => {
      const h = await setup(t);
      const { store, keeper } = h;
      const loanId = await originateLoan(h.fixture);
      const planned = await declareDefaultOf(h.fixture, loanId);
      const eligibleAt = planned.validFrom!;
      store.planActions([planned]);
      const executor = h.executor();
      await executor.start();
      const chainNonce = await h.minedNonce();

      const { head, now } = await h.tip();
      expect(now < eligibleAt).to.equal(true);
      expect(await executor.execute(now, head)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({
        state: "planned",
        outcome: "LoanBook_DefaultNotYetTriggered",
        notBefore: eligibleAt,
        txHash: null,
        attempts: 0,
      });
      expect(store.pendingTransactions(keeper.address)).to.deep.equal([]);
      expect(store.getNextNonce(keeper.address)).to.equal(chainNonce);
      // Not tried again before eligibleAt.
      expect(store.nextActions(10, eligibleAt - 1n)).to.deep.equal([]);
      expect(await executor.execute(eligibleAt - 1n, head)).to.equal(0);
      expect(await h.minedNonce()).to.equal(chainNonce);

      // From eligibleAt it goes through.
      await h.connection.networkHelpers.time.increaseTo(eligibleAt);
      expect(await pass(h, executor)).to.equal(1);
      expect(await pass(h, executor)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({ state: "done", outcome: "mined" });
      expect(await h.defaults(loanId)).to.have.length(1);
    });

    it("a repaid loan: dropped (LoanBook_LoanRepaid), no transaction", async (t) => {
      const h = await setup(t);
      const { store, keeper, book, fixture } = h;
      const loanId = await originateLoan(fixture);
      const planned = await declareDefaultOf(fixture, loanId);
      const payAt = (await h.tip()).now + BigInt(DAY);
      await h.connection.networkHelpers.time.setNextBlockTimestamp(payAt);
      const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
      await book.write.repay([loanId, payoff], { account: fixture.borrower.account });
      expect((await book.read.loanOf([loanId])).flags & 2).to.equal(2); // FLAG_REPAID
      store.planActions([planned]);
      const executor = h.executor();
      await executor.start();
      const chainNonce = await h.minedNonce();

      // Simulated at the block before the repayment, the loan is not repaid: not yet eligible, tried again then.
      const { head } = await h.tip();
      expect(await executor.execute(planned.validFrom!, head, head - 1n)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({ state: "planned", outcome: "LoanBook_DefaultNotYetTriggered" });

      expect(await executor.execute(planned.validFrom!, head)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({
        state: "dropped",
        outcome: "LoanBook_LoanRepaid",
        txHash: null,
        attempts: 0,
        doneBlock: head,
      });
      expect(store.nextActions(10, 2n ** 40n)).to.deep.equal([]);
      expect(store.pendingTransactions(keeper.address)).to.deep.equal([]);
      expect(await h.minedNonce()).to.equal(chainNonce);
      expect(store.getNextNonce(keeper.address)).to.equal(chainNonce);
    });

    it("a paused LoanBook (EnforcedPause): tried again after the pause delay, then carried out", async (t) => {
      const h = await setup(t);
      const { store, keeper, book, fixture } = h;
      const { loanId, action: planned } = await loanPastTrigger(h);
      await book.write.pause({ account: fixture.admin.account });
      store.planActions([planned]);
      const executor = h.executor();
      await executor.start();
      const chainNonce = await h.minedNonce();

      const { head, now } = await h.tip();
      expect(await executor.execute(now, head)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({
        state: "planned",
        outcome: "EnforcedPause",
        notBefore: now + PAUSED_RETRY_SECONDS,
        txHash: null,
        attempts: 0,
      });
      expect(store.pendingTransactions(keeper.address)).to.deep.equal([]);
      expect(await h.minedNonce()).to.equal(chainNonce);
      expect(await executor.execute(now + PAUSED_RETRY_SECONDS - 1n, head)).to.equal(0);

      await book.write.unpause({ account: fixture.admin.account });
      await h.connection.networkHelpers.time.increaseTo(now + PAUSED_RETRY_SECONDS);
      expect(await pass(h, executor)).to.equal(1);
      expect(await pass(h, executor)).to.equal(0);
      expect(actionOf(store, planned.key)).to.include({ state: "done", outcome: "mined" });
      expect(await h.defaults(loanId)).to.have.length(1);
    });
  });

  it("a batch of three defaults: one declareDefaults; a loan paid up in the same block is skipped, planned again, and declared by a second transaction (not a duplicate)", async (t) => {
    const h = await setup(t);
    const { store, keeper, book, fixture, publicClient, connection } = h;
    const loanIds = [await originateLoan(fixture), await originateLoan(fixture), await originateLoan(fixture)];
    const actions = await Promise.all(loanIds.map((loanId) => declareDefaultOf(fixture, loanId)));
    const latest = actions.map((a) => a.validFrom!).reduce((a, b) => (a > b ? a : b));
    await connection.networkHelpers.time.increaseTo(latest);
    expect(store.planActions(actions)).to.equal(3);
    const executor = h.executor({ batchSize: 10 });
    await executor.start();
    const chainNonce = await h.minedNonce();
    const [first, paidUp, third] = loanIds;
    // What the borrower of the second loan owes now, and a margin for the penalty of the next seconds.
    const arrears = await book.read.amountDue([paidUp]);
    expect(arrears > 0n).to.equal(true);

    await h.setAutomine(false);
    t.after(() => h.setAutomine(true));
    const { head, now } = await h.tip();
    expect(await executor.execute(now, head)).to.equal(3);
    const sent = actions.map((a) => actionOf(store, a.key));
    const hash = sent[0].txHash!;
    expect(sent.map((a) => [a.state, a.txHash])).to.deep.equal(sent.map(() => ["sent", hash]));
    const tx = transactionOf(store, hash);
    expect(tx.functionName).to.equal("declareDefaults");
    expect(tx.actionIds).to.deep.equal(sent.map((a) => a.id));
    expect(store.pendingTransactions(keeper.address)).to.have.length(1);

    // The borrower pays the arrears in the same block, ahead of the keeper (a higher tip).
    const repayHash = await book.write.repay([paidUp, arrears + 10_000_000n], {
      account: fixture.borrower.account,
      maxPriorityFeePerGas: URGENT_TIP,
      maxFeePerGas: URGENT_TIP * 2n,
    });
    await connection.networkHelpers.mine();
    const [receipt, repayReceipt] = await Promise.all([
      publicClient.getTransactionReceipt({ hash }),
      publicClient.getTransactionReceipt({ hash: repayHash }),
    ]);
    expect(receipt.blockNumber).to.equal(repayReceipt.blockNumber);
    expect(repayReceipt.transactionIndex < receipt.transactionIndex).to.equal(true);
    expect(receipt.status).to.equal("success");
    const skipped = await publicClient.getContractEvents({
      address: book.address,
      abi: loanBookAbi,
      eventName: "DefaultSkipped",
      blockHash: receipt.blockHash,
      strict: true,
    });
    expect(skipped.map((e) => e.args.loanId)).to.deep.equal([paidUp]);
    const eligibleAgainAt = skipped[0].args.eligibleAt;
    expect(eligibleAgainAt > now).to.equal(true);

    await h.setAutomine(true);
    expect(await pass(h, executor)).to.equal(0);
    for (const loanId of [first, third]) {
      expect(actionOf(store, actions[loanIds.indexOf(loanId)].key)).to.include({
        state: "done",
        outcome: "mined",
        txHash: hash,
        doneBlock: receipt.blockNumber,
      });
    }
    expect(actionOf(store, actions[1].key)).to.include({
      state: "planned",
      outcome: "DefaultSkipped",
      notBefore: eligibleAgainAt,
    });
    expect(transactionOf(store, hash).state).to.equal("mined");
    const events = await h.defaults();
    expect(events.map((e) => e.args.loanId)).to.have.members([first, third]);
    expect(events.every((e) => e.transactionHash === hash && isAddressEqual(e.args.actor, keeper.address))).to.equal(
      true,
    );
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce + 1);

    // The borrower does not pay again: once the trigger holds again, a second transaction declares the default. The
    // action was carried by two mined transactions, but done by one: not a duplicate.
    await connection.networkHelpers.time.increaseTo(eligibleAgainAt);
    expect(await pass(h, executor)).to.equal(1);
    const retry = actionOf(store, actions[1].key);
    expect(retry.state).to.equal("sent");
    expect(retry.txHash).to.not.equal(hash);
    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, actions[1].key)).to.include({ state: "done", outcome: "mined", txHash: retry.txHash });
    expect((await h.defaults()).map((e) => e.args.loanId)).to.have.members(loanIds);
    expect(store.readModel.duplicateActionCount()).to.equal(0);

    // After a reorg the first transaction may be settled again after the second: its skip must not undo the default
    // the second one declared (and so send a third).
    store.markTransaction(hash, { state: "sent" });
    expect(await pass(h, executor)).to.equal(0);
    expect(transactionOf(store, hash).state).to.equal("mined");
    expect(actionOf(store, actions[1].key)).to.include({ state: "done", outcome: "mined", txHash: retry.txHash });
    expect(store.readModel.duplicateActionCount()).to.equal(0);
  });

  it("a nonce taken by another transaction: the stored one dropped, its action sent again at the next nonce", async (t) => {
    const h = await setup(t);
    const { store, keeper, publicClient, fixture } = h;
    const { loanId, action: planned } = await loanPastTrigger(h);
    store.planActions([planned]);
    let reachable = false;
    const flaky: SendRawTransaction = async (args) => {
      if (!reachable) return unreachable(args);
      return publicClient.sendRawTransaction(args);
    };
    const executor = h.executor({ client: withBroadcast(publicClient, flaky) });
    await executor.start();
    const n = await h.minedNonce();

    const { head, now } = await h.tip();
    expect(await executor.execute(now, head)).to.equal(1);
    const stored = transactionOf(store, actionOf(store, planned.key).txHash);
    expect(stored.nonce).to.equal(n);
    expect(await nodeKnows(publicClient, stored.hash)).to.equal(false);

    // Another sender with the keeper's key uses nonce n (a transfer to itself), mined at once.
    const block = await publicClient.getBlock();
    const other = await keeper.signTransaction({
      chainId: fixture.chainId,
      type: "eip1559",
      to: keeper.address,
      value: 0n,
      nonce: n,
      gas: 21_000n,
      maxFeePerGas: block.baseFeePerGas! * 2n + 1_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    const otherHash = await publicClient.sendRawTransaction({ serializedTransaction: other });
    expect((await publicClient.getTransactionReceipt({ hash: otherHash })).status).to.equal("success");
    expect(await h.minedNonce()).to.equal(n + 1);

    reachable = true;
    const after = await h.tip();
    await executor.reconcile(after.head, after.head, after.now);
    expect(transactionOf(store, stored.hash).state).to.equal("dropped");
    expect(actionOf(store, planned.key)).to.include({ state: "planned", outcome: "nonceTaken" });
    expect(await nodeKnows(publicClient, stored.hash)).to.equal(false);

    expect(await executor.execute(after.now, after.head)).to.equal(1);
    const resent = transactionOf(store, actionOf(store, planned.key).txHash);
    expect(resent.hash).to.not.equal(stored.hash);
    expect(resent.nonce).to.equal(n + 1);
    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, planned.key)).to.include({ state: "done", outcome: "mined", txHash: resent.hash });
    expect(transactionOf(store, stored.hash).state).to.equal("dropped");
    expect(await h.minedNonce()).to.equal(n + 2);
    expect(store.getNextNonce(keeper.address)).to.equal(n + 2);
    const events = await h.defaults(loanId);
    expect(events.map((e) => e.transactionHash)).to.deep.equal([resent.hash]);
  });

  it("a bank payment relay: credited once on chain, its bank record (and only it) marked relayed", async (t) => {
    const h = await setup(t);
    const { store, keeper, book, fixture, bankSigner, publicClient, connection } = h;
    await book.write.setBankSigner([bankSigner.address, true], { account: fixture.lender.account });
    const loanId = await originateLoan(fixture);
    const start = BigInt((await book.read.loanOf([loanId])).startTime);
    const paidAt = start + BigInt(DAY);
    await connection.networkHelpers.time.increaseTo(paidAt + 2n * BigInt(DAY));
    const amount = 50_000_000n;
    // Two payments matched to the loan; this test relays the first.
    for (const [reference, paid] of [
      ["TX-0001", paidAt],
      ["TX-0002", paidAt + 60n],
    ] as const) {
      expect(
        store.insertBankRecord({
          source: BANK,
          bankReference: reference,
          loanReference: `LOAN-${loanId}`,
          loanId,
          amount,
          paidAt: paid,
          rawPayload: JSON.stringify({ reference }),
        }),
      ).to.equal(true);
    }
    const bankReference = bankReferenceHashOf(BANK, "TX-0001");
    const planned = toPlannedAction({
      kind: "relayBankPayment",
      loanId,
      key: `${loanId}:relayBankPayment:b${bankReference}`,
      validFrom: paidAt,
      bankReference,
      amount,
      paidAt,
    });
    expect(store.planActions([planned])).to.equal(1);
    const executor = h.executor();
    await executor.start();
    const chainNonce = await h.minedNonce();

    expect(await pass(h, executor)).to.equal(1);
    const hash = actionOf(store, planned.key).txHash!;
    expect(transactionOf(store, hash).functionName).to.equal("recordBankPayments");
    expect(await pass(h, executor)).to.equal(0);
    const receipt = await publicClient.getTransactionReceipt({ hash });
    expect(actionOf(store, planned.key)).to.include({
      state: "done",
      outcome: "mined",
      txHash: hash,
      doneBlock: receipt.blockNumber,
    });

    const recorded = await publicClient.getContractEvents({
      address: book.address,
      abi: loanBookAbi,
      eventName: "BankPaymentRecorded",
      fromBlock: 0n,
      strict: true,
    });
    expect(recorded).to.have.length(1);
    expect(recorded[0].transactionHash).to.equal(hash);
    expect(recorded[0].args).to.deep.include({ loanId, bankReferenceHash: bankReference, amount, paidAt });
    expect(isAddressEqual(recorded[0].args.signer, bankSigner.address)).to.equal(true);
    expect(await book.read.bankReferenceLoan([bankReference])).to.equal(loanId);
    expect(store.getBankRecord("TX-0001")).to.include({ state: "relayed", relayTx: hash });
    expect(store.getBankRecord("TX-0002")).to.include({ state: "matched", relayTx: null });

    // Planning the same key again does nothing.
    expect(store.planActions([planned])).to.equal(0);
    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, planned.key).state).to.equal("done");
    expect(await h.minedNonce()).to.equal(chainNonce + 1);
    expect(store.getNextNonce(keeper.address)).to.equal(chainNonce + 1);
    expect(
      await publicClient.getContractEvents({
        address: book.address,
        abi: loanBookAbi,
        eventName: "BankPaymentRecorded",
        fromBlock: 0n,
      }),
    ).to.have.length(1);
  });

  it("a bank payment above what the loan owes: the chain refuses it, the record goes back to suspense with the reason", async (t) => {
    const h = await setup(t);
    const { store, book, fixture, bankSigner, connection } = h;
    await book.write.setBankSigner([bankSigner.address, true], { account: fixture.lender.account });
    const loanId = await originateLoan(fixture);
    const start = BigInt((await book.read.loanOf([loanId])).startTime);
    const paidAt = start + BigInt(DAY);
    await connection.networkHelpers.time.increaseTo(paidAt + BigInt(DAY));
    const payoff = (await book.read.payoffAmount([loanId])) as bigint;
    const amount = payoff * 2n;
    store.insertBankRecord({
      source: BANK,
      bankReference: "TX-EXCESS",
      loanReference: `LOAN-${loanId}`,
      loanId,
      amount,
      paidAt,
      rawPayload: "{}",
    });
    const bankReference = bankReferenceHashOf(BANK, "TX-EXCESS");
    const planned = toPlannedAction({
      kind: "relayBankPayment",
      loanId,
      key: `${loanId}:relayBankPayment:b${bankReference}`,
      validFrom: paidAt,
      bankReference,
      amount,
      paidAt,
    });
    store.planActions([planned]);
    const executor = h.executor();
    await executor.start();
    const nonce = await h.minedNonce();

    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, planned.key)).to.include({ state: "dropped", outcome: "LoanBook_Overpayment" });
    const record = store.getBankRecord("TX-EXCESS")!;
    expect(record.state).to.equal("suspense");
    expect(record.reason).to.match(
      /^excess: \d+ is more than loan \d+ owes: the loan takes at most \d+; refund or assign$/,
    );
    expect(record.reason).to.include(String(amount));
    // Nothing was sent, nothing is credited, and no later pass tries again.
    expect(await pass(h, executor)).to.equal(0);
    expect(await h.minedNonce()).to.equal(nonce);
    expect(await book.read.bankReferenceLoan([bankReference])).to.equal(0n);
  });

  it("a batch of the contact log: anchored once by the keeper, each entry's proof verified on chain", async (t) => {
    const h = await setup(t);
    const { store, fixture, keeper } = h;
    const anchor = await fixture.viem.deployContract("EvidenceAnchor");
    const hash = (n: number): Hex => keccak256(`0x${n.toString(16).padStart(2, "0")}`);
    const entries: ContactEntry[] = [1, 2, 3].map((n) => ({
      entryId: BigInt(n),
      loanId: 7n,
      recipientHash: hash(n),
      contentHash: hash(10 + n),
      sentAt: 1_764_115_200 + n,
      channelHash: hash(99),
    }));
    const tree = buildContactTree(entries);
    const key = `0:${ANCHOR_KIND}:${tree.root}`;
    const payload = { root: tree.root, firstEntry: 1, lastEntry: 3, count: 3 };
    store.planActions([{ key, loanId: 0n, kind: ANCHOR_KIND, installment: 0, validFrom: 0n, payload }]);

    // Without an anchor address the action fails at once, with the reason, and nothing is sent.
    const blind = h.executor();
    await blind.start();
    const nonce = await h.minedNonce();
    expect(await pass(h, blind)).to.equal(0);
    expect(actionOf(store, key)).to.include({ state: "failed", outcome: "noEvidenceAnchor" });
    expect(await h.minedNonce()).to.equal(nonce);

    store.markAction(actionOf(store, key).id, { state: "planned", outcome: null });
    const executor = h.executor({ evidenceAnchor: anchor.address });
    expect(await pass(h, executor)).to.equal(1);
    const txHash = actionOf(store, key).txHash!;
    expect(transactionOf(store, txHash).functionName).to.equal("anchor");
    await pass(h, executor);
    expect(actionOf(store, key)).to.include({ state: "done", outcome: "mined" });
    const anchored = await anchor.read.anchorOf([keeper.address, tree.root]);
    expect(anchored).to.include({ firstEntry: 1n, lastEntry: 3n, count: 3 });
    expect(isAddressEqual(anchored.anchoredBy, keeper.address)).to.equal(true);
    for (const entry of entries) {
      const leaf = contactLeafHash(entry);
      expect(await anchor.read.verify([keeper.address, tree.root, tree.proofOf(entry.entryId), leaf])).to.equal(true);
    }
    // Planned again (a replay, a restore from backup): the chain already holds it, it is dropped, nothing sent.
    store.markAction(actionOf(store, key).id, { state: "planned", outcome: null });
    expect(await pass(h, executor)).to.equal(0);
    expect(actionOf(store, key)).to.include({ state: "dropped", outcome: "EvidenceAnchor_AlreadyAnchored" });
    expect(await h.minedNonce()).to.equal(nonce + 1);
  });
});
