/**
 * Borrower contact in the store: the borrowers' contact details (off chain only), the messages waiting for the next
 * allowed moment, the contact log (one row per contact made, with its content hash) and the anchor batches of the
 * log. Times named `*_ms` are the keeper's wall clock; `not_before` and `sent_at` are chain time (seconds), the
 * keeper's clock for every rule.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Address, Hash } from "viem";

export type ContactLocale = "zh" | "en";
export type ContactMessageState = "waiting" | "sent" | "failed" | "cancelled";
export const CONTACT_MESSAGE_STATES: readonly ContactMessageState[] = ["waiting", "sent", "failed", "cancelled"];

/** How to reach a borrower: kept off chain, set by the lender's operators. */
export interface BorrowerContact {
  readonly borrower: Address;
  /** IANA zone, e.g. `Asia/Shanghai`: quiet hours and the daily limit count in it. */
  readonly timeZone: string;
  readonly locale: ContactLocale;
  /** A configured channel's name. */
  readonly channel: string;
  /** What the channel needs to reach the borrower (a phone number, an e-mail, a postal address id). */
  readonly recipient: string;
}

export interface InsertContactMessageParameters {
  readonly actionId: number;
  readonly loanId: bigint;
  readonly borrower: Address;
  readonly kind: string;
  readonly locale: ContactLocale;
  readonly timeZone: string;
  readonly channel: string;
  readonly recipient: string;
  readonly recipientHash: Hash;
  readonly subject: string;
  readonly body: string;
  readonly contentHash: Hash;
  /** Chain time from which it may go. */
  readonly notBefore: bigint;
}

