/**
 * The identity commitment of the shared default registry (`DefaultRegistry.enroll`, `openDefaults`): a keyed hash,
 * HMAC-SHA256 under the consortium's key of the borrower's normalised identity document number. Nothing personal
 * goes on chain, and only members holding the key can recompute a commitment from a document (an unkeyed hash of a
 * national id number is reversed by trying every number).
 *
 * Normalisation, so that the same document written two ways commits to the same value: surrounding whitespace
 * trimmed, upper case, every space and dash (ASCII `-`) removed. `" 1101-0119 9001 01123x "` and `"11010119900101123X"`
 * give one commitment.
 */
import { createHmac } from "node:crypto";
import type { Hex } from "viem";

/** The identity document as it is hashed: trimmed, upper case, without spaces or dashes. */
export function normaliseIdentityDocument(document: string): string {
  return document.trim().toUpperCase().replace(/[\s-]/g, "");
}

/**
 * The bytes32 commitment of `document` under the consortium key `key`.
 *
 * @example
 * const identity = identityCommitment(consortiumKey, "11010119900101123X"); // 0x… (32 bytes)
 */
export function identityCommitment(key: Uint8Array, document: string): Hex {
  if (key.length < 16) throw new RangeError("The consortium key must be at least 16 bytes");
  const normalised = normaliseIdentityDocument(document);
  if (normalised === "") throw new RangeError("The identity document is empty");
  return `0x${createHmac("sha256", key).update(normalised, "utf8").digest("hex")}`;
}
