/**
 * The way out to a borrower: a `ContactChannel` delivers one rendered, hashed message (an SMS gateway or the lender's
 * messaging service behind a webhook, the print shop's letter room behind a file) and says what happened. The
 * caller (the runtime's outbox) decides when to send (`nextAllowedMoment`), keeps the record, and retries: a channel
 * never retries on its own, and idempotency is by `OutgoingMessage.id`.
 */
import type { Hex } from "viem";
import { contentHashOf } from "../../core/contact/contentHash.ts";
import type { Locale, MessageKind } from "../../core/contact/messageKinds.ts";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** A message ready to go: rendered (`renderMessage`), hashed (`contentHashOf`), addressed. */
export interface OutgoingMessage {
  /** Unique per message and stable across retries, e.g. the action's key: the receiver's idempotency key. */
  readonly id: string;
  readonly kind: MessageKind;
  readonly locale: Locale;
  readonly loanId: bigint;
  /** The contact handle (phone, e-mail, postal address). Personal data: off chain only, never logged. */
  readonly recipient: string;
  /**
   * `recipientHashOf(recipient, salt)`: what the record and the chain hold instead of `recipient`. When given, the
   * channel checks `contentHash` against the text before sending (pass it: without it the check is skipped).
   */
  readonly recipientHash?: Hex;
  readonly subject: string;
  readonly body: string;
  /** `contentHashOf(...)` of this message: checked before sending. */
  readonly contentHash: Hex;
}

/** What a delivery attempt came to. */
export type DeliveryResult =
  | { readonly kind: "delivered"; readonly receipt?: string }
  /** Worth trying again later (time-out, network, 408, 429, 5xx, disk): `retryAfterSeconds` if the receiver said. */
  | { readonly kind: "retry"; readonly error: string; readonly retryAfterSeconds?: number }
  /** Will never work as sent (4xx, a message whose hash does not match its text): needs a person. */
  | { readonly kind: "rejected"; readonly error: string };

export interface ContactChannel {
  /** For logs and records: "webhook", "letters", ... */
  readonly name: string;
  deliver(message: OutgoingMessage): Promise<DeliveryResult>;
}

/** The JSON form of an `OutgoingMessage` that channels send or write: `loanId` as a decimal string. */
export interface OutgoingMessageJson {
  readonly id: string;
  readonly kind: MessageKind;
  readonly locale: Locale;
  readonly loanId: string;
  readonly recipient: string;
  readonly recipientHash?: Hex;
  readonly subject: string;
  readonly body: string;
  readonly contentHash: Hex;
}

/**
 * The message as JSON-ready data, after checking that it has an id and a recipient, and (given its recipient hash)
 * that its content hash is its text's: a channel never sends words other than those on record. Throws a
 * `TypeError` otherwise.
 *
 * @example
 * const json = JSON.stringify(toMessageJson(message));
 */
export function toMessageJson(message: OutgoingMessage): OutgoingMessageJson {
  if (typeof message.id !== "string" || message.id.trim() === "") throw new TypeError("Message has no id");
  if (typeof message.recipient !== "string" || message.recipient.trim() === "") {
    throw new TypeError(`Message ${message.id} has no recipient`);
  }
  if (typeof message.contentHash !== "string" || !BYTES32.test(message.contentHash)) {
    throw new TypeError(`Message ${message.id}: contentHash is not 32 bytes of hex`);
  }
  if (message.recipientHash !== undefined) {
    const expected = contentHashOf({ ...message, recipientHash: message.recipientHash });
    if (message.contentHash.toLowerCase() !== expected) {
      throw new TypeError(
        `Message ${message.id}: contentHash ${message.contentHash} is not its text's hash ${expected}`,
      );
    }
  }
  const json: OutgoingMessageJson = {
    id: message.id,
    kind: message.kind,
    locale: message.locale,
    loanId: message.loanId.toString(),
    recipient: message.recipient,
    subject: message.subject,
    body: message.body,
    contentHash: message.contentHash,
  };
  return message.recipientHash === undefined ? json : { ...json, recipientHash: message.recipientHash };
}

/**
 * `error`'s name and message (and its cause's), for a `DeliveryResult`.
 *
 * @example
 * describeError(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }));
 * // "TypeError: fetch failed: connect ECONNREFUSED"
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
