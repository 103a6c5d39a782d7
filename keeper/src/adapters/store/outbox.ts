import type Database from "better-sqlite3";
import { toDbAmount } from "./amounts.ts";
import type {
  ActionKey,
  ActionRecord,
  ActionState,
  EnqueueActionReturnType,
  MarkActionParameters,
  MarkTransactionParameters,
  RecordTransactionParameters,
} from "./types.ts";

interface ActionRow {
  id: bigint;
  loan_id: bigint;
  kind: string;
  installment: bigint;
  state: ActionState;
  attempts: bigint;
  last_error: string | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

const toAction = (row: ActionRow): ActionRecord => ({
  id: Number(row.id),
  loanId: row.loan_id,
  kind: row.kind,
  installment: Number(row.installment),
  state: row.state,
  attempts: Number(row.attempts),
  lastError: row.last_error,
  createdAtMs: Number(row.created_at_ms),
  updatedAtMs: Number(row.updated_at_ms),
});

/** Thrown when an update names an action or a transaction the store does not have. */
export class OutboxError extends Error {
  override name = "OutboxError";
}

/** The outbox: actions idempotent by key, and the transactions that carry them. */
export function createOutbox(db: Database.Database) {
  const insertAction = db.prepare(
    `INSERT INTO actions (loan_id, kind, installment, state, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, 'planned', ?, ?) ON CONFLICT (loan_id, kind, installment) DO NOTHING`,
  );
  const selectActionByKey = db.prepare("SELECT * FROM actions WHERE loan_id = ? AND kind = ? AND installment = ?");
  const selectAction = db.prepare("SELECT * FROM actions WHERE id = ?");
  const selectPlanned = db.prepare("SELECT * FROM actions WHERE state = 'planned' ORDER BY id LIMIT ?");
  const updateAction = db.prepare(
    `UPDATE actions SET state = :state, attempts = attempts + :attempted,
       last_error = CASE WHEN :keepError THEN last_error ELSE :error END, updated_at_ms = :now
     WHERE id = :id`,
  );
  const insertTransaction = db.prepare(
    `INSERT INTO transactions (hash, account, nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, state,
       sent_block, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?)`,
  );
  const linkAction = db.prepare("INSERT INTO transaction_actions (tx_hash, action_id) VALUES (?, ?)");
  const updateTransaction = db.prepare(
    "UPDATE transactions SET state = ?, mined_block = ?, updated_at_ms = ? WHERE hash = ?",
  );

  return {
    /**
     * Plans an action once per key: the first call inserts it `planned`, later calls return the existing one as
     * it is, whatever its state.
     */
    enqueueAction(key: ActionKey, now: number): EnqueueActionReturnType {
      const created = insertAction.run(key.loanId, key.kind, key.installment, now, now).changes === 1;
      const row = selectActionByKey.get(key.loanId, key.kind, key.installment) as ActionRow;
      return { action: toAction(row), created };
    },

    getAction(id: number): ActionRecord | undefined {
      const row = selectAction.get(id) as ActionRow | undefined;
      return row && toAction(row);
    },

    /** Up to `limit` planned actions, oldest first. */
    nextActions(limit: number): ActionRecord[] {
      return (selectPlanned.all(limit) as ActionRow[]).map(toAction);
    },

    markAction(id: number, update: MarkActionParameters, now: number): void {
      const changes = updateAction.run({
        id,
        state: update.state,
        attempted: update.attempted ? 1 : 0,
        keepError: update.error === undefined ? 1 : 0,
        error: update.error ?? null,
        now,
      }).changes;
      if (changes === 0) throw new OutboxError(`No action ${id}`);
    },

    /** Records a sent transaction and the actions it carries (the caller marks them `sent`, in the same transaction). */
    recordTransaction(tx: RecordTransactionParameters, now: number): void {
      insertTransaction.run(
        tx.hash,
        tx.account,
        tx.nonce,
        toDbAmount(tx.gasLimit),
        toDbAmount(tx.maxFeePerGas),
        toDbAmount(tx.maxPriorityFeePerGas),
        tx.sentBlock,
        now,
        now,
      );
      for (const actionId of tx.actionIds) linkAction.run(tx.hash, actionId);
    },

    markTransaction(hash: string, update: MarkTransactionParameters, now: number): void {
      const included = update.state === "mined" || update.state === "reverted";
      if (included !== (update.minedBlock !== undefined)) {
        throw new OutboxError(`Transaction ${hash}: a block is given for mined and reverted only, and required`);
      }
      const changes = updateTransaction.run(update.state, update.minedBlock ?? null, now, hash).changes;
      if (changes === 0) throw new OutboxError(`No transaction ${hash}`);
    },
  };
}
