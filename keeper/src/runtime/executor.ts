/**
 * The executor: carries out planned actions exactly once.
 *
 * - Off-chain actions (reminders, notices, late marks) are recorded done at once; a contact is handed to
 *   `queueContact` in the same SQLite transaction (the contact desk renders it and delivers it when the rules allow).
 * - `callMargin` (a loan at or past its warning loan-to-value) goes to the book's collateral watch, and
 *   `enrollIdentity` / `syncRegistry` to the shared default registry, one loan per transaction, through the same path.
 * - `anchorContactLog` (a batch of the contact log, as a Merkle root) goes to the evidence anchor, one root per
 *   transaction, through the same nonce manager and write-ahead path as the loan book's calls.
 * - On-chain actions are simulated one by one against the latest state (the contract's custom errors decide what
 *   to do with a refusal: `core/outcomes.ts`), then the eligible ones of a kind go in one batch transaction.
 * - Write-ahead: the transaction is signed, and its nonce, signed bytes and actions are committed to SQLite, before
 *   it is broadcast. A restart re-broadcasts exactly those bytes (same nonce, same hash): an action is never put in
 *   a second nonce while its first may still be mined. "Already known" and "nonce too low" are facts, not errors.
 * - A transaction unmined after `bumpAfterBlocks` is replaced at the same nonce with higher fees; whichever of them
 *   is mined settles the actions, the others are marked replaced.
 * - Receipts settle actions only once their block is processed by the follower (past the confirmation depth), so a
 *   reorg that removes it rolls them back with the store (`chainState.rollbackTo`).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  TransactionReceiptNotFoundError,
  decodeEventLog,
  encodeFunctionData,
  keccak256,
  parseTransaction,
  toFunctionSelector,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import type { Logger } from "pino";
import { collateralWatchAbi, defaultRegistryAbi } from "../abi/collateral.ts";
import { evidenceAnchorAbi } from "../abi/evidenceAnchor.ts";
import { loanBookAbi } from "../abi/loanBook.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import { bankPaymentTypedData } from "../core/typedData.ts";
import { defaultSkippedOutcome, outcomeOf, type Outcome } from "../core/outcomes.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { ActionRecord, TransactionRecord } from "../adapters/store/types.ts";

export interface ExecutorParameters {
  readonly client: PublicClient;
  readonly account: LocalAccount;
  /** Signs bank payment attestations (a signer the lender registered with `setBankSigner`). */
  readonly bankSigner: LocalAccount;
  readonly store: Store;
  readonly loanBook: Address;
  readonly chainId: number;
  readonly bumpAfterBlocks: number;
  readonly batchSize: number;
  readonly logger: Logger;
  /** The EvidenceAnchor the contact log is anchored to; without it an `anchorContactLog` action fails. */
  readonly evidenceAnchor?: Address | null;
  /** The book's collateral watch (`collateralModules()`); without it a `callMargin` action fails. */
  readonly collateralWatch?: Address | null;
  /** The shared default registry (the watch's `registry()`); without it a registry action fails. */
  readonly defaultRegistry?: Address | null;
  /**
   * Takes a contact action (a reminder or a notice) inside the transaction that marks it done, and returns the
   * outcome to record (e.g. `queued`). Synchronous: it writes through the same SQLite connection. Default: `queued`.
   */
  readonly queueContact?: (action: ActionRecord, now: bigint) => string;
  /**
   * Whether this keeper may still act: with keepers sharing a store, that it holds the leader lease, checked in the
   * database inside the transaction that stores a signed transaction (a fence), and before each broadcast.
   * Without it, always.
   */
  readonly mayAct?: () => boolean;
}

/** The leader lease was lost: nothing more is signed or broadcast; the next leader carries on from the store. */
export class LeadershipLostError extends Error {
  override readonly name = "LeadershipLostError";
}

