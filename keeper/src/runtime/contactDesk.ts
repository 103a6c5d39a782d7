/**
 * The contact desk: turns the keeper's contact actions (reminders and notices) into messages, delivers each when the
 * rules allow, logs every contact with the hash of its content, and anchors the log on chain in Merkle batches.
 *
 * - `queue` runs inside the executor's SQLite transaction that marks the action done: the message is rendered once
 *   (in the borrower's language and zone) and its content hash fixed, so the action and its message commit together.
 * - `deliver` sends the messages whose moment has come, by chain time or the wall clock, whichever is later (on a
 *   live chain the wall clock, a little ahead of the processed block; in the demo the simulated day). The rules (`core/contact/contactWindow.ts`): none between
 *   22:00 and 08:00 in the borrower's IANA zone, at most `dailyLimit` a local day, none while an objection is open;
 *   a message that would break one waits for the next allowed moment. A message whose reason is gone (the loan paid
 *   off, the installment paid, the default annulled) is cancelled, not sent.
 *   Delivery is at least once: the attempt is counted before the channel is called, and a crash before the result
 *   is stored sends it again with the same message id (`Idempotency-Key`), which the channel's receiver dedupes.
 *   Such a message is in doubt: it is never cancelled (it may have gone out), only sent again under the rules and
 *   recorded, so that every contact that may have happened is in the log.
 * - `anchor` closes a batch of the contact log (`anchorBatchSize` entries, or fewer once the oldest waited
 *   `anchorMaxAgeSeconds`) into a Merkle tree, stores the tree for proofs and plans an `anchorContactLog` action,
 *   which the executor sends to the EvidenceAnchor like any other on-chain action (write-ahead, exactly once).
 */
import { keccak256, stringToHex, type Address, type Hash, type Hex } from "viem";
import type { Logger } from "pino";
import { buildContactTree, type ContactEntry } from "../core/contactMerkle.ts";
import { nextAllowedMoment } from "../core/contact/contactWindow.ts";
import { contentHashOf, recipientHashOf } from "../core/contact/contentHash.ts";
import { renderMessage, type MessageKind } from "../core/contact/templates.ts";
import { decodeLoanFacts, type LoanFacts } from "../core/loanFacts.ts";
import { FLAG_DEFAULTED, FLAGS_PAID_OFF } from "../core/decisions.ts";
import {
  describeError,
  type ContactChannel,
  type DeliveryResult,
  type OutgoingMessage,
} from "../adapters/notify/channel.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { ContactLocale, ContactLogEntry, ContactMessage } from "../adapters/store/contacts.ts";
import type { ActionRecord } from "../adapters/store/types.ts";
import { ANCHOR_KIND } from "./executor.ts";

export interface ContactPolicy {
  /** Local time of day the quiet hours start and end, `HH:MM`. */
  readonly quietHours: { readonly start: string; readonly end: string };
  /** At most this many contacts per borrower per local day. */
  readonly dailyLimit: number;
  /** For a borrower the lender gave no contact details for. */
  readonly defaultTimeZone: string;
  readonly defaultLocale: ContactLocale;
  readonly defaultChannel: string;
  /** How amounts are written: the token's decimals and the currency's name. */
  readonly decimals: number;
  readonly currency: string;
  readonly lenderName: string;
  /** How to pay and how to reach the lender, by language (each message states both). */
  readonly paymentInstructions: Readonly<Record<ContactLocale, string>>;
  readonly contactInstructions: Readonly<Record<ContactLocale, string>>;
  /** Entries per anchored batch, and how long (chain seconds) the oldest entry waits for a full batch. */
  readonly anchorBatchSize: number;
  readonly anchorMaxAgeSeconds: bigint;
  /**
   * The lender's secret salt for recipient hashes (32 bytes; default zero): a phone number or an e-mail hashed
   * without one can be found again by trying them all.
   */
  readonly recipientSalt?: Hex;
}

export interface CreateContactDeskParameters {
  readonly store: Store;
  /** The channels by name; a message names one. */
  readonly channels: ReadonlyMap<string, ContactChannel>;
  readonly policy: ContactPolicy;
  readonly logger: Logger;
  /** Wall clock, unix ms: row bookkeeping only, never a rule. */
  readonly clock: () => number;
}

