/**
 * The chain follower: brings the store from its checkpoint to the confirmed head (the head less the confirmation
 * depth) in ranged `getLogs` calls, refreshing every loan a log names from the chain as of the range's last block.
 * Each range is written in one SQLite transaction with the checkpoint, so a crash leaves the store at a range
 * boundary. A reorg is found by block hash (the checkpoint's, and each new range's parent) and undone by rolling
 * the store back to the common ancestor; the next pass re-derives from there.
 */
import type { Address, Hash, PublicClient } from "viem";
import { FLAG_DEFAULTED } from "../core/decisions.ts";
import { encodeLoanFacts } from "../core/loanFacts.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import { decodeLoanBookLog, type DecodedLog } from "../adapters/chain/decodeLogs.ts";
import type { LoanReader, ReadLoanReturnType } from "../adapters/chain/loanReader.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { BlockRecord } from "../adapters/store/types.ts";
import type { Logger } from "pino";

export interface FollowerParameters {
  readonly client: PublicClient;
  readonly store: Store;
  readonly reader: LoanReader;
  readonly loanBook: Address;
  readonly confirmations: number;
  /** Blocks per `getLogs` call. */
  readonly logRange: number;
  /** Where to start in a new store (the loan book's deployment block). */
  readonly startBlock: bigint;
  readonly logger: Logger;
}

export interface SyncReturnType {
  readonly head: bigint;
  /** The last block processed (the checkpoint) and its time: the keeper's clock. */
  readonly processedBlock: bigint;
  readonly processedTime: bigint;
  /** Loans refreshed in this pass. */
  readonly refreshed: number;
  /** Blocks rolled back in this pass (0: no reorg). */
  readonly rolledBack: number;
}

/** Thrown when the chain forked below every block the store remembers: the store must be rebuilt. */
export class DeepReorgError extends Error {
  override name = "DeepReorgError";
}

/** How far below the checkpoint a reorg is looked for (blocks). */
const MAX_REORG_DEPTH = 256n;
/** Ranges this short record every block header (following the head); longer ones only those with logs. */
const DENSE_RANGE = 64n;

