/**
 * The bank webhook's signature, in the manner of Stripe's: the bank sends
 * `Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC is keyed by the source's secret and taken
 * over `${t}.${rawBody}`, the exact bytes received. Several `v1=` entries may be sent while a secret is rotated; one
 * matching is enough. A timestamp more than `WEBHOOK_TOLERANCE_SECONDS` from `now` (either way) is refused, so a
 * captured request cannot be replayed later. Pure: `now` is given, never read.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying the signature. */
export const SIGNATURE_HEADER = "Bank-Signature";
/** How far the signed timestamp may be from the keeper's clock, either way (seconds). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

export type WebhookSignatureErrorCode =
  "missing_signature" | "malformed_signature" | "stale_timestamp" | "bad_signature";

/** Thrown by `verifyWebhook`: `code` says which check failed, the message says how. */
export class WebhookSignatureError extends Error {
  override readonly name = "WebhookSignatureError";
  readonly code: WebhookSignatureErrorCode;

  constructor(code: WebhookSignatureErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface VerifyWebhookParameters {
  /** The `Bank-Signature` header as received (undefined when absent). */
  readonly header: string | undefined;
  /** The request body, byte for byte. */
  readonly body: Uint8Array;
  /** The source's secret. */
  readonly secret: string;
  /** The keeper's clock, unix seconds. */
  readonly now: number;
  readonly toleranceSeconds?: number;
}

const hmacOf = (secret: string, t: number, body: Uint8Array | string): Buffer =>
  createHmac("sha256", secret).update(`${t}.`).update(body).digest();

/**
 * The `Bank-Signature` header value for `body` signed at `t` (unix seconds) with `secret`: what a bank sends.
 *
 * @example
 * signWebhook("a-secret-of-at-least-32-characters!", 1764115200, '{"id":"T1"}');
 * // "t=1764115200,v1=<64 hex digits>"
 */
export function signWebhook(secret: string, t: number, body: Uint8Array | string): string {
  return `t=${t},v1=${hmacOf(secret, t, body).toString("hex")}`;
}

/** The header's timestamp and `v1` signatures; unknown schemes (`v0=`, ...) are ignored, as Stripe does. */
function parseHeader(header: string | undefined): { t: number; signatures: Buffer[] } {
  if (header === undefined || header.trim() === "") {
    throw new WebhookSignatureError("missing_signature", `Missing ${SIGNATURE_HEADER} header`);
  }
  const malformed = (why: string) =>
    new WebhookSignatureError(
      "malformed_signature",
      `Malformed ${SIGNATURE_HEADER} header (${why}): expected "t=<unix seconds>,v1=<hex HMAC-SHA256>"`,
    );
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const equals = part.indexOf("=");
    if (equals < 0) throw malformed(`"${part.trim()}" is not key=value`);
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === "t") {
      if (t !== undefined) throw malformed("t given twice");
      if (!UNIX_SECONDS.test(value)) throw malformed("t is not unix seconds");
      t = Number(value);
    } else if (key === "v1") {
      if (!HEX_SHA256.test(value)) throw malformed("v1 is not 64 lower-case hex digits");
      signatures.push(Buffer.from(value, "hex"));
    }
  }
  if (t === undefined) throw malformed("no t");
  if (signatures.length === 0) throw malformed("no v1");
  return { t, signatures };
}

/**
 * Checks a webhook's signature; returns the signed timestamp, or throws a `WebhookSignatureError`. Comparisons are
 * constant-time (`timingSafeEqual` on equal-length digests).
 *
 * @example
 * const t = verifyWebhook({ header: request.get("Bank-Signature"), body, secret, now: Math.floor(Date.now() / 1000) });
 */
export function verifyWebhook(parameters: VerifyWebhookParameters): number {
  const { header, body, secret, now, toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS } = parameters;
  const { t, signatures } = parseHeader(header);
  if (Math.abs(now - t) > toleranceSeconds) {
    const when = t < now ? `${now - t} s old` : `${t - now} s in the future`;
    throw new WebhookSignatureError(
      "stale_timestamp",
      `Signature timestamp ${t} is ${when}; at most ${toleranceSeconds} s either way is accepted`,
    );
  }
  const expected = hmacOf(secret, t, body);
  // Check every candidate, so the time taken does not tell which one matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  if (!matched) {
    throw new WebhookSignatureError("bad_signature", `No ${SIGNATURE_HEADER} v1 signature matches the body`);
  }
  return t;
}
