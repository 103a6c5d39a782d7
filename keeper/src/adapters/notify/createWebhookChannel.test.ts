import { after, before, describe, it } from "node:test";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { verifyWebhook } from "../../core/webhookSignature.ts";
import type { DeliveryResult, OutgoingMessageJson } from "./channel.ts";
import { CONTACT_SIGNATURE_HEADER, createWebhookChannel } from "./createWebhookChannel.ts";
import { fixtureMessage, RECIPIENT } from "./messageFixture.ts";

const SECRET = "contact-0123456789abcdef0123456789abcdef";
const NOW_MS = 1_795_968_000_123;

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly raw: Buffer;
}

/** A receiver whose answer for each request is set by the test (by the message id's suffix). */
let server: Server;
let url: string;
const received: Received[] = [];
let answer: (request: IncomingMessage, response: ServerResponse) => void = (_, response) => response.end();

before(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, raw: Buffer.concat(chunks) });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/contact`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const channel = () => createWebhookChannel({ url, secret: SECRET, timeoutMs: 500, clock: () => NOW_MS });

describe("createWebhookChannel", () => {
  it("posts the message as signed JSON with its id as the idempotency key", async () => {
    received.length = 0;
    answer = (_, response) =>
      response.writeHead(200, { "content-type": "application/json" }).end('{"receipt":"sms-1"}');
    const message = fixtureMessage();
    expect(await channel().deliver(message)).to.deep.equal({ kind: "delivered", receipt: "sms-1" });
    expect(received).to.have.length(1);
    const [{ headers, raw }] = received;
    expect(headers["idempotency-key"]).to.equal(message.id);
    expect(headers["content-type"]).to.match(/^application\/json/);
    const header = headers[CONTACT_SIGNATURE_HEADER.toLowerCase()] as string;
    expect(header).to.match(/^t=1795968000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook({ header, body: raw, secret: SECRET, now: 1_795_968_000 })).to.equal(1_795_968_000);
    expect(() => verifyWebhook({ header, body: raw, secret: `${SECRET}x`, now: 1_795_968_000 })).to.throw();
    const json = JSON.parse(raw.toString("utf8")) as OutgoingMessageJson;
    expect(json).to.deep.equal({
      id: message.id,
      kind: "remindLate1",
      locale: "zh",
      loanId: "7",
      recipient: RECIPIENT,
      recipientHash: message.recipientHash,
      subject: message.subject,
      body: message.body,
      contentHash: message.contentHash,
    });
    expect(json.body).to.include("91.666667 USDC");
  });

  it("maps the receiver's answers to delivered, retry and rejected", async () => {
    const table: [string, (response: ServerResponse) => void, DeliveryResult][] = [
      ["200 with an id", (r) => r.writeHead(200).end('{"id":42}'), { kind: "delivered", receipt: "42" }],
      ["201, no body", (r) => r.writeHead(201).end(), { kind: "delivered" }],
      ["202, not JSON", (r) => r.writeHead(202).end("queued"), { kind: "delivered" }],
      ["204", (r) => r.writeHead(204).end(), { kind: "delivered" }],
      ["408", (r) => r.writeHead(408).end(), { kind: "retry", error: "HTTP 408" }],
      [
        "429 with Retry-After",
        (r) => r.writeHead(429, { "retry-after": "120" }).end("slow down"),
        { kind: "retry", error: "HTTP 429: slow down", retryAfterSeconds: 120 },
      ],
      ["500", (r) => r.writeHead(500).end("boom"), { kind: "retry", error: "HTTP 500: boom" }],
      ["503", (r) => r.writeHead(503).end(), { kind: "retry", error: "HTTP 503" }],
      ["400", (r) => r.writeHead(400).end("bad phone"), { kind: "rejected", error: "HTTP 400: bad phone" }],
      ["401", (r) => r.writeHead(401).end(), { kind: "rejected", error: "HTTP 401" }],
      ["404", (r) => r.writeHead(404).end(), { kind: "rejected", error: "HTTP 404" }],
      ["409", (r) => r.writeHead(409).end(), { kind: "rejected", error: "HTTP 409" }],
      [
        "a redirect",
        (r) => r.writeHead(302, { location: "http://example.com/" }).end(),
        { kind: "rejected", error: "HTTP 302" },
      ],
    ];
    for (const [name, respond, expected] of table) {
      answer = (_, response) => respond(response);
      expect(await channel().deliver(fixtureMessage(`m-${name}`)), name).to.deep.equal(expected);
    }
  });

  it("retries after a time-out, and after a network error", async () => {
    answer = (_, response) => setTimeout(() => response.end(), 2_000).unref();
    const slow = createWebhookChannel({ url, secret: SECRET, timeoutMs: 100, clock: () => NOW_MS });
    const started = Date.now();
    const timedOut = await slow.deliver(fixtureMessage("slow"));
    expect(timedOut.kind).to.equal("retry");
    expect(Date.now() - started).to.be.below(1_500);
    expect((timedOut as { error: string }).error).to.match(/TimeoutError|abort/i);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nobody = createWebhookChannel({ url: `http://127.0.0.1:${port}/`, secret: SECRET, timeoutMs: 500 });
    const refused = await nobody.deliver(fixtureMessage("refused"));
    expect(refused.kind).to.equal("retry");
    expect((refused as { error: string }).error).to.match(/fetch failed|ECONNREFUSED/);
  });

  it("rejects, without sending, a message whose content hash is not its text's", async () => {
    received.length = 0;
    answer = (_, response) => response.end();
    const message = fixtureMessage();
    const tampered = { ...message, body: message.body.replace("91.666667", "9,166.6667") };
    const result = await channel().deliver(tampered);
    expect(result.kind).to.equal("rejected");
    expect((result as { error: string }).error).to.match(/is not its text's hash/);
    expect(await channel().deliver({ ...message, id: " " })).to.deep.include({ kind: "rejected" });
    expect(await channel().deliver({ ...message, recipient: "" })).to.deep.include({ kind: "rejected" });
    expect(received).to.have.length(0);
  });

  it("uses an injected fetch, and refuses bad settings", async () => {
    const calls: RequestInit[] = [];
    const fakeFetch = (async (_input: string | URL | Request, init?: RequestInit) => {
      calls.push(init!);
      return new Response('{"receipt":"r"}', { status: 200 });
    }) as typeof fetch;
    const fake = createWebhookChannel({
      url: "https://sms.example/",
      secret: SECRET,
      timeoutMs: 10,
      fetch: fakeFetch,
      name: "sms",
    });
    expect(fake.name).to.equal("sms");
    expect(await fake.deliver(fixtureMessage())).to.deep.equal({ kind: "delivered", receipt: "r" });
    expect(calls[0].method).to.equal("POST");
    const table: [Partial<Parameters<typeof createWebhookChannel>[0]>, RegExp][] = [
      [{ url: "not a url" }, /not a URL/],
      [{ url: "ftp://x/" }, /http\(s\)/],
      [{ secret: "short" }, /at least 32/],
      [{ timeoutMs: 0 }, /timeoutMs 0/],
    ];
    for (const [change, error] of table) {
      expect(() => createWebhookChannel({ url, secret: SECRET, timeoutMs: 100, ...change })).to.throw(TypeError, error);
    }
  });
});