export function createFollower(parameters: FollowerParameters) {
  const { client, store, reader, loanBook, confirmations, logger } = parameters;
  const logRange = BigInt(parameters.logRange);

  async function header(number: bigint): Promise<BlockRecord> {
    const block = await client.getBlock({ blockNumber: number, includeTransactions: false });
    return { number, hash: block.hash as Hash, parentHash: block.parentHash, timestamp: block.timestamp };
  }

  /** The base checkpoint of a new store: the block before the start (the genesis block when starting at 0). */
  async function initialise(): Promise<void> {
    const base = await header(parameters.startBlock > 0n ? parameters.startBlock - 1n : 0n);
    store.transaction(() => {
      store.recordBlock(base);
      store.setCheckpoint({ blockNumber: base.number, blockHash: base.hash });
    });
  }

  /** Rolls the store back to the highest recorded block still on the chain; returns the blocks undone. */
  async function rollBack(from: bigint): Promise<number> {
    for (let n = from; n >= 0n && from - n <= MAX_REORG_DEPTH; n--) {
      const known = store.getBlock(n);
      if (known === undefined) continue;
      const onChain = await header(n);
      if (onChain.hash === known.hash) {
        const result = store.rollbackTo(n);
        logger.warn({ ancestor: n, ...result, staleLoanIds: result.staleLoanIds.length }, "reorg: rolled back");
        return result.blocks;
      }
    }
    throw new DeepReorgError(`The chain forked more than ${MAX_REORG_DEPTH} blocks below block ${from}`);
  }

  /** Reads the loans at `block`: those named by logs, and those a reorg left stale. */
  async function readLoans(loanIds: readonly bigint[], block: bigint) {
    return Promise.all(loanIds.map(async (id) => [id, await reader.readLoan(id, block)] as const));
  }

  /** Processes blocks from..to: one transaction with the checkpoint. False when the chain moved under it. */
  async function processRange(from: bigint, to: bigint, parentHash: Hash): Promise<{ refreshed: number } | null> {
    const logs = await client.getLogs({ address: loanBook, fromBlock: from, toBlock: to });
    const decoded: DecodedLog[] = [];
    for (const log of logs) {
      const d = decodeLoanBookLog(log);
      if (d !== null) decoded.push(d);
    }
    const numbers = new Set<bigint>([from, to]);
    if (to - from < DENSE_RANGE) for (let n = from; n <= to; n++) numbers.add(n);
    for (const d of decoded) numbers.add(d.event.blockNumber);
    const headers = new Map<bigint, BlockRecord>();
    for (const h of await Promise.all([...numbers].map(header))) headers.set(h.number, h);
    // The range must hang from the checkpoint and its logs from the blocks read: otherwise the chain moved.
    if (headers.get(from)!.parentHash !== parentHash) return null;
    for (const d of decoded) if (headers.get(d.event.blockNumber)!.hash !== d.event.blockHash) return null;

    const touched = new Set<bigint>(store.staleLoanIds());
    const defaultedAt = new Map<bigint, bigint>();
    for (const d of decoded) {
      const loanId = d.event.loanId;
      if (loanId === null) continue;
      touched.add(loanId);
      if (d.event.name === "LoanDefaulted") defaultedAt.set(loanId, headers.get(d.event.blockNumber)!.timestamp);
    }
    const loans = await readLoans([...touched], to);
    const last = headers.get(to)!;

    store.transaction(() => {
      for (const h of [...headers.values()].sort((a, b) => (a.number < b.number ? -1 : 1))) store.recordBlock(h);
      for (const d of decoded) {
        store.insertEvent(d.event);
        if (d.payment !== null) store.insertPayment(d.payment);
        if (d.bankReferenceHash !== null) markRelayed(d);
      }
      for (const [id, loan] of loans) {
        if (loan === null) store.deleteLoan(id);
        else writeLoan(id, loan, defaultedAt.get(id), to);
      }
      store.setCheckpoint({ blockNumber: to, blockHash: last.hash });
    });
    return { refreshed: loans.length };
  }

  function markRelayed(d: DecodedLog): void {
    const loanId = d.event.loanId;
    if (loanId === null) return;
    for (const record of store.bankRecordsOfLoan(loanId)) {
      if (
        record.state !== "relayed" &&
        bankReferenceHashOf(record.source, record.bankReference) === d.bankReferenceHash
      ) {
        store.markBankRecordRelayed(record.bankReference, d.event.txHash);
      }
    }
  }

  function writeLoan(id: bigint, loan: ReadLoanReturnType, defaultedNow: bigint | undefined, block: bigint): void {
    const known = store.getLoan(id);
    const inDefault = (loan.facts.flags & FLAG_DEFAULTED) !== 0;
    const defaultedAt = !inDefault ? null : (defaultedNow ?? known?.defaultedAt ?? null);
    store.upsertLoan({
      id,
      templateId: loan.templateId,
      borrower: loan.borrower,
      claimHolder: loan.claimHolder,
      principal: known?.principal ?? principalFromEvents(id),
      status: loan.status,
      stage: loan.stage,
      flags: loan.facts.flags,
      nextDueTime: loan.nextDueTime,
      defaultEligibleAt: loan.defaultEligibleAt,
      updatedBlock: block,
      facts: encodeLoanFacts(loan.facts),
      defaultedAt,
    });
    store.replaceInstallments(id, block, loan.installments);
  }

  function principalFromEvents(id: bigint): bigint {
    const principal = store.loanPrincipalFromEvents(id);
    if (principal === null) throw new Error(`Loan ${id} has no LoanOriginated event in the store`);
    return principal;
  }

  return {
    /**
     * One pass: checks the checkpoint is still on the chain (rolling back if not), then processes up to the
     * confirmed head.
     */
    async sync(): Promise<SyncReturnType> {
      if (store.getCheckpoint() === undefined) await initialise();
      const head = await client.getBlockNumber({ cacheTime: 0 });
      let checkpoint = store.getCheckpoint()!;
      let rolledBack = 0;
      const onChain = checkpoint.blockNumber <= head ? await header(checkpoint.blockNumber) : null;
      if (onChain === null || onChain.hash !== checkpoint.blockHash) {
        rolledBack = await rollBack(checkpoint.blockNumber - 1n < head ? checkpoint.blockNumber - 1n : head);
        checkpoint = store.getCheckpoint()!;
      }
      const target = head - BigInt(confirmations);
      let refreshed = 0;
      let time = store.getBlock(checkpoint.blockNumber)?.timestamp ?? 0n;
      while (checkpoint.blockNumber < target) {
        const from = checkpoint.blockNumber + 1n;
        const to = from + logRange - 1n < target ? from + logRange - 1n : target;
        const result = await processRange(from, to, checkpoint.blockHash);
        if (result === null) {
          logger.warn({ from, to }, "the chain moved while reading a range: retrying next pass");
          break;
        }
        refreshed += result.refreshed;
        checkpoint = store.getCheckpoint()!;
        time = store.getBlock(checkpoint.blockNumber)!.timestamp;
      }
      return { head, processedBlock: checkpoint.blockNumber, processedTime: time, refreshed, rolledBack };
    },
  };
}