/** The contract functions of each on-chain action kind: one loan, and a batch. */
const CALLS = {
  declareDefault: { single: "declareDefault", batch: "declareDefaults" },
  breachCommitment: { single: "breachCommitment", batch: "breachCommitments" },
  autoDebit: { single: "autoDebit", batch: "autoDebits" },
  relayBankPayment: { single: "recordBankPayment", batch: "recordBankPayments" },
} as const;
/** Anchoring a batch of the contact log: `EvidenceAnchor.anchor(root, firstEntry, lastEntry, count)`, one per transaction. */
export const ANCHOR_KIND = "anchorContactLog";
/** A margin call: `CollateralWatch.callMargin(loanId)`, one per transaction (the watch has no batch). */
export const MARGIN_CALL_KIND = "callMargin";
/** Binding a loan to its borrower's identity commitment: `DefaultRegistry.enroll(book, loanId, identity)`. */
export const ENROLL_KIND = "enrollIdentity";
/** Bringing a loan's registry entries in line with the book: `DefaultRegistry.sync(book, loanId)`. */
export const REGISTRY_SYNC_KIND = "syncRegistry";
type LoanBookKind = keyof typeof CALLS;
/** Kinds sent to a contract other than the book, one action per transaction. */
const SINGLE_KINDS = [ANCHOR_KIND, MARGIN_CALL_KIND, ENROLL_KIND, REGISTRY_SYNC_KIND] as const;
type SingleKind = (typeof SINGLE_KINDS)[number];
type OnChainKind = LoanBookKind | SingleKind;
const isSingle = (kind: string): kind is SingleKind => (SINGLE_KINDS as readonly string[]).includes(kind);
const isOnChain = (kind: string): kind is OnChainKind => kind in CALLS || isSingle(kind);

/** Off-chain kinds and the outcome that records them. */
const OFF_CHAIN_OUTCOME: Readonly<Record<string, string>> = {
  markLate: "recorded",
  remindBeforeDue: "queued",
  remindDueToday: "queued",
  remindLate1: "queued",
  remindLate7: "queued",
  defaultNotice: "queued",
  debtCollectionLetter: "queued",
  marginCallNotice: "queued",
  litigationRiskNotice: "queued",
};

/** Attempts after which an action that keeps failing is given up (an operator looks at it). */
export const MAX_ATTEMPTS = 5;
/** Wait before trying again after an unexplained failure (seconds of chain time). */
const FAILURE_RETRY_SECONDS = 60n;
/** A bank payment attestation is valid this long after it is signed (seconds). */
const ATTESTATION_TTL_SECONDS = 86_400n;
/** Gas headroom over the estimate: the state may move between the estimate and the block (percent). */
const GAS_HEADROOM_PERCENT = 130n;
/** A replacement must pay at least 10% more (geth, Hardhat); 12.5% leaves room for rounding (per mille). */
const FEE_BUMP_PER_MILLE = 1_125n;

/** Error selector → name, for the `reason` of `ActionSkipped`. */
const ERROR_NAMES = new Map<Hex, string>(
  loanBookAbi
    .filter((item) => item.type === "error")
    .map((item) => [
      toFunctionSelector(`${item.name}(${item.inputs.map((input) => input.type).join(",")})`),
      item.name,
    ]),
);

interface Refusal {
  readonly name: string;
  readonly args: readonly unknown[];
}

/** The contract's custom error behind a failed call, if it reverted with one. */
function refusalOf(error: unknown): Refusal | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return null;
  const name = reverted.data?.errorName ?? reverted.reason ?? "UnknownRevert";
  return { name, args: reverted.data?.args ?? [] };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).toLowerCase();
/** The node already has the transaction (the broadcast was repeated): success. */
const isAlreadyKnown = (m: string) => m.includes("already known") || m.includes("known transaction");
/** The nonce is used: the transaction or one at its nonce was mined. Reconciling finds out which. */
const isNonceTooLow = (m: string) => m.includes("nonce too low") || m.includes("nonce has already been used");

