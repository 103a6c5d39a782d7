import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Hash } from "viem";
import type { BlockRecord, Checkpoint, RollbackResult } from "./types.ts";

interface BlockRow {
  number: bigint;
  hash: Hash;
  parent_hash: Hash;
  timestamp: bigint;
}

const toBlock = (row: BlockRow): BlockRecord => ({
  number: row.number,
  hash: row.hash,
  parentHash: row.parent_hash,
  timestamp: row.timestamp,
});

/** Thrown when the chain's history in the store would become inconsistent; the caller must resolve the fork. */
export class ChainStateError extends Error {
  override name = "ChainStateError";
}

/**
 * Where the keeper is on the chain (checkpoint, processed blocks) and the reorg rollback. Runs inside the caller's
 * transaction when there is one; `rollbackTo` opens its own otherwise.
 */
export function createChainState(db: SqlDatabase) {
  const selectCheckpoint = db.prepare("SELECT block_number, block_hash FROM chain_checkpoint WHERE id = 1");
  const upsertCheckpoint = db.prepare(
    `INSERT INTO chain_checkpoint (id, block_number, block_hash) VALUES (1, ?, ?)
     ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, block_hash = excluded.block_hash`,
  );
  const selectBlock = db.prepare("SELECT number, hash, parent_hash, timestamp FROM blocks WHERE number = ?");
  const insertBlock = db.prepare("INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES (?, ?, ?, ?)");
  const markStaleLoans = db.prepare(
    `UPDATE loans SET stale = 1
     WHERE updated_block > :ancestor OR id IN (SELECT loan_id FROM installments WHERE updated_block > :ancestor)
     RETURNING id`,
  );
  const deleteInstallments = db.prepare("DELETE FROM installments WHERE updated_block > ?");
  const deleteEvents = db.prepare("DELETE FROM events WHERE block_number > ?");
  // A bank payment credited in a removed block is not credited any more: relay it again.
  const unrelayBankRecords = db.prepare(
    `UPDATE bank_records SET state = 'matched', relay_tx = NULL, updated_at_ms = :now
     WHERE state = 'relayed' AND relay_tx IN (
       SELECT tx_hash FROM events WHERE block_number > :ancestor AND name = 'BankPaymentRecorded')`,
  );
  const deletePayments = db.prepare("DELETE FROM payments WHERE block_number > ?");
  // Actions settled by a transaction in a removed block are in flight again: the transaction may be mined anew.
  const unmineActions = db.prepare(
    `UPDATE actions SET state = 'sent', done_block = NULL, outcome = NULL, updated_at_ms = :now
     WHERE done_block > :ancestor
       AND tx_hash IN (SELECT hash FROM transactions WHERE mined_block > :ancestor)`,
  );
  // Actions dropped on a refusal simulated at a removed block are decided again (the refusal may not hold).
  const replanDropped = db.prepare(
    `UPDATE actions SET state = 'planned', done_block = NULL, outcome = NULL, not_before = 0, updated_at_ms = :now
     WHERE state = 'dropped' AND done_block > :ancestor
       AND (tx_hash IS NULL OR tx_hash NOT IN (SELECT hash FROM transactions WHERE mined_block > :ancestor))`,
  );
  const forgetCarrierOutcomes = db.prepare(
    `UPDATE transaction_actions SET skipped = NULL
     WHERE tx_hash IN (SELECT hash FROM transactions WHERE mined_block > ?)`,
  );
  const unmineTransactions = db.prepare(
    "UPDATE transactions SET state = 'sent', mined_block = NULL, updated_at_ms = ? WHERE mined_block > ?",
  );
  const deleteBlocks = db.prepare("DELETE FROM blocks WHERE number > ?");

  function getBlock(number: bigint): BlockRecord | undefined {
    const row = selectBlock.get(number) as BlockRow | undefined;
    return row && toBlock(row);
  }

  return {
    getCheckpoint(): Checkpoint | undefined {
      const row = selectCheckpoint.get() as { block_number: bigint; block_hash: Hash } | undefined;
      return row && { blockNumber: row.block_number, blockHash: row.block_hash };
    },

    setCheckpoint(checkpoint: Checkpoint): void {
      upsertCheckpoint.run(checkpoint.blockNumber, checkpoint.blockHash);
    },

    getBlock,

    /** Idempotent for the same block; a different block at a recorded height is a fork to roll back first. */
    recordBlock(block: BlockRecord): void {
      const known = getBlock(block.number);
      if (known === undefined) {
        insertBlock.run(block.number, block.hash, block.parentHash, block.timestamp);
      } else if (known.hash !== block.hash) {
        throw new ChainStateError(
          `Block ${block.number} is recorded as ${known.hash}, not ${block.hash}: roll back to the common ancestor first`,
        );
      }
    },

    /**
     * Undoes every block above `ancestor` (a recorded block): removes the blocks and the events, payments and
     * installments they produced, marks stale the loans they updated (a loan is kept: it may predate them), puts
     * the transactions they included back to `sent` with the actions mined or failed by them, plans again the
     * actions dropped on a refusal simulated at one of them, puts back to `matched` the bank records they credited,
     * and moves the checkpoint to the ancestor. The outbox, bank records and contact log are never removed.
     *
     * @example
     * store.rollbackTo(fork.number - 1n);
     */
    rollbackTo(ancestor: bigint, now: number): RollbackResult {
      return db.transaction((): RollbackResult => {
        const block = getBlock(ancestor);
        if (block === undefined) {
          throw new ChainStateError(`Cannot roll back to block ${ancestor}: it is not recorded`);
        }
        const staleLoanIds = (markStaleLoans.all({ ancestor }) as { id: bigint }[]).map((row) => row.id);
        const installments = deleteInstallments.run(ancestor).changes;
        unrelayBankRecords.run({ ancestor, now });
        const events = deleteEvents.run(ancestor).changes;
        const payments = deletePayments.run(ancestor).changes;
        replanDropped.run({ ancestor, now });
        unmineActions.run({ ancestor, now });
        forgetCarrierOutcomes.run(ancestor);
        const transactions = unmineTransactions.run(now, ancestor).changes;
        const blocks = deleteBlocks.run(ancestor).changes;
        upsertCheckpoint.run(block.number, block.hash);
        return { blocks, events, payments, installments, transactions, staleLoanIds: staleLoanIds.sort(compare) };
      })();
    },
  };
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
