/**
 * The random secrets of web sign-in (session ids, lenders' API keys) and their stored form: the SHA-256 hash, hex.
 * A secret is compared only through its hash, with `timingSafeEqual`, so neither its value nor its length leaks
 * through the answer's timing.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Bytes of randomness in a session id and in an API key. */
export const SECRET_BYTES = 32;
/** What every lender API key starts with, so that a leaked one is recognised (and told from an operator token). */
export const API_KEY_PREFIX = "lk_";

/** SHA-256 of `secret` (UTF-8), hex. */
export const hashSecret = (secret: string): string => createHash("sha256").update(secret, "utf8").digest("hex");

/** 32 random bytes, base64url (43 characters). */
export const newSessionId = (): string => randomBytes(SECRET_BYTES).toString("base64url");

/**
 * A new lender API key: `lk_` and 32 random bytes, base64url.
 *
 * @example
 * const key = newApiKey(); // "lk_Vd3k...": shown once, only hashSecret(key) is stored
 */
export const newApiKey = (): string => `${API_KEY_PREFIX}${randomBytes(SECRET_BYTES).toString("base64url")}`;

/** Whether two hex SHA-256 hashes are equal, in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}