export interface ContactMessage extends InsertContactMessageParameters {
  readonly id: number;
  readonly state: ContactMessageState;
  readonly waitReason: string | null;
  readonly attempts: number;
  /** An attempt was made and its outcome is unknown (the keeper stopped in between): it may have gone out. */
  readonly inDoubt: boolean;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** A contact made: the fields of its Merkle leaf, and the batch that anchors it. */
export interface ContactLogEntry {
  readonly id: number;
  readonly messageId: number;
  readonly loanId: bigint;
  readonly borrower: Address;
  readonly kind: string;
  readonly channel: string;
  readonly recipientHash: Hash;
  readonly contentHash: Hash;
  /** Chain time it went out. */
  readonly sentAt: bigint;
  readonly anchorId: number | null;
}

export interface ContactAnchor {
  readonly id: number;
  readonly root: Hash;
  readonly firstEntry: number;
  readonly lastEntry: number;
  readonly count: number;
  /** The tree as `StandardMerkleTree.dump()` wrote it (JSON). */
  readonly tree: string;
  /** The outbox key of the action that anchors it on chain. */
  readonly actionKey: string;
  readonly createdAtMs: number;
}

interface MessageRow {
  id: bigint;
  action_id: bigint;
  loan_id: bigint;
  borrower: Address;
  kind: string;
  locale: ContactLocale;
  time_zone: string;
  channel: string;
  recipient: string;
  recipient_hash: Hash;
  subject: string;
  body: string;
  content_hash: Hash;
  state: ContactMessageState;
  not_before: bigint;
  wait_reason: string | null;
  attempts: bigint;
  in_doubt: bigint;
  last_error: string | null;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

const toMessage = (row: MessageRow): ContactMessage => ({
  id: Number(row.id),
  actionId: Number(row.action_id),
  loanId: row.loan_id,
  borrower: row.borrower,
  kind: row.kind,
  locale: row.locale,
  timeZone: row.time_zone,
  channel: row.channel,
  recipient: row.recipient,
  recipientHash: row.recipient_hash,
  subject: row.subject,
  body: row.body,
  contentHash: row.content_hash,
  notBefore: row.not_before,
  state: row.state,
  waitReason: row.wait_reason,
  attempts: Number(row.attempts),
  inDoubt: row.in_doubt === 1n,
  lastError: row.last_error,
  createdAtMs: Number(row.created_at_ms),
  updatedAtMs: Number(row.updated_at_ms),
});

interface LogRow {
  id: bigint;
  message_id: bigint;
  loan_id: bigint;
  borrower: Address;
  template: string;
  channel: string;
  recipient_hash: Hash;
  content_hash: Hash;
  sent_at: bigint;
  anchor_id: bigint | null;
}

const toLogEntry = (row: LogRow): ContactLogEntry => ({
  id: Number(row.id),
  messageId: Number(row.message_id),
  loanId: row.loan_id,
  borrower: row.borrower,
  kind: row.template,
  channel: row.channel,
  recipientHash: row.recipient_hash,
  contentHash: row.content_hash,
  sentAt: row.sent_at,
  anchorId: row.anchor_id === null ? null : Number(row.anchor_id),
});

interface AnchorRow {
  id: bigint;
  root: Hash;
  first_entry: bigint;
  last_entry: bigint;
  count: bigint;
  tree: string;
  action_key: string;
  created_at_ms: bigint;
}

const toAnchor = (row: AnchorRow): ContactAnchor => ({
  id: Number(row.id),
  root: row.root,
  firstEntry: Number(row.first_entry),
  lastEntry: Number(row.last_entry),
  count: Number(row.count),
  tree: row.tree,
  actionKey: row.action_key,
  createdAtMs: Number(row.created_at_ms),
});

const LOG_COLUMNS = `id, message_id, loan_id, borrower, template, channel, recipient_hash, content_hash, sent_at,
  anchor_id`;

/** The contact tables (migration 6). */
export function createContacts(db: SqlDatabase) {
  const upsertContact = db.prepare(
    `INSERT INTO borrower_contacts (borrower, time_zone, locale, channel, recipient, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (borrower) DO UPDATE SET time_zone = excluded.time_zone, locale = excluded.locale,
       channel = excluded.channel, recipient = excluded.recipient, updated_at_ms = excluded.updated_at_ms`,
  );
  const selectContact = db.prepare("SELECT * FROM borrower_contacts WHERE borrower = ?");
  const insertMessage = db.prepare(
    `INSERT INTO contact_messages (action_id, loan_id, borrower, kind, locale, time_zone, channel, recipient,
       recipient_hash, subject, body, content_hash, state, not_before, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?) ON CONFLICT (action_id) DO NOTHING`,
  );
  const selectMessage = db.prepare("SELECT * FROM contact_messages WHERE id = ?");
  const selectDue = db.prepare(
    "SELECT * FROM contact_messages WHERE state = 'waiting' AND not_before <= ? ORDER BY not_before, id LIMIT ?",
  );
  const selectMessages = db.prepare(
    `SELECT * FROM contact_messages WHERE (CAST(:state AS TEXT) IS NULL OR state = :state) AND (CAST(:loan AS BIGINT) IS NULL OR loan_id = :loan)
     ORDER BY id DESC LIMIT :limit OFFSET :offset`,
  );
  const countMessages = db.prepare(
    `SELECT COUNT(*) AS total FROM contact_messages
     WHERE (CAST(:state AS TEXT) IS NULL OR state = :state) AND (CAST(:loan AS BIGINT) IS NULL OR loan_id = :loan)`,
  );
  const countByState = db.prepare("SELECT state, COUNT(*) AS n FROM contact_messages GROUP BY state");
  const updateWait = db.prepare(
    "UPDATE contact_messages SET not_before = ?, wait_reason = ?, updated_at_ms = ? WHERE id = ? AND state = 'waiting'",
  );
  const updateAttempt = db.prepare(
    "UPDATE contact_messages SET attempts = attempts + 1, in_doubt = 1, updated_at_ms = ? WHERE id = ? AND state = 'waiting'",
  );
  const updateEnd = db.prepare(
    `UPDATE contact_messages SET state = ?, last_error = ?, wait_reason = NULL, in_doubt = 0, updated_at_ms = ?
     WHERE id = ? AND state = 'waiting'`,
  );
  const updateRetry = db.prepare(
    `UPDATE contact_messages SET not_before = ?, wait_reason = 'retry', last_error = ?, in_doubt = 0, updated_at_ms = ?
     WHERE id = ? AND state = 'waiting'`,
  );
  const insertLog = db.prepare(
    `INSERT INTO contact_log (loan_id, borrower, channel, template, content_hash, state, sent_at_ms, created_at_ms,
       message_id, sent_at, recipient_hash)
     VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?, ?)
     RETURNING id`,
  );
  const selectSentTimes = db.prepare(
    "SELECT sent_at FROM contact_log WHERE borrower = ? AND sent_at >= ? AND sent_at IS NOT NULL ORDER BY sent_at",
  );
  const selectUnanchored = db.prepare(
    `SELECT ${LOG_COLUMNS} FROM contact_log WHERE anchor_id IS NULL AND message_id IS NOT NULL ORDER BY id LIMIT ?`,
  );
  const selectLogEntry = db.prepare(`SELECT ${LOG_COLUMNS} FROM contact_log WHERE id = ? AND message_id IS NOT NULL`);
  const selectLogOfLoan = db.prepare(
    `SELECT ${LOG_COLUMNS} FROM contact_log WHERE loan_id = ? AND message_id IS NOT NULL ORDER BY id`,
  );
  const insertAnchor = db.prepare(
    `INSERT INTO contact_anchors (root, first_entry, last_entry, count, tree, action_key, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     RETURNING id`,
  );
  const setAnchor = db.prepare(
    "UPDATE contact_log SET anchor_id = ? WHERE id BETWEEN ? AND ? AND anchor_id IS NULL AND message_id IS NOT NULL",
  );
  const selectAnchor = db.prepare("SELECT * FROM contact_anchors WHERE id = ?");
  const selectAnchors = db.prepare("SELECT * FROM contact_anchors ORDER BY id");
  const selectCertificate = db.prepare(
    `SELECT args FROM events WHERE loan_id = ? AND name = 'DefaultCertified'
     ORDER BY block_number DESC, log_index DESC LIMIT 1`,
  );

  return {
    setBorrowerContact(contact: BorrowerContact, nowMs: number): void {
      upsertContact.run(
        contact.borrower.toLowerCase(),
        contact.timeZone,
        contact.locale,
        contact.channel,
        contact.recipient,
        nowMs,
      );
    },

    getBorrowerContact(borrower: Address): BorrowerContact | undefined {
      const row = selectContact.get(borrower.toLowerCase()) as
        { borrower: Address; time_zone: string; locale: ContactLocale; channel: string; recipient: string } | undefined;
      return (
        row && {
          borrower: row.borrower,
          timeZone: row.time_zone,
          locale: row.locale,
          channel: row.channel,
          recipient: row.recipient,
        }
      );
    },

    /** Stores the message of a contact action once; false when the action already has one. */
    insertContactMessage(message: InsertContactMessageParameters, nowMs: number): boolean {
      return (
        insertMessage.run(
          message.actionId,
          message.loanId,
          message.borrower,
          message.kind,
          message.locale,
          message.timeZone,
          message.channel,
          message.recipient,
          message.recipientHash,
          message.subject,
          message.body,
          message.contentHash,
          message.notBefore,
          nowMs,
          nowMs,
        ).changes === 1
      );
    },

    getContactMessage(id: number): ContactMessage | undefined {
      const row = selectMessage.get(id) as MessageRow | undefined;
      return row && toMessage(row);
    },

    /** Waiting messages whose moment has come by chain time `now`, oldest first. */
    dueContactMessages(now: bigint, limit: number): ContactMessage[] {
      return (selectDue.all(now, limit) as MessageRow[]).map(toMessage);
    },

    listContactMessages(filter: { state?: ContactMessageState; loanId?: bigint; limit: number; offset: number }): {
      messages: ContactMessage[];
      total: number;
    } {
      const where = { state: filter.state ?? null, loan: filter.loanId ?? null };
      const rows = selectMessages.all({ ...where, limit: filter.limit, offset: filter.offset }) as MessageRow[];
      const { total } = countMessages.get(where) as { total: bigint };
      return { messages: rows.map(toMessage), total: Number(total) };
    },

    contactMessageCounts(): Record<ContactMessageState, number> {
      const counts = { waiting: 0, sent: 0, failed: 0, cancelled: 0 };
      for (const row of countByState.all() as { state: ContactMessageState; n: bigint }[]) {
        counts[row.state] = Number(row.n);
      }
      return counts;
    },

    /** The rules hold the message until `notBefore` (chain time), for `reason`. */
    deferContactMessage(id: number, notBefore: bigint, reason: string, nowMs: number): void {
      updateWait.run(notBefore, reason, nowMs, id);
    },

    /** Counted before the channel is called, and in doubt until its outcome is stored: a crash leaves it so. */
    countContactAttempt(id: number, nowMs: number): void {
      updateAttempt.run(nowMs, id);
    },

    /** The channel failed for a reason that passes: try again from `notBefore`. */
    retryContactMessage(id: number, notBefore: bigint, error: string, nowMs: number): void {
      updateRetry.run(notBefore, error, nowMs, id);
    },

    /** The message will not go: `failed` (the channel refused it, or too many attempts) or `cancelled`. */
    endContactMessage(id: number, state: "failed" | "cancelled", error: string, nowMs: number): void {
      updateEnd.run(state, error, nowMs, id);
    },

    /** The message went out at chain time `sentAt`: it is sent, and the contact log has its entry (returned). */
    recordContactSent(message: ContactMessage, sentAt: bigint, nowMs: number): number {
      updateEnd.run("sent", null, nowMs, message.id);
      return Number(
        (
          insertLog.get(
            message.loanId,
            message.borrower.toLowerCase(),
            message.channel,
            message.kind,
            message.contentHash,
            nowMs,
            nowMs,
            message.id,
            sentAt,
            message.recipientHash,
          ) as { id: bigint }
        ).id,
      );
    },

    /** Chain times of the contacts made to `borrower` since `since`. */
    contactTimesOf(borrower: Address, since: bigint): bigint[] {
      return (selectSentTimes.all(borrower.toLowerCase(), since) as { sent_at: bigint }[]).map((row) => row.sent_at);
    },

    /** The oldest contact log entries not in an anchor batch yet. */
    unanchoredContacts(limit: number): ContactLogEntry[] {
      return (selectUnanchored.all(limit) as LogRow[]).map(toLogEntry);
    },

    getContactLogEntry(id: number): ContactLogEntry | undefined {
      const row = selectLogEntry.get(id) as LogRow | undefined;
      return row && toLogEntry(row);
    },

    contactLogOfLoan(loanId: bigint): ContactLogEntry[] {
      return (selectLogOfLoan.all(loanId) as LogRow[]).map(toLogEntry);
    },

    /** Stores a batch and puts its entries (ids `firstEntry`..`lastEntry`) in it; returns the batch id. */
    insertContactAnchor(anchor: Omit<ContactAnchor, "id" | "createdAtMs">, nowMs: number): number {
      const id = Number(
        (
          insertAnchor.get(
            anchor.root,
            anchor.firstEntry,
            anchor.lastEntry,
            anchor.count,
            anchor.tree,
            anchor.actionKey,
            nowMs,
          ) as { id: bigint }
        ).id,
      );
      const placed = setAnchor.run(id, anchor.firstEntry, anchor.lastEntry).changes;
      if (placed !== anchor.count) {
        throw new Error(`Anchor batch ${anchor.root} holds ${anchor.count} entries, ${placed} were free to place`);
      }
      return id;
    },

    getContactAnchor(id: number): ContactAnchor | undefined {
      const row = selectAnchor.get(id) as AnchorRow | undefined;
      return row && toAnchor(row);
    },

    /** The id of the loan's latest execution certificate (`DefaultCertified`), null when none is stored. */
    certificateOf(loanId: bigint): string | null {
      const row = selectCertificate.get(loanId) as { args: string } | undefined;
      return row === undefined ? null : (JSON.parse(row.args) as { certificateId: string }).certificateId;
    },

    contactAnchors(): ContactAnchor[] {
      return (selectAnchors.all() as AnchorRow[]).map(toAnchor);
    },
  };
}

export type Contacts = ReturnType<typeof createContacts>;
