import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { expect } from "chai";
import { signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError } from "./webhookSignature.ts";

const SECRET = "whsec-0123456789abcdef0123456789abcdef";
const OLD_SECRET = "whsec-old-0123456789abcdef0123456789ab";
const NOW = 1_764_115_200;
const BODY = '{"id":"T1","amount":"100"}';
const bytes = (text: string) => Buffer.from(text, "utf8");
const v1Of = (header: string) => header.split("v1=")[1];

describe("signWebhook", () => {
  it("is HMAC-SHA256 over `${t}.${body}`, hex, in a t=...,v1=... header", () => {
    const expected = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");
    expect(signWebhook(SECRET, NOW, BODY)).to.equal(`t=${NOW},v1=${expected}`);
    expect(signWebhook(SECRET, NOW, bytes(BODY))).to.equal(signWebhook(SECRET, NOW, BODY));
  });

  it("gives the README's example", () => {
    const body =
      '{"id":"2026112500001234","amount":"91666667","bookedAt":"2026-11-25T09:30:00+08:00","remittanceInformation":"Repayment LOAN-7"}';
    expect(signWebhook("whsec-example-0123456789abcdef01234567", 1_764_034_200, body)).to.equal(
      "t=1764034200,v1=8f004a6a6d00e7fd92e17f604260fc0052890141cc497df5c4720376cc0c8ec0",
    );
  });
});

describe("verifyWebhook", () => {
  const good = signWebhook(SECRET, NOW, BODY);
  const otherSignature = v1Of(signWebhook(OLD_SECRET, NOW, BODY));

  it("accepts a good signature within the tolerance either way, returning its timestamp", () => {
    const table: [string, string, number][] = [
      ["exact time", good, NOW],
      ["300 s later", good, NOW + WEBHOOK_TOLERANCE_SECONDS],
      ["300 s earlier (clock skew)", good, NOW - WEBHOOK_TOLERANCE_SECONDS],
      ["rotation: the old signature first", `t=${NOW},v1=${otherSignature},v1=${v1Of(good)}`, NOW],
      ["spaces and an unknown scheme", ` t=${NOW} , v0=abc, v1=${v1Of(good)}`, NOW],
    ];
    for (const [name, header, now] of table) {
      expect(verifyWebhook({ header, body: bytes(BODY), secret: SECRET, now }), name).to.equal(NOW);
    }
  });

  it("refuses each bad header with its code and a clear message", () => {
    const table: [string, string | undefined, Uint8Array, number, string, RegExp][] = [
      ["absent", undefined, bytes(BODY), NOW, "missing_signature", /Missing Bank-Signature header/],
      ["empty", " ", bytes(BODY), NOW, "missing_signature", /Missing/],
      ["no t", `v1=${v1Of(good)}`, bytes(BODY), NOW, "malformed_signature", /no t/],
      ["no v1", `t=${NOW}`, bytes(BODY), NOW, "malformed_signature", /no v1/],
      ["t not a number", `t=soon,v1=${v1Of(good)}`, bytes(BODY), NOW, "malformed_signature", /t is not unix seconds/],
      ["t twice", `t=${NOW},t=${NOW},v1=${v1Of(good)}`, bytes(BODY), NOW, "malformed_signature", /t given twice/],
      ["short v1", `t=${NOW},v1=abcd`, bytes(BODY), NOW, "malformed_signature", /64 lower-case hex/],
      ["not key=value", `t=${NOW},garbage`, bytes(BODY), NOW, "malformed_signature", /not key=value/],
      ["stale", good, bytes(BODY), NOW + 301, "stale_timestamp", /301 s old; at most 300 s/],
      ["future", good, bytes(BODY), NOW - 301, "stale_timestamp", /301 s in the future/],
      ["wrong secret", signWebhook(OLD_SECRET, NOW, BODY), bytes(BODY), NOW, "bad_signature", /No Bank-Signature v1/],
      ["body changed", good, bytes(`${BODY} `), NOW, "bad_signature", /matches the body/],
      ["timestamp changed", good.replace(`t=${NOW}`, `t=${NOW + 1}`), bytes(BODY), NOW, "bad_signature", /matches/],
    ];
    for (const [name, header, body, now, code, message] of table) {
      let thrown: unknown;
      try {
        verifyWebhook({ header, body, secret: SECRET, now });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).to.be.instanceOf(WebhookSignatureError);
      expect((thrown as WebhookSignatureError).code, name).to.equal(code);
      expect((thrown as WebhookSignatureError).message, name).to.match(message);
    }
  });
});
