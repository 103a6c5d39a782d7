import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Address, Hash, Hex } from "viem";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type {
  ActionRecord,
  ActionState,
  EnqueueActionReturnType,
  MarkActionParameters,
  MarkTransactionParameters,
  PlanActionParameters,
  RecordTransactionParameters,
  TransactionRecord,
  TransactionState,
} from "./types.ts";

interface ActionRow {
  id: bigint;
  key: string;
  loan_id: bigint;
  kind: string;
  installment: bigint;
  valid_from: bigint | null;
  payload: string;
  state: ActionState;
  not_before: bigint;
  attempts: bigint;
  outcome: string | null;
  last_error: string | null;
  tx_hash: Hash | null;
  done_block: bigint | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

interface TransactionRow {
  hash: Hash;
  account: Address;
  nonce: bigint;
  gas_limit: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  state: TransactionState;
  sent_block: bigint;
  mined_block: bigint | null;
  raw: Hex | null;
  function_name: string | null;
}

const toAction = (row: ActionRow): ActionRecord => ({
  id: Number(row.id),
  key: row.key,
  loanId: row.loan_id,
  kind: row.kind,
  installment: Number(row.installment),
  validFrom: row.valid_from,
  payload: JSON.parse(row.payload) as ActionRecord["payload"],
  state: row.state,
  notBefore: row.not_before,
  attempts: Number(row.attempts),
  outcome: row.outcome,
  lastError: row.last_error,
  txHash: row.tx_hash,
  doneBlock: row.done_block,
  createdAtMs: Number(row.created_at_ms),
  updatedAtMs: Number(row.updated_at_ms),
});

/** JSON with bigints as decimal strings. */
const payloadJson = (payload: Readonly<Record<string, unknown>>) =>
  JSON.stringify(payload, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

/** Thrown when an update names an action or a transaction the store does not have. */
export class OutboxError extends Error {
  override name = "OutboxError";
}

/** The outbox: actions idempotent by key, the transactions that carry them, and the nonce each account is at. */
export function createOutbox(db: SqlDatabase) {
  const insertAction = db.prepare(
    `INSERT INTO actions (key, loan_id, kind, installment, valid_from, payload, state, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const selectActionByKey = db.prepare("SELECT * FROM actions WHERE key = ?");
  const selectAction = db.prepare("SELECT * FROM actions WHERE id = ?");
  const selectPlanned = db.prepare(
    "SELECT * FROM actions WHERE state = 'planned' AND not_before <= ? ORDER BY id LIMIT ?",
  );
  const selectActionsOfLoan = db.prepare("SELECT * FROM actions WHERE loan_id = ? ORDER BY id");
  const selectActionsOfTransaction = db.prepare(
    `SELECT actions.* FROM actions JOIN transaction_actions ON transaction_actions.action_id = actions.id
     WHERE transaction_actions.tx_hash = ? ORDER BY actions.id`,
  );
  const updateAction = db.prepare(
    `UPDATE actions SET state = :state, attempts = attempts + :attempted,
       last_error = CASE WHEN :keepError THEN last_error ELSE :error END,
       outcome = CASE WHEN :keepOutcome THEN outcome ELSE :outcome END,
       tx_hash = CASE WHEN :keepTx THEN tx_hash ELSE :txHash END,
       done_block = CASE WHEN :keepBlock THEN done_block ELSE :doneBlock END,
       not_before = CASE WHEN :keepNotBefore THEN not_before ELSE :notBefore END,
       updated_at_ms = :now
     WHERE id = :id`,
  );
  const insertTransaction = db.prepare(
    `INSERT INTO transactions (hash, account, nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, state,
       sent_block, raw, function_name, created_at_ms, updated_at_ms, seq)
     VALUES (?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transactions))`,
  );
  const linkAction = db.prepare("INSERT INTO transaction_actions (tx_hash, action_id) VALUES (?, ?)");
  const updateSkipped = db.prepare("UPDATE transaction_actions SET skipped = ? WHERE tx_hash = ? AND action_id = ?");
  const updateTransaction = db.prepare(
    "UPDATE transactions SET state = ?, mined_block = ?, updated_at_ms = ? WHERE hash = ?",
  );
  const selectTransaction = db.prepare("SELECT * FROM transactions WHERE hash = ?");
  const selectPendingTransactions = db.prepare(
    "SELECT * FROM transactions WHERE state = 'sent' AND account = ? ORDER BY nonce, created_at_ms, seq",
  );
  const selectTransactionsAtNonce = db.prepare(
    "SELECT * FROM transactions WHERE account = ? AND nonce = ? ORDER BY created_at_ms, seq",
  );
  const selectActionIds = db.prepare("SELECT action_id FROM transaction_actions WHERE tx_hash = ? ORDER BY action_id");
  const selectNonce = db.prepare("SELECT next_nonce FROM nonce_state WHERE account = ?");
  const upsertNonce = db.prepare(
    `INSERT INTO nonce_state (account, next_nonce) VALUES (?, ?)
     ON CONFLICT (account) DO UPDATE SET next_nonce = excluded.next_nonce`,
  );

  const toTransaction = (row: TransactionRow): TransactionRecord => ({
    hash: row.hash,
    account: row.account,
    nonce: Number(row.nonce),
    gasLimit: fromDbAmount(row.gas_limit),
    maxFeePerGas: fromDbAmount(row.max_fee_per_gas),
    maxPriorityFeePerGas: fromDbAmount(row.max_priority_fee_per_gas),
    state: row.state,
    sentBlock: row.sent_block,
    minedBlock: row.mined_block,
    raw: row.raw,
    functionName: row.function_name,
    actionIds: (selectActionIds.all(row.hash) as { action_id: bigint }[]).map((link) => Number(link.action_id)),
  });

  return {
    /**
     * Plans an action once per key: the first call inserts it `planned`, later calls return the existing one as
     * it is, whatever its state.
     */
    enqueueAction(action: PlanActionParameters, now: number): EnqueueActionReturnType {
      const created =
        insertAction.run(
          action.key,
          action.loanId,
          action.kind,
          action.installment,
          action.validFrom,
          payloadJson(action.payload),
          now,
          now,
        ).changes === 1;
      const row = selectActionByKey.get(action.key) as ActionRow;
      return { action: toAction(row), created };
    },

    /** Plans many actions at once (each once per key); returns how many were new. */
    planActions(actions: readonly PlanActionParameters[], now: number): number {
      let created = 0;
      for (const action of actions) {
        created += insertAction.run(
          action.key,
          action.loanId,
          action.kind,
          action.installment,
          action.validFrom,
          payloadJson(action.payload),
          now,
          now,
        ).changes;
      }
      return created;
    },

    getAction(id: number): ActionRecord | undefined {
      const row = selectAction.get(id) as ActionRow | undefined;
      return row && toAction(row);
    },

    getActionByKey(key: string): ActionRecord | undefined {
      const row = selectActionByKey.get(key) as ActionRow | undefined;
      return row && toAction(row);
    },

    /** Up to `limit` planned actions whose `notBefore` has passed at chain time `at`, oldest first. */
    nextActions(limit: number, at: bigint): ActionRecord[] {
      return (selectPlanned.all(at, limit) as ActionRow[]).map(toAction);
    },

    actionsOfLoan(loanId: bigint): ActionRecord[] {
      return (selectActionsOfLoan.all(loanId) as ActionRow[]).map(toAction);
    },

    /** What mined transaction `hash` did with action `actionId`: skipped it (the contract's reason), or did it (null). */
    markCarried(hash: Hash, actionId: number, skipped: string | null): void {
      updateSkipped.run(skipped, hash, actionId);
    },

    actionsOfTransaction(hash: Hash): ActionRecord[] {
      return (selectActionsOfTransaction.all(hash) as ActionRow[]).map(toAction);
    },

    markAction(id: number, update: MarkActionParameters, now: number): void {
      const changes = updateAction.run({
        id,
        state: update.state,
        attempted: update.attempted ? 1 : 0,
        keepError: update.error === undefined ? 1 : 0,
        error: update.error ?? null,
        keepOutcome: update.outcome === undefined ? 1 : 0,
        outcome: update.outcome ?? null,
        keepTx: update.txHash === undefined ? 1 : 0,
        txHash: update.txHash ?? null,
        keepBlock: update.doneBlock === undefined ? 1 : 0,
        doneBlock: update.doneBlock ?? null,
        keepNotBefore: update.notBefore === undefined ? 1 : 0,
        notBefore: update.notBefore ?? 0n,
        now,
      }).changes;
      if (changes === 0) throw new OutboxError(`No action ${id}`);
    },

    /** Records a signed transaction and the actions it carries (the caller marks them `sent`, in the same transaction). */
    recordTransaction(tx: RecordTransactionParameters, now: number): void {
      insertTransaction.run(
        tx.hash,
        tx.account,
        tx.nonce,
        toDbAmount(tx.gasLimit),
        toDbAmount(tx.maxFeePerGas),
        toDbAmount(tx.maxPriorityFeePerGas),
        tx.sentBlock,
        tx.raw,
        tx.functionName,
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

    getTransaction(hash: Hash): TransactionRecord | undefined {
      const row = selectTransaction.get(hash) as TransactionRow | undefined;
      return row && toTransaction(row);
    },

    /** The account's transactions not yet known to be mined, replaced or dropped, by nonce. */
    pendingTransactions(account: Address): TransactionRecord[] {
      return (selectPendingTransactions.all(account) as TransactionRow[]).map(toTransaction);
    },

    /** Every transaction signed with this nonce (the first and its fee bumps), oldest first. */
    transactionsAtNonce(account: Address, nonce: number): TransactionRecord[] {
      return (selectTransactionsAtNonce.all(account, nonce) as TransactionRow[]).map(toTransaction);
    },

    /** The next nonce the keeper will sign with (undefined: never signed). */
    getNextNonce(account: Address): number | undefined {
      const row = selectNonce.get(account) as { next_nonce: bigint } | undefined;
      return row && Number(row.next_nonce);
    },

    setNextNonce(account: Address, nonce: number): void {
      upsertNonce.run(account, nonce);
    },
  };
}