export function createExecutor(parameters: ExecutorParameters) {
  const { client, account, bankSigner, store, loanBook, chainId, logger } = parameters;
  const evidenceAnchor = parameters.evidenceAnchor ?? null;
  const collateralWatch = parameters.collateralWatch ?? null;
  const defaultRegistry = parameters.defaultRegistry ?? null;
  const queueContact = parameters.queueContact ?? (() => "queued");
  const address = account.address;
  /** The block each pending transaction was last broadcast at (in memory: a restart re-broadcasts them all). */
  const broadcastAt = new Map<Hash, bigint>();

  const mayAct = parameters.mayAct ?? (() => true);
  const fence = () => {
    if (!mayAct()) throw new LeadershipLostError("the leader lease is no longer held: not signing");
  };

  async function broadcast(tx: { hash: Hash; raw: Hex; nonce: number }, head: bigint): Promise<void> {
    if (!mayAct()) throw new LeadershipLostError(`the leader lease is no longer held: ${tx.hash} not broadcast`);
    broadcastAt.set(tx.hash, head);
    try {
      await client.sendRawTransaction({ serializedTransaction: tx.raw });
      logger.info({ tx: tx.hash, nonce: tx.nonce }, "transaction broadcast");
    } catch (error) {
      const m = messageOf(error);
      if (isAlreadyKnown(m) || isNonceTooLow(m)) return;
      // Not sent (a gap below it, the node unreachable, the answer lost): the next pass broadcasts it again.
      broadcastAt.delete(tx.hash);
      logger.warn({ tx: tx.hash, nonce: tx.nonce, err: m.split("\n")[0] }, "broadcast failed: will retry");
    }
  }

  function settleOutcome(
    action: ActionRecord,
    outcome: Outcome,
    name: string,
    now: bigint,
    block: bigint | null,
    counted = false,
  ) {
    const doneBlock = block ?? undefined;
    switch (outcome.kind) {
      case "retryAt":
        store.markAction(action.id, { state: "planned", outcome: name, notBefore: outcome.at, doneBlock: null });
        return;
      case "retryLater":
        store.markAction(action.id, {
          state: "planned",
          outcome: name,
          notBefore: now + outcome.after,
          doneBlock: null,
        });
        return;
      case "drop":
        store.markAction(action.id, { state: "dropped", outcome: name, doneBlock });
        return;
      case "fail": {
        // A transaction that reverted counted its attempt when it was sent; a refused simulation counts one now.
        const attempts = counted ? action.attempts : action.attempts + 1;
        store.markAction(action.id, {
          state: attempts >= MAX_ATTEMPTS ? "failed" : "planned",
          attempted: !counted,
          outcome: name,
          error: name,
          notBefore: now + FAILURE_RETRY_SECONDS,
          doneBlock: null,
        });
      }
    }
  }

  /** The call of one action (relays sign the attestation now; an anchor's is its arguments). */
  async function argumentOf(action: ActionRecord, now: bigint): Promise<unknown> {
    if (action.kind === ANCHOR_KIND) {
      const { root, firstEntry, lastEntry, count } = action.payload as Record<string, string | number>;
      return [root, BigInt(firstEntry), BigInt(lastEntry), Number(count)];
    }
    if (action.kind === MARGIN_CALL_KIND) return [action.loanId];
    if (action.kind === ENROLL_KIND) {
      const { identity, notary, signature } = action.payload as Record<string, Hex>;
      return [loanBook, action.loanId, identity, notary, signature];
    }
    if (action.kind === REGISTRY_SYNC_KIND) return [loanBook, action.loanId];
    if (action.kind !== "relayBankPayment") return action.loanId;
    const message = {
      loanId: action.loanId,
      amount: BigInt(action.payload.amount as string),
      bankReferenceHash: action.payload.bankReference as Hex,
      paidAt: BigInt(action.payload.paidAt as string),
      deadline: now + ATTESTATION_TTL_SECONDS,
    };
    const signature = await bankSigner.signTypedData(bankPaymentTypedData(chainId, loanBook, message));
    return { ...message, signer: bankSigner.address, signature };
  }

  /**
   * Simulates each action alone at block `atBlock`; applies refusals (a drop is recorded at that block, so that a
   * reorg that removes it plans the action again); returns the eligible actions with their call arguments.
   */
  async function simulate(kind: OnChainKind, actions: readonly ActionRecord[], now: bigint, atBlock: bigint) {
    const results = await Promise.all(
      actions.map(async (action) => {
        const argument = await argumentOf(action, now);
        try {
          await client.simulateContract({
            account: address,
            ...(isSingle(kind)
              ? { ...singleTarget(kind), args: argument }
              : { address: loanBook, abi: loanBookAbi, functionName: CALLS[kind].single, args: [argument] }),
            blockNumber: atBlock,
          } as never);
          return { action, argument, refusal: null };
        } catch (error) {
          const refusal = refusalOf(error);
          if (refusal === null) throw error; // the node, not the contract: try the pass again
          return { action, argument, refusal };
        }
      }),
    );
    const eligible: { action: ActionRecord; argument: unknown }[] = [];
    store.transaction(() => {
      for (const { action, argument, refusal } of results) {
        if (refusal === null) {
          eligible.push({ action, argument });
          continue;
        }
        const outcome = outcomeOf(refusal.name, refusal.args);
        logger.info(
          { loanId: action.loanId, key: action.key, refusal: refusal.name, outcome: outcome.kind },
          "refused",
        );
        settleOutcome(action, outcome, refusal.name, now, atBlock);
        if (refusal.name === "LoanBook_BankReferenceUsed") markRelayed(action, null);
        if (action.kind === "relayBankPayment") suspendRefused(action, refusal);
      }
    });
    return eligible;
  }

  /** The matched records a relay action is about (the planner keyed it by the hash the chain credits). */
  function matchedRecordsOf(action: ActionRecord) {
    return store
      .bankRecordsOfLoan(action.loanId)
      .filter(
        (record) =>
          record.state === "matched" &&
          bankReferenceHashOf(record.source, record.bankReference) === action.payload.bankReference,
      );
  }

  function markRelayed(action: ActionRecord, txHash: Hash | null) {
    for (const record of matchedRecordsOf(action)) store.markBankRecordRelayed(record.bankReference, txHash);
  }

  /**
   * A bank payment the chain will never credit to its loan goes back to the suspense queue, with the reason, for an
   * operator to refund or assign: one above what the loan owes (`Payments.recordBankPayment` takes a partial payment,
   * and an excess up to the payoff as a prepayment, but no more), or one to a loan already paid off.
   */
  function suspendRefused(action: ActionRecord, refusal: Refusal) {
    let reason: string;
    if (refusal.name === "LoanBook_Overpayment") {
      const most = refusal.args[2];
      const owed = typeof most === "bigint" ? `: the loan takes at most ${most}` : "";
      reason = `excess: ${action.payload.amount} is more than loan ${action.loanId} owes${owed}; refund or assign`;
    } else if (refusal.name === "LoanBook_LoanRepaid") {
      reason = `loan ${action.loanId} is already paid off; refund or assign`;
    } else {
      return;
    }
    for (const record of matchedRecordsOf(action)) {
      store.suspendBankRecord(record.bankReference, reason);
      logger.warn({ loanId: action.loanId, bankReference: record.bankReference, reason }, "bank payment to suspense");
    }
    // Nothing left to try: the record is the operator's now.
    store.markAction(action.id, { state: "dropped", outcome: refusal.name });
  }

  async function fees() {
    const block = await client.getBlock({ blockTag: "latest" });
    const priority = await client.estimateMaxPriorityFeePerGas().catch(() => 1_000_000_000n);
    const base = block.baseFeePerGas ?? 0n;
    return { maxFeePerGas: base * 2n + priority, maxPriorityFeePerGas: priority };
  }

  /** Signs, stores (with its nonce and actions, in one transaction), then broadcasts. */
  /** The evidence anchor's address, or the failure every anchoring action gets without one. */
  function anchorAddress(): Address {
    if (evidenceAnchor === null) throw new Error("No evidence anchor configured: cannot anchor the contact log");
    return evidenceAnchor;
  }

  /** The contract, ABI and function of a kind sent outside the book. */
  function singleTarget(kind: SingleKind) {
    if (kind === ANCHOR_KIND) return { address: anchorAddress(), abi: evidenceAnchorAbi, functionName: "anchor" };
    if (kind === MARGIN_CALL_KIND) {
      if (collateralWatch === null) throw new Error("The book has no collateral watch: cannot make a margin call");
      return { address: collateralWatch, abi: collateralWatchAbi, functionName: "callMargin" };
    }
    if (defaultRegistry === null) throw new Error("The book's watch names no default registry");
    const functionName = kind === ENROLL_KIND ? "enroll" : "sync";
    return { address: defaultRegistry, abi: defaultRegistryAbi, functionName };
  }

  /** Why an action cannot be sent by this keeper at all (null: it can). */
  function unsendable(kind: string): { outcome: string; error: string } | null {
    if (kind === ANCHOR_KIND && evidenceAnchor === null) {
      return { outcome: "noEvidenceAnchor", error: "no evidence anchor configured (KEEPER_EVIDENCE_ANCHOR_ADDRESS)" };
    }
    if (kind === MARGIN_CALL_KIND && collateralWatch === null) {
      return { outcome: "noCollateralWatch", error: "the loan book has no collateral watch (collateralModules)" };
    }
    if ((kind === ENROLL_KIND || kind === REGISTRY_SYNC_KIND) && defaultRegistry === null) {
      return { outcome: "noDefaultRegistry", error: "the collateral watch names no default registry" };
    }
    return null;
  }

  /** The transaction's target, function and data for a batch of one kind. */
  function callOf(kind: OnChainKind, batch: readonly { argument: unknown }[]) {
    if (isSingle(kind)) {
      const args = batch[0].argument as readonly unknown[];
      const { address: to, abi, functionName } = singleTarget(kind);
      return { to, functionName, data: encodeFunctionData({ abi, functionName, args } as never) };
    }
    // Always the batch function, even for one loan: a loan that stopped being eligible between the simulation and
    // the block is skipped with an event (and planned again), where the single call would revert and cost a retry.
    const functionName = CALLS[kind].batch;
    const args = [batch.map((entry) => entry.argument)];
    return { to: loanBook, functionName, data: encodeFunctionData({ abi: loanBookAbi, functionName, args } as never) };
  }

  /** Signs, stores (with its nonce and actions, in one transaction), then broadcasts. */
  async function send(kind: OnChainKind, batch: readonly { action: ActionRecord; argument: unknown }[], head: bigint) {
    const { to, functionName, data } = callOf(kind, batch);
    const estimate = await client.estimateGas({ account: address, to, data });
    const gas = (estimate * GAS_HEADROOM_PERCENT) / 100n;
    const fee = await fees();
    const nonce = store.getNextNonce(address)!;
    const raw = await account.signTransaction!({
      chainId,
      type: "eip1559",
      to,
      data,
      nonce,
      gas,
      ...fee,
    });
    const hash = keccak256(raw);
    store.transaction(() => {
      fence();
      // Another pass may not have taken this nonce meanwhile: the keeper is one process with one loop.
      if (store.getNextNonce(address) !== nonce) throw new Error(`Nonce ${nonce} was taken while signing`);
      store.recordTransaction({
        hash,
        account: address,
        nonce,
        gasLimit: gas,
        ...fee,
        sentBlock: head,
        raw,
        functionName,
        actionIds: batch.map((entry) => entry.action.id),
      });
      for (const { action } of batch) store.markAction(action.id, { state: "sent", attempted: true, txHash: hash });
      store.setNextNonce(address, nonce + 1);
    });
    logger.info({ tx: hash, nonce, functionName, loans: batch.map((e) => e.action.loanId) }, "transaction signed");
    await broadcast({ hash, raw, nonce }, head);
  }

  /** Settles a mined transaction's actions from its receipt. */
  function settle(tx: TransactionRecord, receipt: TransactionReceipt, now: bigint) {
    const block = receipt.blockNumber;
    store.transaction(() => {
      const reverted = receipt.status !== "success";
      store.markTransaction(tx.hash, { state: reverted ? "reverted" : "mined", minedBlock: block });
      for (const sibling of store.transactionsAtNonce(address, tx.nonce)) {
        if (sibling.hash !== tx.hash && sibling.state === "sent")
          store.markTransaction(sibling.hash, { state: "replaced" });
      }
      const skipped = new Map<bigint, { name: string; outcome: Outcome }>();
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== loanBook.toLowerCase()) continue;
        try {
          const event = decodeEventLog({ abi: loanBookAbi, data: log.data, topics: log.topics });
          if (event.eventName === "DefaultSkipped") {
            const { loanId, eligibleAt } = event.args;
            skipped.set(loanId, { name: "DefaultSkipped", outcome: defaultSkippedOutcome(eligibleAt) });
          } else if (event.eventName === "ActionSkipped") {
            const { loanId, reason } = event.args;
            const name = ERROR_NAMES.get(reason) ?? reason;
            skipped.set(loanId, { name, outcome: outcomeOf(name) });
          }
        } catch {
          // another event
        }
      }
      for (const action of store.actionsOfTransaction(tx.hash)) {
        if (reverted) {
          settleOutcome(action, { kind: "fail" }, "reverted", now, null, true);
          continue;
        }
        const skip = skipped.get(action.loanId);
        store.markCarried(tx.hash, action.id, skip?.name ?? null);
        if (skip !== undefined) {
          // Done by another mined transaction (settled first after a reorg): this one's skip changes nothing.
          if (action.state === "done" && action.txHash !== tx.hash) continue;
          settleOutcome(action, skip.outcome, skip.name, now, block);
          if (skip.name === "LoanBook_BankReferenceUsed") markRelayed(action, null);
          if (action.kind === "relayBankPayment") suspendRefused(action, { name: skip.name, args: [] });
        } else {
          store.markAction(action.id, { state: "done", outcome: "mined", txHash: tx.hash, doneBlock: block });
          if (action.kind === "relayBankPayment") markRelayed(action, tx.hash);
        }
      }
    });
    logger.info({ tx: tx.hash, block, status: receipt.status, gasUsed: receipt.gasUsed }, "transaction mined");
  }

  async function receiptOf(hash: Hash): Promise<TransactionReceipt | null> {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      throw error;
    }
  }

  /** Replaces the newest transaction at its nonce with one paying more. */
  async function bump(tx: TransactionRecord, head: bigint) {
    const parsed = parseTransaction(tx.raw!);
    const current = await fees();
    const raise = (old: bigint) => (old * FEE_BUMP_PER_MILLE + 999n) / 1_000n;
    const maxPriorityFeePerGas = [raise(tx.maxPriorityFeePerGas), current.maxPriorityFeePerGas].reduce((a, b) =>
      a > b ? a : b,
    );
    const maxFeePerGas = [raise(tx.maxFeePerGas), current.maxFeePerGas, maxPriorityFeePerGas].reduce((a, b) =>
      a > b ? a : b,
    );
    const raw = await account.signTransaction!({
      chainId,
      type: "eip1559",
      to: parsed.to!,
      data: parsed.data!,
      nonce: tx.nonce,
      gas: tx.gasLimit,
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
    const hash = keccak256(raw);
    store.transaction(() => {
      fence();
      store.recordTransaction({
        hash,
        account: address,
        nonce: tx.nonce,
        gasLimit: tx.gasLimit,
        maxFeePerGas,
        maxPriorityFeePerGas,
        sentBlock: head,
        raw,
        functionName: tx.functionName ?? "unknown",
        actionIds: tx.actionIds,
      });
      for (const id of tx.actionIds) store.markAction(id, { state: "sent", txHash: hash });
    });
    logger.warn({ tx: hash, replaces: tx.hash, nonce: tx.nonce, maxFeePerGas }, "fee bump");
    await broadcast({ hash, raw, nonce: tx.nonce }, head);
  }

  return {
    /** Brings the nonce manager in line with the chain (at start-up, before any send). */
    async start(): Promise<void> {
      const chainNonce = await client.getTransactionCount({ address, blockTag: "pending" });
      const stored = store.getNextNonce(address);
      if (stored === undefined || stored < chainNonce) store.setNextNonce(address, chainNonce);
      broadcastAt.clear();
      logger.info({ account: address, nonce: store.getNextNonce(address), chainNonce }, "nonce manager ready");
    },

    /**
     * Follows the transactions in flight: settles those mined at or below `settledBlock`, marks those whose nonce
     * went to another, bumps those stuck, re-broadcasts the rest once per block (in nonce order: a node that
     * automines refuses a gap).
     */
    async reconcile(head: bigint, settledBlock: bigint, now: bigint): Promise<void> {
      const pending = store.pendingTransactions(address);
      if (pending.length === 0) return;
      const minedNonce = await client.getTransactionCount({ address, blockTag: "latest" });
      const byNonce = new Map<number, TransactionRecord[]>();
      for (const tx of pending) byNonce.set(tx.nonce, [...(byNonce.get(tx.nonce) ?? []), tx]);
      for (const [nonce, txs] of [...byNonce.entries()].sort((a, b) => a[0] - b[0])) {
        let settledOrWaiting = false;
        for (const tx of txs) {
          const receipt = await receiptOf(tx.hash);
          if (receipt === null) continue;
          settledOrWaiting = true;
          if (receipt.blockNumber <= settledBlock) settle(tx, receipt, now);
          break;
        }
        if (settledOrWaiting) continue;
        if (nonce < minedNonce) {
          // The nonce was used by a transaction this keeper does not have a receipt for (another sender of the
          // same account): these never will be mined. Their actions are planned again.
          store.transaction(() => {
            for (const tx of txs) {
              store.markTransaction(tx.hash, { state: "dropped" });
              for (const action of store.actionsOfTransaction(tx.hash)) {
                if (action.state === "sent") store.markAction(action.id, { state: "planned", outcome: "nonceTaken" });
              }
            }
          });
          logger.warn({ nonce }, "nonce used by another transaction: actions planned again");
          continue;
        }
        const newest = txs[txs.length - 1];
        if (head - newest.sentBlock >= BigInt(parameters.bumpAfterBlocks)) await bump(newest, head);
        else if ((broadcastAt.get(newest.hash) ?? -1n) < head) await broadcast(newest as never, head);
      }
    },

    /**
     * Carries out the planned actions due at chain time `now`, simulated at block `atBlock`: the keeper's processed
     * block, whose time is `now`, so that every refusal rests on a block the follower has recorded (a refusal read at
     * an unconfirmed head could rest on a block that never makes it, and no rollback would undo it).
     */
    async execute(now: bigint, head: bigint, atBlock: bigint = head): Promise<number> {
      const planned = store.nextActions(1_000, now);
      const groups = new Map<OnChainKind, ActionRecord[]>();
      const seen = new Set<string>();
      store.transaction(() => {
        for (const action of planned) {
          if (!isOnChain(action.kind)) {
            const outcome = OFF_CHAIN_OUTCOME[action.kind];
            const contact = outcome === "queued" ? queueContact(action, now) : (outcome ?? "recorded");
            store.markAction(action.id, { state: "done", outcome: contact });
            continue;
          }
          const cannot = unsendable(action.kind);
          if (cannot !== null) {
            store.markAction(action.id, { state: "failed", ...cannot });
            continue;
          }
          // One action per loan and kind in a batch: a batch's skip event names the loan only. Single-target kinds
          // (anchors, margin calls, registry calls) go one by one.
          const slot = isSingle(action.kind) ? action.key : `${action.kind}:${action.loanId}`;
          if (seen.has(slot)) continue;
          seen.add(slot);
          groups.set(action.kind, [...(groups.get(action.kind) ?? []), action]);
        }
      });
      let sent = 0;
      for (const [kind, actions] of groups) {
        const size = isSingle(kind) ? 1 : parameters.batchSize;
        for (let i = 0; i < actions.length; i += size) {
          const eligible = await simulate(kind, actions.slice(i, i + size), now, atBlock);
          if (eligible.length === 0) continue;
          await send(kind, eligible, head);
          sent += eligible.length;
        }
      }
      return sent;
    },
  };
}