/** Messages delivered per pass at most (a pass must stay short). */
const DELIVERIES_PER_PASS = 200;
/** Retries back off from a minute to an hour (chain seconds); a message is given up after this many attempts. */
const RETRY_BASE_SECONDS = 60n;
const RETRY_MAX_SECONDS = 3_600n;
export const MAX_CONTACT_ATTEMPTS = 8;
/** Earlier contacts read for the daily limit: two days covers any local day. */
const LIMIT_LOOKBACK_SECONDS = 2n * 86_400n;
/** A notice gives the borrower this long to pay or object (seconds). */
export const NOTICE_RESPOND_SECONDS = 15n * 86_400n;

/** The contact kinds of the decision core. */
const REMINDERS = new Set(["remindBeforeDue", "remindDueToday", "remindLate1", "remindLate7"]);
/** The notices of a default: obsolete once the default is annulled. */
const DEFAULT_NOTICES = new Set(["defaultNotice", "debtCollectionLetter", "litigationRiskNotice"]);
/** Every notice (a deadline to answer): those of a default, and the margin call before one. */
const NOTICES = new Set([...DEFAULT_NOTICES, "marginCallNotice"]);
export const isContactKind = (kind: string): boolean => REMINDERS.has(kind) || NOTICES.has(kind);

/** The hash a leaf holds for a channel's name. */
export const channelHashOf = (channel: string): Hash => keccak256(stringToHex(channel));

/**
 * A contact log entry as its Merkle leaf holds it (`core/contactMerkle.ts`).
 *
 * @example
 * buildContactTree(store.contacts.unanchoredContacts(64).map(contactEntryOfLog));
 */
export function contactEntryOfLog(entry: ContactLogEntry): ContactEntry {
  return {
    entryId: BigInt(entry.id),
    loanId: entry.loanId,
    recipientHash: entry.recipientHash,
    contentHash: entry.contentHash,
    sentAt: Number(entry.sentAt),
    channelHash: channelHashOf(entry.channel),
  };
}

/** A channel's answer; a channel that throws (it should not) refuses the message rather than stop the pass. */
async function deliverSafely(channel: ContactChannel, message: OutgoingMessage): Promise<DeliveryResult> {
  try {
    return await channel.deliver(message);
  } catch (error) {
    return { kind: "rejected", error: describeError(error) };
  }
}

