/**
 * What the keeper's contact desk did in a run, read back for the summary and the end-to-end checks: its messages
 * (`contact_messages`), its contact log with each entry's batch (`contact_log`, `contact_anchors` and the batch's
 * `anchorContactLog` action), and the letters file its letters channel wrote. A SQLite database is opened read-only.
 */
import { existsSync, readFileSync } from "node:fs";
import { openSqlDatabase } from "../../keeper/src/adapters/store/openSqlDatabase.ts";
import type { Hash } from "viem";
import type { ContactMessageState } from "../../keeper/src/adapters/store/contacts.ts";

export interface ContactMessageFact {
  readonly id: number;
  readonly loanId: bigint;
  readonly kind: string;
  readonly locale: string;
  readonly timeZone: string;
  readonly state: ContactMessageState;
  /** Why it waits (`quiet_hours`, `daily_limit`, `objection_open`, `retry`); cleared once it is sent or ended. */
  readonly waitReason: string | null;
  /** Chain time from which it may go: its creation's, or the end of its last wait. */
  readonly notBefore: bigint;
  /** An attempt's outcome is unknown (the keeper stopped mid-delivery): it may have gone out, and will go again. */
  readonly inDoubt: boolean;
}

export interface ContactLogFact {
  readonly id: number;
  readonly messageId: number;
  readonly loanId: bigint;
  /** Chain time it went out. */
  readonly sentAt: bigint;
  readonly anchorId: number | null;
  /** The borrower's zone the message was written for. */
  readonly timeZone: string;
}

export interface ContactAnchorFact {
  readonly id: number;
  readonly root: Hash;
  readonly firstEntry: number;
  readonly lastEntry: number;
  readonly count: number;
  readonly actionKey: string;
  /** The anchoring action's state (`done` once mined); null when the action is missing. */
  readonly actionState: string | null;
  readonly doneBlock: bigint | null;
}

export interface LetterFact {
  /** `contact-<message id>`. */
  readonly id: string;
  readonly locale: string;
}

export interface ContactFacts {
  readonly messages: readonly ContactMessageFact[];
  readonly log: readonly ContactLogFact[];
  readonly anchors: readonly ContactAnchorFact[];
  /** The letters file's lines in order (a repeated delivery after a crash appears twice). */
  readonly letters: readonly LetterFact[];
  /** Lines that did not parse (a write torn by a crash). */
  readonly tornLetters: number;
}

/**
 * @example
 * const facts = readContacts({ dbPath, lettersPath: lettersPathOf(dbPath) });
 */
export function readContacts({ dbPath, lettersPath }: { dbPath: string; lettersPath: string }): ContactFacts {
  const { db, close } = openSqlDatabase(dbPath);
  let messages: ContactMessageFact[];
  let log: ContactLogFact[];
  let anchors: ContactAnchorFact[];
  try {
    messages = (
      db
        .prepare(
          `SELECT id, loan_id, kind, locale, time_zone, state, wait_reason, not_before, in_doubt
           FROM contact_messages ORDER BY id`,
        )
        .all() as {
        id: bigint;
        loan_id: bigint;
        kind: string;
        locale: string;
        time_zone: string;
        state: ContactMessageState;
        wait_reason: string | null;
        not_before: bigint;
        in_doubt: bigint;
      }[]
    ).map((row) => ({
      id: Number(row.id),
      loanId: row.loan_id,
      kind: row.kind,
      locale: row.locale,
      timeZone: row.time_zone,
      state: row.state,
      waitReason: row.wait_reason,
      notBefore: row.not_before,
      inDoubt: row.in_doubt === 1n,
    }));
    log = (
      db
        .prepare(
          `SELECT l.id, l.message_id, l.loan_id, l.sent_at, l.anchor_id, m.time_zone FROM contact_log l
           JOIN contact_messages m ON m.id = l.message_id WHERE l.message_id IS NOT NULL ORDER BY l.id`,
        )
        .all() as {
        id: bigint;
        message_id: bigint;
        loan_id: bigint;
        sent_at: bigint;
        anchor_id: bigint | null;
        time_zone: string;
      }[]
    ).map((row) => ({
      id: Number(row.id),
      messageId: Number(row.message_id),
      loanId: row.loan_id,
      sentAt: row.sent_at,
      anchorId: row.anchor_id === null ? null : Number(row.anchor_id),
      timeZone: row.time_zone,
    }));
    anchors = (
      db
        .prepare(
          `SELECT c.id, c.root, c.first_entry, c.last_entry, c.count, c.action_key, a.state, a.done_block
           FROM contact_anchors c LEFT JOIN actions a ON a.key = c.action_key ORDER BY c.id`,
        )
        .all() as {
        id: bigint;
        root: Hash;
        first_entry: bigint;
        last_entry: bigint;
        count: bigint;
        action_key: string;
        state: string | null;
        done_block: bigint | null;
      }[]
    ).map((row) => ({
      id: Number(row.id),
      root: row.root,
      firstEntry: Number(row.first_entry),
      lastEntry: Number(row.last_entry),
      count: Number(row.count),
      actionKey: row.action_key,
      actionState: row.state,
      doneBlock: row.done_block,
    }));
  } finally {
    close();
  }

  const letters: LetterFact[] = [];
  let tornLetters = 0;
  const text = existsSync(lettersPath) ? readFileSync(lettersPath, "utf8") : "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const letter = JSON.parse(line) as { id?: unknown; locale?: unknown };
      if (typeof letter.id !== "string") throw new Error("no id");
      letters.push({ id: letter.id, locale: String(letter.locale) });
    } catch {
      tornLetters++;
    }
  }
  return { messages, log, anchors, letters, tornLetters };
}

/** The message id a letter carries (`contact-17` → 17). */
export const messageIdOfLetter = (letter: LetterFact): number => Number(letter.id.replace(/^contact-/, ""));
