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

/** Named bearer tokens (operators'), kept as their hashes: `operatorOf` matches a presented token against them. */
export type HashedTokens = readonly { readonly name: string; readonly hash: string }[];

/**
 * @example
 * const operators = hashTokens(config.operatorTokens);
 */
export const hashTokens = (tokens: Readonly<Record<string, string>>): HashedTokens =>
  Object.entries(tokens).map(([name, token]) => ({ name, hash: hashSecret(token) }));

/**
 * The name whose token hashes to `presented` (a `hashSecret`), or null. Every token is compared, in constant time,
 * so the answer's timing tells nothing about which one came close.
 *
 * @example
 * const operator = operatorOf(operators, hashSecret(bearer)); // "alice" or null
 */
export function operatorOf(tokens: HashedTokens, presented: string): string | null {
  let found: string | null = null;
  for (const { name, hash } of tokens) if (sameHash(hash, presented) && found === null) found = name;
  return found;
}

/** Whether two hex SHA-256 hashes are equal, in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}