export function createContactDesk(parameters: CreateContactDeskParameters) {
  const { store, channels, policy, logger, clock } = parameters;

  /** What the message says: the installment due for a reminder; the debt left, due since the default, for a notice. */
  function amountAndDueOf(
    action: ActionRecord,
    balance: bigint,
    defaultedAt: bigint | null,
  ): { amountDue: bigint; dueTime: bigint } {
    // A margin call states the debt the watch measured the loan-to-value with (its payoff), as of when it was read.
    if (action.kind === "marginCallNotice" && action.payload.debt !== undefined) {
      return { amountDue: BigInt(action.payload.debt as string), dueTime: action.validFrom ?? 0n };
    }
    if (!REMINDERS.has(action.kind)) return { amountDue: balance, dueTime: defaultedAt ?? action.validFrom ?? 0n };
    const installment = store.getInstallments(action.loanId).find((entry) => entry.number === action.installment);
    const dueTime = BigInt((action.payload.dueTime as string | undefined) ?? installment?.dueTime ?? 0n);
    const owed = installment === undefined ? 0n : installment.principal + installment.interest - installment.paid;
    return { amountDue: owed > 0n ? owed : 0n, dueTime };
  }

  /** The chain's facts about the message's loan, as the store has them (null: not read yet). */
  function factsOf(loanId: bigint): LoanFacts | null {
    const loan = store.getLoan(loanId);
    return loan === undefined || loan.facts === null ? null : decodeLoanFacts(loan.facts);
  }

  /** Why a waiting message should not go any more (null: it still should). */
  function obsolete(message: ContactMessage, action: ActionRecord | undefined, facts: LoanFacts | null): string | null {
    if (facts === null) return null;
    if ((facts.flags & FLAGS_PAID_OFF) !== 0) return "the loan is paid off";
    if (REMINDERS.has(message.kind) && action !== undefined && facts.paidInstallments >= action.installment) {
      return `installment ${action.installment} is paid`;
    }
    if (DEFAULT_NOTICES.has(message.kind) && (facts.flags & FLAG_DEFAULTED) === 0) return "the default was annulled";
    // A margin call asks for a top-up to avoid a default: once the loan is in default, the default notice speaks.
    if (message.kind === "marginCallNotice" && (facts.flags & FLAG_DEFAULTED) !== 0) return "the loan is in default";
    return null;
  }

  async function deliverOne(message: ContactMessage, now: bigint): Promise<"sent" | "waiting" | "ended"> {
    const nowMs = clock();
    const action = store.getAction(message.actionId);
    const facts = factsOf(message.loanId);
    // A message in doubt may have gone out before the keeper stopped: it is sent again (same id, which the
    // receiver dedupes) so that it is on record, never cancelled unrecorded.
    const reason = message.inDoubt ? null : obsolete(message, action, facts);
    if (reason !== null) {
      store.contacts.endContactMessage(message.id, "cancelled", reason, nowMs);
      logger.info({ loanId: message.loanId, message: message.id, kind: message.kind, reason }, "contact cancelled");
      return "ended";
    }
    // An objection is open until its deadline (0: none filed, or decided).
    const objectionUntil = facts !== null && facts.objectionDeadline >= now ? facts.objectionDeadline : null;
    const decision = nextAllowedMoment({
      at: now,
      timeZone: message.timeZone,
      quietHours: policy.quietHours,
      dailyLimit: policy.dailyLimit,
      contactsAt: store.contacts.contactTimesOf(message.borrower, now - LIMIT_LOOKBACK_SECONDS),
      objectionOpen: objectionUntil !== null,
    });
    if (decision.kind !== "now") {
      // An objection ends at its deadline at the latest (a decision ends it sooner: look again within the hour).
      const until =
        decision.kind === "wait"
          ? decision.until
          : objectionUntil! + 1n < now + RETRY_MAX_SECONDS
            ? objectionUntil! + 1n
            : now + RETRY_MAX_SECONDS;
      store.contacts.deferContactMessage(message.id, until, decision.reason, nowMs);
      logger.debug({ loanId: message.loanId, message: message.id, until, reason: decision.reason }, "contact waits");
      return "waiting";
    }
    const channel = channels.get(message.channel);
    if (channel === undefined) {
      store.contacts.endContactMessage(
        message.id,
        "failed",
        `no channel named ${message.channel} is configured`,
        nowMs,
      );
      logger.error({ loanId: message.loanId, message: message.id, channel: message.channel }, "contact: no channel");
      return "ended";
    }
    store.contacts.countContactAttempt(message.id, nowMs);
    const result = await deliverSafely(channel, {
      id: `contact-${message.id}`,
      loanId: message.loanId,
      kind: message.kind as MessageKind,
      locale: message.locale,
      recipient: message.recipient,
      recipientHash: message.recipientHash,
      subject: message.subject,
      body: message.body,
      contentHash: message.contentHash,
    });
    const doneMs = clock();
    if (result.kind === "delivered") {
      const entry = store.transaction(() => store.contacts.recordContactSent(message, now, doneMs));
      logger.info(
        { loanId: message.loanId, message: message.id, kind: message.kind, entry, channel: message.channel },
        "contact sent",
      );
      return "sent";
    }
    const attempts = message.attempts + 1;
    if (result.kind === "rejected" || attempts >= MAX_CONTACT_ATTEMPTS) {
      store.contacts.endContactMessage(message.id, "failed", result.error, doneMs);
      logger.error({ loanId: message.loanId, message: message.id, err: result.error }, "contact failed");
      return "ended";
    }
    let backoff = RETRY_BASE_SECONDS << BigInt(attempts - 1);
    if (result.retryAfterSeconds !== undefined) backoff = BigInt(Math.ceil(result.retryAfterSeconds));
    if (backoff > RETRY_MAX_SECONDS) backoff = RETRY_MAX_SECONDS;
    store.contacts.retryContactMessage(message.id, now + backoff, result.error, doneMs);
    logger.warn({ loanId: message.loanId, message: message.id, err: result.error, attempts }, "contact: retry");
    return "waiting";
  }

  /** Renders the message of a contact action and stores it, waiting from `now`; throws when it cannot be written. */
  function queueMessage(action: ActionRecord, now: bigint): string {
    const loan = store.getLoan(action.loanId);
    if (loan === undefined) return "noLoan";
    const borrower = loan.borrower;
    const contact = store.contacts.getBorrowerContact(borrower);
    const timeZone = contact?.timeZone ?? policy.defaultTimeZone;
    const locale = contact?.locale ?? policy.defaultLocale;
    const channel = contact?.channel ?? policy.defaultChannel;
    const recipient = contact?.recipient ?? borrower;
    const balance = loan.facts === null ? 0n : decodeLoanFacts(loan.facts).balance;
    const { amountDue, dueTime } = amountAndDueOf(action, balance, loan.defaultedAt);
    const kind = action.kind as MessageKind;
    const { subject, body } = renderMessage({
      kind,
      locale,
      loanId: action.loanId,
      amountDue,
      decimals: policy.decimals,
      currency: policy.currency,
      dueTime,
      timeZone,
      lenderName: policy.lenderName,
      paymentInstructions: policy.paymentInstructions[locale],
      contactInstructions: policy.contactInstructions[locale],
      respondBy: NOTICES.has(kind) ? now + NOTICE_RESPOND_SECONDS : undefined,
      certificateRef: kind === "litigationRiskNotice" ? (store.contacts.certificateOf(action.loanId) ?? "") : undefined,
    });
    const recipientHash = recipientHashOf(recipient, policy.recipientSalt);
    const contentHash = contentHashOf({
      kind,
      locale,
      loanId: action.loanId,
      recipientHash,
      subject,
      body,
    });
    store.contacts.insertContactMessage(
      {
        actionId: action.id,
        loanId: action.loanId,
        borrower: borrower.toLowerCase() as Address,
        kind: action.kind,
        locale,
        timeZone,
        channel,
        recipient,
        recipientHash,
        subject,
        body,
        contentHash,
        notBefore: now,
      },
      clock(),
    );
    return "queued";
  }

  return {
    /**
     * Renders the message of contact action `action` and stores it, waiting from `now` (chain time); returns the
     * action's outcome. Synchronous: the executor calls it inside the transaction that marks the action done.
     */
    queue(action: ActionRecord, now: bigint): string {
      try {
        return queueMessage(action, now);
      } catch (error) {
        // A message that cannot be written (a template's fact missing) must not stop the keeper's pass.
        const err = error instanceof Error ? error.message : String(error);
        logger.error({ loanId: action.loanId, key: action.key, err }, "contact message not written");
        return "messageFailed";
      }
    },

    /**
     * Delivers the messages due; returns how many were sent. The rules are judged at the later of chain time `now`
     * (the processed block's) and the wall clock: on a live chain the processed block trails the head by the
     * confirmation depth, and a letter must not go at 22:00:20 because the block it read was sealed at 21:59:56.
     */
    async deliver(now: bigint): Promise<number> {
      const wall = BigInt(Math.floor(clock() / 1000));
      const at = wall > now ? wall : now;
      let sent = 0;
      for (const message of store.contacts.dueContactMessages(at, DELIVERIES_PER_PASS)) {
        if ((await deliverOne(message, at)) === "sent") sent++;
      }
      return sent;
    },

    /**
     * Closes a batch of the contact log when it is full or its oldest entry waited long enough, and plans its
     * anchoring; returns the batch's root (null: none closed).
     */
    anchor(now: bigint): Hash | null {
      const entries = store.contacts.unanchoredContacts(policy.anchorBatchSize);
      if (entries.length === 0) return null;
      if (entries.length < policy.anchorBatchSize && now - entries[0].sentAt < policy.anchorMaxAgeSeconds) return null;
      const tree = buildContactTree(entries.map(contactEntryOfLog));
      const first = entries[0].id;
      const last = entries[entries.length - 1].id;
      const actionKey = `0:${ANCHOR_KIND}:${tree.root}`;
      store.transaction(() => {
        store.contacts.insertContactAnchor(
          {
            root: tree.root,
            firstEntry: first,
            lastEntry: last,
            count: entries.length,
            tree: JSON.stringify(tree.dump()),
            actionKey,
          },
          clock(),
        );
        store.planActions([
          {
            key: actionKey,
            loanId: 0n,
            kind: ANCHOR_KIND,
            installment: 0,
            validFrom: now,
            payload: { root: tree.root, firstEntry: first, lastEntry: last, count: entries.length },
          },
        ]);
      });
      logger.info({ root: tree.root, first, last, count: entries.length }, "contact log batch closed");
      return tree.root;
    },
  };
}

export type ContactDesk = ReturnType<typeof createContactDesk>;
