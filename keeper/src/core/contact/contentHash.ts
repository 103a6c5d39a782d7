/**
 * The hashes that put a contact on record without putting any personal data on chain.
 *
 * `recipientHashOf(handle, salt)` = keccak256(abi.encode(string "loan-contact/recipient/v1", bytes32 salt,
 * string normalized handle)). The handle (a wallet address, phone number, e-mail or postal address) is normalized
 * first: trimmed, Unicode NFC, lower-cased (so a checksummed and a lower-case address, or "Li@Example.com" and
 * "li@example.com", give one hash). A phone number has few enough possible values that anyone could hash them all:
 * pass a secret `salt` the lender keeps off chain so that the hash tells nothing without it (zero: none).
 *
 * `contentHashOf(message)` = keccak256(abi.encode(string "loan-contact/content/v1", string kind, string locale,
 * uint256 loanId, bytes32 recipientHash, string subject, string body)): Solidity's `abi.encode` of the fields in that
 * fixed order, so the hash does not depend on how the object was built (key order) and can be recomputed on chain.
 * Subject and body are hashed as sent, byte for byte (UTF-8), not normalized: the record proves the exact text.
 */
import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { LOCALES, MESSAGE_KINDS, type Locale, type MessageKind } from "./messageKinds.ts";

export const RECIPIENT_HASH_DOMAIN = "loan-contact/recipient/v1";
export const CONTENT_HASH_DOMAIN = "loan-contact/content/v1";
export const ZERO_SALT: Hex = `0x${"00".repeat(32)}`;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_UINT256 = 2n ** 256n - 1n;

/** The facts of a message that its content hash covers. */
export interface HashedContent {
  readonly kind: MessageKind;
  readonly locale: Locale;
  readonly loanId: bigint;
  /** `recipientHashOf(...)` of the address or handle it was sent to. */
  readonly recipientHash: Hex;
  readonly subject: string;
  readonly body: string;
}

function checkBytes32(name: string, value: string): void {
  if (typeof value !== "string" || !BYTES32.test(value))
    throw new TypeError(`${name} is not 32 bytes of hex (0x + 64)`);
}

/**
 * The hash standing for a borrower's address or contact handle on chain and in logs.
 *
 * @example
 * recipientHashOf("0xAbC0000000000000000000000000000000000001"); // same as for "0xabc0…0001"
 * recipientHashOf("+86 138 0000 0000", lenderSalt); // a phone number: always with a secret salt
 */
export function recipientHashOf(handle: string, salt: Hex = ZERO_SALT): Hex {
  const normalized = typeof handle === "string" ? handle.trim().normalize("NFC").toLowerCase() : "";
  if (normalized === "") throw new TypeError("recipientHashOf needs a non-empty address or contact handle");
  checkBytes32("salt", salt);
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "bytes32" }, { type: "string" }],
      [RECIPIENT_HASH_DOMAIN, salt, normalized],
    ),
  );
}

/**
 * The content hash recorded for a message: the same fields give the same hash, whatever else the object holds.
 *
 * @example
 * const contentHash = contentHashOf({ kind: "remindLate1", locale: "zh", loanId: 7n, recipientHash, subject, body });
 */
export function contentHashOf(message: HashedContent): Hex {
  const { kind, locale, loanId, recipientHash, subject, body } = message;
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) throw new TypeError(`Unknown message kind "${kind}"`);
  if (!(LOCALES as readonly string[]).includes(locale)) throw new TypeError(`Unknown locale "${locale}"`);
  if (typeof loanId !== "bigint" || loanId < 0n || loanId > MAX_UINT256) {
    throw new TypeError(`loanId ${String(loanId)} is not a uint256 bigint`);
  }
  checkBytes32("recipientHash", recipientHash);
  if (typeof subject !== "string" || typeof body !== "string") throw new TypeError("subject and body must be strings");
  return keccak256(
    encodeAbiParameters(
      [
        { type: "string" },
        { type: "string" },
        { type: "string" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "string" },
        { type: "string" },
      ],
      [CONTENT_HASH_DOMAIN, kind, locale, loanId, recipientHash, subject, body],
    ),
  );
}
