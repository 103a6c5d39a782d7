/**
 * A channel that POSTs each message as JSON to the lender's messaging service (an SMS or e-mail gateway), signed as
 * the bank webhook is (keeper/src/core/webhookSignature.ts): `Contact-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of
 * "t.body">`, keyed by the shared secret, so the receiver can check that the keeper sent it, unchanged and lately.
 * `Idempotency-Key` is the message id: the receiver sends a message once however often it is posted.
 *
 * Outcomes: 2xx delivered (the receipt is the response's JSON `receipt` or `id`, if any); 408, 429, 5xx, a network
 * error or the time-out: retry (with `Retry-After` seconds if given); any other status, a redirect included: rejected.
 */
import { MIN_WEBHOOK_SECRET_LENGTH } from "../../config.ts";
import { signWebhook } from "../../core/webhookSignature.ts";
import {
  describeError,
  toMessageJson,
  type ContactChannel,
  type DeliveryResult,
  type OutgoingMessage,
} from "./channel.ts";

export const CONTACT_SIGNATURE_HEADER = "Contact-Signature";
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
/** Of an error response, this many characters go into the result. */
const ERROR_SNIPPET_LENGTH = 200;
const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429]);

export interface CreateWebhookChannelParameters {
  /** The receiver: http(s). */
  readonly url: string;
  /** The shared secret, at least `MIN_WEBHOOK_SECRET_LENGTH` characters. */
  readonly secret: string;
  /** Give up on an attempt after this long (ms): a retry. */
  readonly timeoutMs: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Wall clock, unix ms (default `Date.now`): the signature's timestamp. */
  readonly clock?: () => number;
  /** Default "webhook". */
  readonly name?: string;
}

function checkParameters(parameters: CreateWebhookChannelParameters): void {
  let url: URL;
  try {
    url = new URL(parameters.url);
  } catch {
    throw new TypeError(`Webhook channel url "${parameters.url}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`Webhook channel url must be http(s), not ${url.protocol}`);
  }
  if (typeof parameters.secret !== "string" || parameters.secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw new TypeError(`Webhook channel secret must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
  }
  if (!Number.isSafeInteger(parameters.timeoutMs) || parameters.timeoutMs <= 0) {
    throw new TypeError(`Webhook channel timeoutMs ${parameters.timeoutMs} is not a positive whole number`);
  }
}

/** `Retry-After` as seconds, when it is a number of seconds (an HTTP date is ignored). */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  return value !== null && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** The receiver's id for the message, from a JSON body `{ receipt }` or `{ id }`. */
function receiptOf(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) {
      for (const key of ["receipt", "id"]) {
        const value = (parsed as Record<string, unknown>)[key];
        if (typeof value === "string" && value !== "") return value;
        if (typeof value === "number") return String(value);
      }
    }
  } catch {
    // Not JSON: no receipt.
  }
  return undefined;
}

async function resultOf(response: Response): Promise<DeliveryResult> {
  const text = await response.text().catch(() => "");
  const { status } = response;
  if (status >= 200 && status < 300) {
    const receipt = receiptOf(text);
    return receipt === undefined ? { kind: "delivered" } : { kind: "delivered", receipt };
  }
  const error = `HTTP ${status}${text === "" ? "" : `: ${text.slice(0, ERROR_SNIPPET_LENGTH)}`}`;
  if (RETRY_STATUSES.has(status) || status >= 500) {
    const retryAfterSeconds = retryAfterOf(response);
    return retryAfterSeconds === undefined ? { kind: "retry", error } : { kind: "retry", error, retryAfterSeconds };
  }
  return { kind: "rejected", error };
}

/**
 * A `ContactChannel` posting signed JSON to `url`.
 *
 * @example
 * const sms = createWebhookChannel({ url: config.smsGatewayUrl, secret: config.smsGatewaySecret, timeoutMs: 10_000 });
 * const result = await sms.deliver(message); // { kind: "delivered", receipt: "msg_123" }
 */
export function createWebhookChannel(parameters: CreateWebhookChannelParameters): ContactChannel {
  checkParameters(parameters);
  const { url, secret, timeoutMs } = parameters;
  const doFetch = parameters.fetch ?? fetch;
  const clock = parameters.clock ?? Date.now;
  return {
    name: parameters.name ?? "webhook",
    async deliver(message: OutgoingMessage): Promise<DeliveryResult> {
      let body: string;
      try {
        body = JSON.stringify(toMessageJson(message));
      } catch (error) {
        return { kind: "rejected", error: describeError(error) };
      }
      const t = Math.floor(clock() / 1000);
      try {
        const response = await doFetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            [CONTACT_SIGNATURE_HEADER]: signWebhook(secret, t, body),
            [IDEMPOTENCY_KEY_HEADER]: message.id,
          },
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        return await resultOf(response);
      } catch (error) {
        return { kind: "retry", error: describeError(error) };
      }
    },
  };
}
