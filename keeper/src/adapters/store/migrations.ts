/**
 * The keeper database's schema, as an append-only list of migrations. A shipped migration is never edited: change
 * the schema by appending one. Each runs in its own transaction and is recorded in `schema_migrations`
 * (`applyMigrations.ts`).
 *
 * Conventions:
 * - Token amounts are uint256 and overflow SQLite's signed 64-bit INTEGER, so they are TEXT holding the canonical
 *   decimal (`0` or digits without a leading zero, checked by `CHECK`), converted with BigInt at the store's edge
 *   (`amounts.ts`). SQL must not compare, sort or sum them: TEXT compares as text.
 * - Block numbers, loan ids, installment numbers and chain times (unix seconds) are INTEGER; wall-clock times of
 *   the keeper's own records are unix milliseconds, in columns ending in `_ms`.
 * - Addresses and hashes are 0x-prefixed hex TEXT as viem gives them.
 * - Every row derived from the chain carries the block it came from (`block_number`, `updated_block`, `mined_block`),
 *   so a reorg rolls back exactly what the orphaned blocks produced (`chainState.ts`).
 * - Keys that must deduplicate use NOT NULL columns: SQLite's UNIQUE treats NULLs as distinct.
 */
export interface Migration {
  /** 1, 2, 3...: applied in this order, each once. */
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * A NOT NULL token amount column: canonical decimal TEXT. Part of shipped migrations' SQL: never change it, write a
 * new helper for a new rule.
 */
const amount = (column: string) =>
  `${column} TEXT NOT NULL CHECK (${column} <> '' AND ${column} NOT GLOB '*[^0-9]*' AND (${column} = '0' OR ${column} NOT GLOB '0*'))`;

const initialSchema = `
CREATE TABLE chain_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL
);

CREATE TABLE blocks (
  number INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  parent_hash TEXT NOT NULL,
  timestamp INTEGER NOT NULL
);

-- The keeper's view of each loan, refreshed from the chain at updated_block. A reorg marks it stale (it is not
-- deleted: the loan may predate the orphaned blocks) until the next upsert.
CREATE TABLE loans (
  id INTEGER PRIMARY KEY,
  template_id INTEGER NOT NULL,
  borrower TEXT NOT NULL,
  claim_holder TEXT NOT NULL,
  ${amount("principal")},
  status INTEGER NOT NULL,
  stage INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  next_due_time INTEGER,
  default_eligible_at INTEGER,
  updated_block INTEGER NOT NULL,
  stale INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1))
);
CREATE INDEX loans_updated_block ON loans (updated_block);
CREATE INDEX loans_stale ON loans (stale) WHERE stale = 1;

CREATE TABLE installments (
  loan_id INTEGER NOT NULL REFERENCES loans (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  due_time INTEGER NOT NULL,
  ${amount("principal")},
  ${amount("interest")},
  ${amount("paid")},
  updated_block INTEGER NOT NULL,
  PRIMARY KEY (loan_id, number)
);
CREATE INDEX installments_updated_block ON installments (updated_block);

-- Raw chain facts: no foreign key to loans, a log is kept even for a loan the keeper does not follow.
CREATE TABLE payments (
  loan_id INTEGER NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  payer TEXT NOT NULL,
  ${amount("amount")},
  ${amount("penalty_paid")},
  ${amount("interest_paid")},
  ${amount("principal_paid")},
  ${amount("prepaid")},
  PRIMARY KEY (tx_hash, log_index)
);
CREATE INDEX payments_loan ON payments (loan_id, block_number);
CREATE INDEX payments_block ON payments (block_number);

-- Every decoded log of the loan book; args is JSON with integers as decimal strings.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  address TEXT NOT NULL,
  name TEXT NOT NULL,
  loan_id INTEGER,
  args TEXT NOT NULL CHECK (json_valid(args)),
  UNIQUE (tx_hash, log_index)
);
CREATE INDEX events_block ON events (block_number);
CREATE INDEX events_loan ON events (loan_id, block_number) WHERE loan_id IS NOT NULL;

-- The outbox: one row per thing to do, idempotent by (loan_id, kind, installment); installment is 0 for an action
-- that is not per installment. Never deleted by a reorg: it is the record of what was sent.
CREATE TABLE actions (
  id INTEGER PRIMARY KEY,
  loan_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  installment INTEGER NOT NULL CHECK (installment >= 0),
  state TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'mined', 'dropped', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (loan_id, kind, installment)
);
CREATE INDEX actions_state ON actions (state, id);

CREATE TABLE transactions (
  hash TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  ${amount("gas_limit")},
  ${amount("max_fee_per_gas")},
  ${amount("max_priority_fee_per_gas")},
  state TEXT NOT NULL CHECK (state IN ('sent', 'mined', 'reverted', 'dropped', 'replaced')),
  sent_block INTEGER NOT NULL,
  mined_block INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX transactions_account_nonce ON transactions (account, nonce);
CREATE INDEX transactions_mined_block ON transactions (mined_block) WHERE mined_block IS NOT NULL;

-- Which actions each transaction carries (a batch carries many; a replacement carries the same ones).
CREATE TABLE transaction_actions (
  tx_hash TEXT NOT NULL REFERENCES transactions (hash) ON DELETE CASCADE,
  action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  PRIMARY KEY (tx_hash, action_id)
);
CREATE INDEX transaction_actions_action ON transaction_actions (action_id);

CREATE TABLE nonce_state (
  account TEXT PRIMARY KEY,
  next_nonce INTEGER NOT NULL CHECK (next_nonce >= 0)
);

-- Payments reported by banks (webhook), stored before the webhook answers 2xx. amount is in the token's units;
-- paid_at is unix seconds as the bank reports it.
CREATE TABLE bank_records (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  bank_reference TEXT NOT NULL UNIQUE,
  loan_reference TEXT NOT NULL,
  loan_id INTEGER,
  ${amount("amount")},
  paid_at INTEGER NOT NULL,
  raw_payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('received', 'matched', 'suspense', 'relayed')),
  relay_tx TEXT,
  received_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX bank_records_state ON bank_records (state, id);

CREATE TABLE contact_log (
  id INTEGER PRIMARY KEY,
  loan_id INTEGER NOT NULL,
  borrower TEXT NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
  sent_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX contact_log_loan ON contact_log (loan_id, created_at_ms);
`;

/**
 * The keeper service (issue 5):
 * - actions are keyed by the decision core's key (`decisions.ts`: a commitment's installments and a bank payment are
 *   not numbered by the loan's installments), carry what the executor needs (`valid_from`, `payload`), wait until
 *   `not_before` (chain time) after a retryable outcome, and end `done` with the outcome, the transaction and the
 *   block that made it so. The table is rebuilt (SQLite cannot drop a UNIQUE constraint), with the link table that
 *   references it, so that no foreign key action fires on the old rows.
 * - transactions keep the signed bytes, written before the broadcast, so a restarted keeper re-sends exactly the
 *   transaction it signed (same nonce, same hash) and never a second one.
 * - loans keep the chain facts the decision core reads (JSON, integers as decimal strings) and when the current
 *   default was declared.
 */
const keeperService = `
ALTER TABLE transaction_actions RENAME TO transaction_actions_v1;
ALTER TABLE actions RENAME TO actions_v1;
DROP INDEX actions_state;
DROP INDEX transaction_actions_action;

CREATE TABLE actions (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  loan_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  installment INTEGER NOT NULL CHECK (installment >= 0),
  valid_from INTEGER,
  payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
  state TEXT NOT NULL CHECK (state IN ('planned', 'sent', 'done', 'dropped', 'failed')),
  not_before INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  last_error TEXT,
  tx_hash TEXT,
  done_block INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
-- An action keeps the transaction that carried it (the mined one first) and, once settled by it, that block: the
-- rollback of a reorg finds it by them.
INSERT INTO actions (id, key, loan_id, kind, installment, state, attempts, last_error, tx_hash, done_block,
    created_at_ms, updated_at_ms)
  SELECT a.id, a.loan_id || ':' || a.kind || ':i' || a.installment, a.loan_id, a.kind, a.installment,
    CASE a.state WHEN 'mined' THEN 'done' ELSE a.state END, a.attempts, a.last_error,
    (SELECT t.hash FROM transaction_actions_v1 l JOIN transactions t ON t.hash = l.tx_hash
     WHERE l.action_id = a.id ORDER BY t.mined_block IS NULL, t.created_at_ms DESC, t.rowid DESC LIMIT 1),
    CASE WHEN a.state IN ('mined', 'failed') THEN (SELECT MAX(t.mined_block) FROM transaction_actions_v1 l
      JOIN transactions t ON t.hash = l.tx_hash WHERE l.action_id = a.id) END,
    a.created_at_ms, a.updated_at_ms
  FROM actions_v1 a;
CREATE INDEX actions_state ON actions (state, id);
CREATE INDEX actions_loan ON actions (loan_id, id);
CREATE INDEX actions_done_block ON actions (done_block) WHERE done_block IS NOT NULL;

CREATE TABLE transaction_actions (
  tx_hash TEXT NOT NULL REFERENCES transactions (hash) ON DELETE CASCADE,
  action_id INTEGER NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  PRIMARY KEY (tx_hash, action_id)
);
INSERT INTO transaction_actions SELECT tx_hash, action_id FROM transaction_actions_v1;
CREATE INDEX transaction_actions_action ON transaction_actions (action_id);
DROP TABLE transaction_actions_v1;
DROP TABLE actions_v1;

ALTER TABLE transactions ADD COLUMN raw TEXT;
ALTER TABLE transactions ADD COLUMN function_name TEXT;
CREATE INDEX transactions_state ON transactions (state, nonce);

ALTER TABLE loans ADD COLUMN facts TEXT CHECK (facts IS NULL OR json_valid(facts));
ALTER TABLE loans ADD COLUMN defaulted_at INTEGER;
`;

/**
 * What each mined transaction did with each action it carried: `skipped` holds the contract's reason when the batch
 * skipped it (the action is then planned again and may be carried by a later transaction: not a duplicate), NULL
 * when the transaction did it or is not settled.
 */
const carrierOutcomes = `
ALTER TABLE transaction_actions ADD COLUMN skipped TEXT;
`;

/**
 * The bank webhook (issue 6): a payment that matches no loan (no reference, an unknown loan, several references) is
 * stored in `suspense` with the reason, for a person to resolve. Bank references stay unique across sources: the
 * executor and the follower still address a record by its bank reference alone.
 */
const bankRecordReason = `
ALTER TABLE bank_records ADD COLUMN reason TEXT;
`;

/**
 * Bank statement import (issue 6): each imported statement once per source and statement id (a CSV's id is its
 * sha256), with what the import did; and the quarantine, where entries that could not be stored wait for a person:
 * a statement's unreadable entries, a signed webhook body that is not a valid payment, and conflicts (a reference
 * already held with another payment). A retried delivery or re-imported file is not quarantined twice (UNIQUE on
 * where it came from and a hash of its raw text).
 */
const bankStatements = `
CREATE TABLE bank_statements (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  format TEXT NOT NULL,
  statement_id TEXT NOT NULL,
  account TEXT,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  entries INTEGER NOT NULL CHECK (entries >= 0),
  stored INTEGER NOT NULL CHECK (stored >= 0),
  matched INTEGER NOT NULL CHECK (matched >= 0 AND matched <= stored),
  duplicates INTEGER NOT NULL CHECK (duplicates >= 0),
  conflicts INTEGER NOT NULL CHECK (conflicts >= 0),
  quarantined INTEGER NOT NULL CHECK (quarantined >= 0),
  ignored INTEGER NOT NULL CHECK (ignored >= 0),
  imported_at_ms INTEGER NOT NULL,
  UNIQUE (source, statement_id)
);

CREATE TABLE bank_quarantine (
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('webhook', 'file')),
  origin_ref TEXT NOT NULL,
  position TEXT NOT NULL,
  bank_reference TEXT,
  raw TEXT NOT NULL,
  raw_sha256 TEXT NOT NULL,
  error TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  UNIQUE (source, origin_ref, position, raw_sha256)
);
`;

/**
 * Borrower contact (issue 6):
 * - borrower_contacts: what the lender knows off chain about reaching a borrower (IANA zone, language, channel,
 *   the handle the channel needs); never on chain. A borrower without a row gets the keeper's defaults.
 * - contact_messages: one message per contact action (the outbox row that decided it), rendered once (its content
 *   hash is fixed from then on), waiting in `not_before` (chain time) for the next moment the rules allow;
 *   `in_doubt` while an attempt's outcome is unknown (the keeper stopped between the channel and the record).
 * - contact_log gains the message, the chain time it went out and the recipient's hash (the Merkle leaf's fields),
 *   and the anchor batch that holds it; contact_anchors are the batches, each a Merkle root anchored on chain by an
 *   `anchorContactLog` action, with the tree kept for proofs.
 * - bank_records gain who assigned a suspense record to a loan, and when.
 */
const borrowerContact = `
CREATE TABLE borrower_contacts (
  borrower TEXT PRIMARY KEY,
  time_zone TEXT NOT NULL,
  locale TEXT NOT NULL CHECK (locale IN ('zh', 'en')),
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

CREATE TABLE contact_messages (
  id INTEGER PRIMARY KEY,
  action_id INTEGER NOT NULL UNIQUE REFERENCES actions (id),
  loan_id INTEGER NOT NULL,
  borrower TEXT NOT NULL,
  kind TEXT NOT NULL,
  locale TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  recipient_hash TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'sent', 'failed', 'cancelled')),
  not_before INTEGER NOT NULL,
  wait_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  in_doubt INTEGER NOT NULL DEFAULT 0 CHECK (in_doubt IN (0, 1)),
  last_error TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX contact_messages_due ON contact_messages (state, not_before) WHERE state = 'waiting';
CREATE INDEX contact_messages_loan ON contact_messages (loan_id, id);

CREATE TABLE contact_anchors (
  id INTEGER PRIMARY KEY,
  root TEXT NOT NULL UNIQUE,
  first_entry INTEGER NOT NULL,
  last_entry INTEGER NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0),
  tree TEXT NOT NULL CHECK (json_valid(tree)),
  action_key TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

ALTER TABLE contact_log ADD COLUMN message_id INTEGER REFERENCES contact_messages (id);
ALTER TABLE contact_log ADD COLUMN sent_at INTEGER;
ALTER TABLE contact_log ADD COLUMN recipient_hash TEXT;
ALTER TABLE contact_log ADD COLUMN anchor_id INTEGER REFERENCES contact_anchors (id);
CREATE UNIQUE INDEX contact_log_message ON contact_log (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX contact_log_borrower ON contact_log (borrower, sent_at);
CREATE INDEX contact_log_unanchored ON contact_log (id) WHERE anchor_id IS NULL;

ALTER TABLE bank_records ADD COLUMN assigned_by TEXT;
ALTER TABLE bank_records ADD COLUMN assigned_at_ms INTEGER;
`;

/**
 * Sign-in for the web app and the lenders' API keys (`sessions.ts`): single-use SIWE nonces, sessions and keys kept
 * only as SHA-256 hashes of the secrets (a copy of the database opens no session), times in wall-clock ms.
 */
const webSignIn = `
CREATE TABLE auth_nonces (
  nonce TEXT PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  used_at_ms INTEGER
);
CREATE INDEX auth_nonces_expiry ON auth_nonces (expires_at_ms);

CREATE TABLE auth_sessions (
  id_hash TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at_ms);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  lender TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
`;

/**
 * The web app's off-chain paperwork. The lender's applications to a notary for an execution certificate
 * (`certificateApplications.ts`): per loan, the hashes of the three documents applied with; a newer application of
 * the same loan replaces the older one. And the lender's loan offers collecting the borrower's and the notary's
 * signatures before origination.
 */
const certificateApplications = `
CREATE TABLE certificate_applications (
  loan_id INTEGER PRIMARY KEY,
  debt_instrument_hash TEXT NOT NULL,
  default_proof_hash TEXT NOT NULL,
  identity_proof_hash TEXT NOT NULL,
  applied_by TEXT NOT NULL,
  applied_at_ms INTEGER NOT NULL
);

-- A lender's loan offer on its way to origination (\`originationOffers.ts\`): the exact terms the borrower's
-- LoanAcceptance and the notary's Notarization sign, each signature as it came in. Nonces are keyed (the offer's own
-- lane), so offers can be signed and originated in any order.
CREATE TABLE origination_offers (
  id INTEGER PRIMARY KEY,
  template_id INTEGER NOT NULL,
  ${amount("principal")},
  borrower TEXT NOT NULL,
  lender TEXT NOT NULL,
  document_hash TEXT NOT NULL,
  collateral_token TEXT NOT NULL,
  ${amount("collateral_amount")},
  collateral_asset_hash TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  ${amount("borrower_nonce")},
  ${amount("notary_nonce")},
  borrower_signature TEXT,
  notary TEXT,
  notary_signature TEXT,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX origination_offers_borrower ON origination_offers (borrower);
`;

/**
 * The decision pass at a million loans (issue 9): each loan's next check, the first chain time at which the keeper's
 * decisions can ask something new of it (`nextWakeUp` in core/decisions.ts), so that a pass reads through the index
 * only the loans with something due. NULL: never, until its facts change (closed, paid off, or not yet read). Every
 * loan starts at 0 (decide it on the next pass): a store from before this migration is decided in full once.
 */
const nextCheck = `
ALTER TABLE loans ADD COLUMN next_check_at INTEGER DEFAULT 0;
CREATE INDEX loans_next_check ON loans (next_check_at) WHERE next_check_at IS NOT NULL;
`;

/**
 * The order transactions were recorded in, as a column: SQLite's implicit rowid gave it, and PostgreSQL has none
 * (issue 9: the same SQL on both). A new transaction takes the next number (`outbox.ts`).
 */
export const transactionOrder = `
ALTER TABLE transactions ADD COLUMN seq INTEGER;
UPDATE transactions SET seq = rowid;
CREATE UNIQUE INDEX transactions_seq ON transactions (seq);
`;

/**
 * The origination checks (`core/originationChecks.ts`): every offer refused by them, with its reason codes (a JSON
 * array of strings) and flags, for the lender's dashboard; and the flags an offer was made with (`[]`: none) and the
 * borrower's identity commitment its checks verified, with the notary's attestation of it (null: none), which the keeper
 * enrolls in the default registry.
 */
const originationRefusals = `
CREATE TABLE origination_refusals (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  lender TEXT NOT NULL,
  borrower TEXT NOT NULL,
  template_id INTEGER NOT NULL,
  ${amount("principal")},
  identity TEXT,
  reasons TEXT NOT NULL CHECK (json_valid(reasons)),
  flags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags))
);
CREATE INDEX origination_refusals_lender ON origination_refusals (lender, id);
ALTER TABLE origination_offers ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE origination_offers ADD COLUMN identity TEXT;
ALTER TABLE origination_offers ADD COLUMN identity_notary TEXT;
ALTER TABLE origination_offers ADD COLUMN identity_signature TEXT;
`;

/** Every migration, in order. Append only. */
export const migrations: readonly Migration[] = [
  { id: 1, name: "initial schema", sql: initialSchema },
  { id: 2, name: "keeper service", sql: keeperService },
  { id: 3, name: "carrier outcomes", sql: carrierOutcomes },
  { id: 4, name: "bank record reason", sql: bankRecordReason },
  { id: 5, name: "bank statements", sql: bankStatements },
  { id: 6, name: "borrower contact", sql: borrowerContact },
  { id: 7, name: "web sign-in", sql: webSignIn },
  { id: 8, name: "certificate applications and origination offers", sql: certificateApplications },
  { id: 9, name: "next check", sql: nextCheck },
  { id: 10, name: "transaction order", sql: transactionOrder },
  { id: 11, name: "origination refusals", sql: originationRefusals },
];
