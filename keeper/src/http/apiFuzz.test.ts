/**
 * API fuzz: the keeper's real express app, built as `index.ts` builds it over a seeded SQLite file: the read model,
 * metrics, the bank webhook with a secret, the operator routes with a token, sign-in with a stubbed chain, the
 * portfolio, loan evidence, the court evidence package (on a stub node without logs), certificate applications, the
 * notary's queue, loan offers with their origination checks, and the record of refused originations. It is sent
 * thousands of random and malformed requests over real HTTP (keep-alive) on every route it serves and on random
 * paths. Every request must get a complete 2xx, 3xx or 4xx answer, never a 5xx and never a dropped connection, and
 * must leave the store unchanged unless it is an authorised write (valid credentials, generated apart and counted
 * apart, changing only the tables its route writes) or a route that writes without credentials by design
 * (`OPEN_WRITES`).
 *
 * Reproducible: every request comes from fast-check with a fixed seed (change `SEED` to explore further).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { expect } from "chai";
import type { Express } from "express";
import fc from "fast-check";
import { createPublicClient, custom, getAddress, zeroAddress, zeroHash, type PublicClient } from "viem";
import type { OriginationChainReads } from "../core/originationChecks.ts";
import { signWebhook, SIGNATURE_HEADER } from "../core/webhookSignature.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { createPortfolio } from "../adapters/store/portfolio.ts";
import { createRoleResolver } from "./auth/roles.ts";
import { hashSecret } from "./auth/secrets.ts";
import { SESSION_COOKIE } from "./auth/requireAuth.ts";
import {
  BORROWER_A,
  BORROWER_B,
  KEEPER,
  LENDER,
  LOAN_BOOK,
  NOW,
  seedBook,
} from "../adapters/store/readModelFixture.ts";
import { createContactDesk } from "../runtime/contactDesk.ts";
import { createLogger } from "../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../runtime/metrics.ts";
import { SOURCE_HEADER } from "./bankWebhook.ts";
import { createHttpServer, type ListeningHttpServer } from "./createHttpServer.ts";

const SEED = 20_261_126;
/** Requests without valid credentials. */
const RANDOM_REQUESTS = 4_000;
/** Requests with a valid webhook signature or operator token, sent among the others. */
const AUTHORISED_REQUESTS = 400;

const SOURCE = "fuzzbank";
const SECRET = "fuzz-secret-of-at-least-32-characters!!";
const OPERATOR = "fuzz-operator";
const TOKEN = "fuzz-operator-token-0123456789abcdef";
const CLOCK_MS = Date.parse("2026-11-25T12:00:00Z");
const CLOCK_S = Math.floor(CLOCK_MS / 1000);
const CHANNELS = ["letters"];
/** Sign-in: a borrower's session, a lender's session and a lender's API key (43 base64url characters each). */
const BORROWER_SESSION = "b".repeat(43);
const LENDER_SESSION = "l".repeat(43);
const LENDER_API_KEY = `lk_${"k".repeat(43)}`;
const NOTARY_SESSION = "n".repeat(43);
/** A notary on chain, party to no loan of the book. */
const NOTARY = "0x00000000000000000000000000000000000000a7";
const HASH = (digit: string) => `0x${digit.repeat(64)}`;

/**
 * Routes that write without credentials by design (method and path): a sign-in nonce is issued to anyone (bounded by
 * `MAX_LIVE_NONCES`).
 */
const OPEN_WRITES: Readonly<Record<string, readonly string[]>> = {
  // Keys as `routeKey` writes them.
  "GET /auth/nonce": ["auth_nonces"],
};

const STATUS: KeeperStatus = {
  mode: "rpc",
  chainId: 31337,
  loanBook: LOAN_BOOK,
  keeper: KEEPER,
  head: 120n,
  processedBlock: 112n,
  processedTime: NOW,
  confirmations: 6,
  lastTickAtMs: CLOCK_MS - 1_000,
  lastError: null,
  ticks: 3,
  idle: true,
  due: 0,
  pendingTransactions: 0,
  lastSent: 0,
  role: "single",
  leaseEpoch: null,
};

/** `METHOD /path` as express matches it: HEAD as GET, any letter case, without the query or a trailing slash. */
const routeKey = (request: { method: string; path: string }): string => {
  const path = request.path
    .split("?")[0]
    .toLowerCase()
    .replace(/(.)\/$/, "$1");
  return `${request.method === "HEAD" ? "GET" : request.method} ${path}`;
};

/*//////////////////////////////////////////////////////////////
                          THE REQUESTS
//////////////////////////////////////////////////////////////*/

interface FuzzRequest {
  readonly method: string;
  /** Path and query, as sent on the request line. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer | null;
  /** Chunked instead of Content-Length. */
  readonly chunked: boolean;
  /** With valid credentials: the tables it may change (empty: none). */
  readonly writes: readonly string[] | null;
  /** What generated it, for the failure report. */
  readonly kind: string;
}

/**
 * The origination checks' chain, at its edge: a book without a collateral watch, nothing pledged, and no notary (so an
 * offer with an identity attestation is refused and recorded; one without goes through).
 */
const bareBookReads: OriginationChainReads = {
  watchOf: async () => zeroAddress,
  registryOf: async () => zeroAddress,
  termsOf: async () => ({ source: 0, openDefaultPolicy: 0 }),
  originationRefusal: async () => 0,
  collateralKey: async () => zeroHash,
  pledgedTo: async () => 0n,
  pledgeOf: async () => zeroAddress,
  openDefaults: async () => 0n,
  isNotary: async () => false,
};

/** A JSON-RPC node of chain 31337 at block 16 with no logs: the edge of the world the package route reads. */
const emptyChain = createPublicClient({
  transport: custom({
    request: async ({ method }: { method: string }) => {
      if (method === "eth_chainId") return "0x7a69";
      if (method === "eth_blockNumber") return "0x10";
      if (method === "eth_getLogs") return [];
      throw new Error(`the fuzz's node has no ${method}`);
    },
  }),
}) as PublicClient;

/** The routes the app serves (with `:parameters`), found in its router, and the ones written here. */
const KNOWN_ROUTES: readonly [method: string, path: string][] = [
  ["GET", "/health"],
  ["GET", "/metrics"],
  ["GET", "/api/loans"],
  ["GET", "/api/loans/:id"],
  ["GET", "/api/loans/:id/evidence"],
  ["GET", "/api/loans/:id/evidence-package"],
  ["GET", "/api/portfolio"],
  ["POST", "/bank/webhook"],
  ["GET", "/bank/records"],
  ["GET", "/bank/quarantine"],
  ["POST", "/bank/records/:id/assign"],
  ["PUT", "/api/borrowers/:address/contact"],
  ["GET", "/api/contacts"],
  ["GET", "/api/contacts/log"],
  ["GET", "/api/contacts/log/:id/proof"],
  ["GET", "/auth/nonce"],
  ["POST", "/auth/verify"],
  ["POST", "/auth/logout"],
  ["GET", "/auth/me"],
  ["GET", "/api/me/loans"],
  ["GET", "/api/me/loans/:id"],
  ["POST", "/api/loans/:id/certificate-application"],
  ["GET", "/api/notary/queue"],
  ["POST", "/api/offers"],
  ["GET", "/api/offers"],
  ["GET", "/api/me/offers"],
  ["POST", "/api/offers/:id/acceptance"],
  ["GET", "/api/notary/offers"],
  ["POST", "/api/offers/:id/notarization"],
  ["GET", "/api/originations/refusals"],
];

interface RouterLayer {
  route?: { path: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/** Every route in the app's router tree (express 5), so that routes added later are fuzzed too. */
function routesOf(app: Express): [string, string][] {
  const found: [string, string][] = [];
  const walk = (stack: readonly RouterLayer[] | undefined) => {
    for (const layer of stack ?? []) {
      if (layer.route !== undefined && typeof layer.route.path === "string") {
        for (const method of Object.keys(layer.route.methods ?? {})) {
          if (method !== "_all") found.push([method.toUpperCase(), layer.route.path]);
        }
      } else {
        walk(layer.handle?.stack);
      }
    }
  };
  walk((app as unknown as { router?: { stack?: RouterLayer[] } }).router?.stack);
  return found;
}

const INTERESTING = [
  "0",
  "1",
  "2",
  "3",
  "5",
  "7",
  "-1",
  "01",
  "1.5",
  "1e3",
  "0x10",
  "9007199254740993",
  "18446744073709551616",
  "9223372036854775808",
  "99999999999999999999999999999999999999999999",
  "9".repeat(400),
  "NaN",
  "Infinity",
  "-0",
  "",
  " ",
  "null",
  "true",
  "[]",
  "{}",
  "Late",
  "late",
  "Active,Late",
  "Late,,",
  "2,3",
  "suspense",
  "matched",
  "waiting",
  "١٢٣",
  "🙂",
  "\u0000",
  "\u202e",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "%",
  "%zz",
  "%E0%A4%A",
  "__proto__",
  "constructor",
  "toString",
  BORROWER_A,
  BORROWER_A.toLowerCase(),
  "0x" + "zz".repeat(20),
  "a".repeat(3_000),
];

const QUERY_KEYS = [
  "status",
  "borrower",
  "template",
  "limit",
  "offset",
  "state",
  "loanId",
  "source",
  "at",
  "__proto__",
  "constructor",
  "a[b]",
  "a[]",
  "",
];

/** encodeURIComponent, with lone surrogates (which it refuses) as their UTF-8 bytes' best guess. */
const encode = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
};

const interesting = fc.constantFrom(...INTERESTING);
const text = fc.oneof(interesting, fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ maxLength: 20 }));
const numberText = fc.oneof(
  fc.bigInt({ min: -(2n ** 260n), max: 2n ** 260n }).map(String),
  fc.integer({ min: -10, max: 600 }).map(String),
  fc.double().map(String),
);
const value = fc.oneof(text, numberText);

/** A path parameter: raw (the client allows bytes 0x21..0xff), encoded, or an interesting value. */
const parameter = fc.oneof(
  fc.constantFrom("1", "2", "3", "4", "5", "6", "99", "0", "-1", BORROWER_A, BORROWER_B.toLowerCase()),
  interesting.map(encode),
  value.map(encode),
  fc.string({ unit: fc.constantFrom(..."%./\\:;@!$&'()*+,=~-_0123456789abcdefABCDEF\u00e9\u00ff"), maxLength: 30 }),
);

const queryString = fc.oneof(
  { weight: 2, arbitrary: fc.constant("") },
  {
    weight: 6,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), text), value), { maxLength: 6 })
      .map((pairs) => "?" + pairs.map(([key, v]) => `${encode(key)}=${encode(v)}`).join("&")),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(
            "a",
            "=",
            "&&",
            "%",
            "a=%ZZ",
            "a[]=1",
            "a[b][c]=1",
            "limit=1&limit=2",
            "status=Late&status=2",
          ),
          fc.constantFrom("borrower=" + BORROWER_A, "limit=10", "offset=1", "state=suspense", "loanId=2"),
        ),
        { maxLength: 5 },
      )
      .map((tokens) => "?" + tokens.join("&")),
  },
);

const routePath = (routes: readonly [string, string][]) =>
  fc
    .tuple(fc.constantFrom(...routes), fc.array(parameter, { minLength: 4, maxLength: 4 }))
    .map(([[method, template], values]) => {
      let index = 0;
      const path = template.replace(/:[A-Za-z_]+/g, () => values[index++] || "x");
      return { method, path };
    });

const mangledPath = (routes: readonly [string, string][]) =>
  fc
    .tuple(
      routePath(routes),
      fc.constantFrom(
        (p: string) => p + "/",
        // Upper case, with what leaves Latin-1 (ÿ is Ÿ) encoded.
        (p: string) => p.toUpperCase().replace(/[^\x21-\xff]/gu, encode),
        (p: string) => "/" + p,
        (p: string) => p.replace(/\//g, "//"),
        (p: string) => p + "/extra/segments",
        (p: string) => p.replace(/\//g, "%2F"),
        (p: string) => p + "%00",
        (p: string) => p + "/..",
        (p: string) => p + ";x=1",
      ),
    )
    .map(([route, mangle]) => ({ method: route.method, path: mangle(route.path) }));

const randomPath = fc
  .oneof(
    fc.array(parameter, { minLength: 1, maxLength: 6 }).map((segments) => "/" + segments.join("/")),
    fc.constantFrom(
      "/",
      "//",
      "/%",
      "/%zz",
      "/..%2f..%2fetc%2fpasswd",
      "/api",
      "/api/",
      "/bank",
      "/app/../api/loans",
      "/" + "a".repeat(4_000),
      "/api/loans/%E0%A4%A",
      "/api/loans/%FF",
      "/bank/records/%C0%AF/assign",
    ),
  )
  .map((path) => ({ method: "GET", path }));

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
/** Methods no route has: Node's parser knows them (an unknown one is a 400 from the parser itself). */
const ODD_METHODS = ["TRACE", "PROPFIND", "SEARCH", "QUERY", "PURGE", "LINK"];

/** A payment-shaped object, often nearly valid. */
const paymentLike = fc.record(
  {
    id: fc.oneof(fc.string({ unit: fc.constantFrom(..."ABCXYZ0123-_"), minLength: 1, maxLength: 12 }), text),
    amount: fc.oneof(fc.constantFrom("1", "100", "500", "0", "-5", "01", String(2n ** 128n)), numberText, fc.integer()),
    currency: fc.oneof(fc.constant("USDC"), text),
    bookedAt: fc.oneof(fc.constantFrom("2026-11-25T09:30:00+08:00", "2026-11-25T09:30:00Z", "yesterday"), text),
    remittanceInformation: fc.oneof(fc.constantFrom("LOAN-2", "LOAN-1 LOAN-5", "loan-99", "LOAN-"), text),
    endToEndId: text,
  },
  { requiredKeys: [] },
);
/** A valid payment, to a followed loan, an unknown one or none: stored, duplicated or in conflict. */
const validPayment = fc.record({
  id: fc.string({ unit: fc.constantFrom(..."ABC0123"), minLength: 3, maxLength: 6 }),
  amount: fc.bigInt({ min: 1n, max: 2n ** 128n - 1n }).map(String),
  bookedAt: fc.constantFrom("2026-11-25T09:30:00+08:00", "2022-02-08T00:00:00Z"),
  remittanceInformation: fc.constantFrom("LOAN-2", "LOAN-5", "LOAN-99", "LOAN-1 LOAN-2", "no reference"),
});
const validContact = fc.record({
  timeZone: fc.constantFrom("Asia/Shanghai", "UTC", "Europe/Paris"),
  locale: fc.constantFrom("zh", "en"),
  channel: fc.constant("letters"),
  recipient: fc.string({ minLength: 1, maxLength: 30 }).filter((r) => r.trim().length > 0),
});
const assignLike = fc.record({ loanId: fc.oneof(value, fc.integer(), fc.constant(null)) }, { requiredKeys: [] });
const contactLike = fc.record(
  {
    timeZone: fc.oneof(fc.constantFrom("Asia/Shanghai", "UTC", "Mars/Base"), text),
    locale: fc.oneof(fc.constantFrom("zh", "en", "fr"), text),
    channel: fc.oneof(fc.constantFrom("letters", "sms"), text),
    recipient: fc.oneof(fc.constantFrom("+86 10 0000 0000", " "), text),
  },
  { requiredKeys: [] },
);

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const OVERSIZED = 100 * 1024;

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
  { weight: 2, arbitrary: paymentLike.map(json) },
  { weight: 1, arbitrary: assignLike.map(json) },
  { weight: 1, arbitrary: contactLike.map(json) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }).map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from("{"),
      Buffer.from('{"loanId":'),
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      Buffer.from('{"id":"\ud800"}'),
      Buffer.from("[" + "1,".repeat(10) + "]"),
      Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
      Buffer.from("[".repeat(20_000) + "]".repeat(20_000)),
      Buffer.from('{"id":"' + "a".repeat(OVERSIZED) + '"}'),
      Buffer.from("[" + "1,".repeat(OVERSIZED / 2) + "1]"),
      Buffer.alloc(OVERSIZED, 0x20),
      Buffer.from("loanId=2&x=1"),
    ),
  },
);

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/json; charset=",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "%%%",
  "application/*",
  "",
];

/** A header value the HTTP client sends (tab, printable ASCII and Latin-1 only). */
const headerValue = fc.oneof(
  text.map((t) => t.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?")),
  fc.constantFrom("", " ", "\t", "x".repeat(2_000), "\u00ff\u00fe"),
);

const badSignature = fc.oneof(
  headerValue,
  fc.constantFrom("t=", "v1=", "t=abc,v1=00", "t=1,t=2", `t=${CLOCK_S},v0=${"a".repeat(64)}`, ",,,", "="),
  fc
    .tuple(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 }),
    )
    .map(([t, hex]) => `t=${t},v1=${hex}`),
  // Signed with the right secret, but stale or from the future: still refused.
  fc.constantFrom(-301, 301, 100_000).map((skew) => signWebhook(SECRET, CLOCK_S + skew, "{}")),
  // Signed with another secret.
  fc.constant(signWebhook("another-secret-of-at-least-32-characters", CLOCK_S, "{}")),
);

const badAuthorization = fc.oneof(
  headerValue,
  fc.constantFrom(
    "Bearer",
    "Bearer ",
    "Bearer wrong",
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(1)}`,
    `bearer${TOKEN}`,
    `Basic ${Buffer.from(`${OPERATOR}:${TOKEN}`).toString("base64")}`,
    `Bearer ${TOKEN} ${TOKEN}`,
    `Token ${TOKEN}`,
    `Bearer lk_${"x".repeat(43)}`,
    `Bearer ${LENDER_API_KEY.slice(0, -1)}`,
    `Bearer ${LENDER_SESSION}`,
  ),
);

const randomHeaders = fc
  .record(
    {
      "content-type": fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerValue),
      [SOURCE_HEADER.toLowerCase()]: fc.oneof(fc.constant(SOURCE), fc.constant("other"), headerValue),
      [SIGNATURE_HEADER.toLowerCase()]: badSignature,
      authorization: badAuthorization,
      accept: fc.oneof(fc.constantFrom("application/json", "text/html", "*/*", "image/png;q=0"), headerValue),
      "accept-encoding": fc.constantFrom("gzip", "br", "identity;q=0", "*;q=0"),
      cookie: fc.oneof(
        headerValue,
        fc.constantFrom(
          `${SESSION_COOKIE}=${"x".repeat(43)}`,
          `${SESSION_COOKIE}=${BORROWER_SESSION.slice(1)}`,
          `${SESSION_COOKIE}=`,
          `${SESSION_COOKIE}=${BORROWER_SESSION}x`,
          `other=1; ${SESSION_COOKIE}=%zz`,
        ),
      ),
      origin: headerValue,
      "x-forwarded-for": headerValue,
      "x-http-method-override": fc.constantFrom(...METHODS),
      range: fc.constantFrom("bytes=0-1", "bytes=-1", "bytes=x"),
      "content-encoding": fc.constantFrom("gzip", "deflate", "br", "identity", "x-unknown"),
      "if-none-match": headerValue,
    },
    { requiredKeys: [] },
  )
  .chain((headers) =>
    // Some headers twice, with different values (Node joins, keeps the first or refuses, by header).
    fc
      .subarray(["authorization", "bank-signature", SOURCE_HEADER.toLowerCase(), "content-type", "cookie"])
      .chain((names) =>
        fc.tuple(fc.constant(names), fc.array(headerValue, { minLength: names.length, maxLength: names.length })),
      )
      .map(([names, values]) => {
        const result = { ...headers } as Record<string, string | string[]>;
        names.forEach((name, index) => {
          if (result[name] !== undefined) result[name] = [result[name] as string, values[index]];
        });
        return result;
      }),
  )
  .chain((headers) =>
    // Now and then past Node's 16 kB header limit: 431 from the server itself.
    fc
      .oneof(
        { weight: 50, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.constant({ "x-oversized": "h".repeat(20_000) }) },
      )
      .map((extra) => ({ ...headers, ...extra })),
  );

/** Requests without valid credentials, on known routes, mangled routes and random paths. */
const randomRequest = (routes: readonly [string, string][]) =>
  fc
    .record({
      target: fc.oneof(
        { weight: 6, arbitrary: routePath(routes) },
        { weight: 2, arbitrary: mangledPath(routes) },
        { weight: 2, arbitrary: randomPath },
      ),
      otherMethod: fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 4, arbitrary: fc.constantFrom(...METHODS) },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
      ),
      query: queryString,
      headers: randomHeaders,
      body,
      chunked: fc.boolean(),
    })
    .map(({ target, otherMethod, query, headers, body, chunked }): FuzzRequest => ({
      method: otherMethod ?? target.method,
      path: target.path + query,
      headers,
      body,
      chunked,
      writes: null,
      kind: "random",
    }));

/** A suspense payment assigned to a loan, with `credentials`. */
const assignment = (kind: string, credentials: Readonly<Record<string, string>>) =>
  fc
    .tuple(
      fc.oneof(fc.constantFrom("1", "2", "3", "4", "5"), parameter),
      fc.oneof(
        fc.constantFrom("1", "2", "5", "99").map((loanId) => json({ loanId })),
        assignLike.map(json),
        body,
      ),
    )
    .map(([id, payload]): FuzzRequest => ({
      method: "POST",
      path: `/bank/records/${id}/assign`,
      headers: { ...credentials, "content-type": "application/json" },
      body: payload,
      chunked: false,
      writes: ["bank_records"],
      kind,
    }));

/** Requests with valid credentials and random content, each with the tables its route may write. */
const authorisedRequest = fc.oneof(
  // A signed webhook delivery: stores a payment (or quarantines the body) when it is one.
  fc
    .tuple(
      fc.oneof(
        validPayment.map(json),
        paymentLike.map(json),
        body.map((b) => b ?? Buffer.alloc(0)),
      ),
      fc.constantFrom(...CONTENT_TYPES),
      fc.constantFrom(null, null, null, "gzip", "deflate", "br", "x-unknown"),
    )
    .map(([payload, type, encoding]): FuzzRequest => ({
      method: "POST",
      path: "/bank/webhook",
      headers: {
        ...(encoding === null ? {} : { "content-encoding": encoding }),
        "content-type": type,
        [SOURCE_HEADER]: SOURCE,
        [SIGNATURE_HEADER]: signWebhook(SECRET, CLOCK_S, payload),
      },
      body: payload,
      chunked: false,
      writes: ["bank_records", "bank_quarantine"],
      kind: "signed webhook",
    })),
  assignment("operator assign", { authorization: `Bearer ${TOKEN}` }),
  // A signed-in lender assigns a suspense payment (a session's write, with no Origin header or the app's own).
  assignment("lender assign", { cookie: `${SESSION_COOKIE}=${LENDER_SESSION}` }),
  fc
    .tuple(
      fc.oneof(fc.constantFrom(BORROWER_A, BORROWER_B.toLowerCase()), parameter),
      fc.oneof(validContact.map(json), contactLike.map(json), body),
    )
    .map(([address, payload]): FuzzRequest => ({
      method: "PUT",
      path: `/api/borrowers/${address}/contact`,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: payload,
      chunked: false,
      writes: ["borrower_contacts"],
      kind: "operator contact",
    })),
  fc
    .tuple(
      fc.constantFrom("/api/contacts", "/api/contacts/log", "/api/contacts/log/1/proof", "/bank/records"),
      queryString,
    )
    .map(([path, query]): FuzzRequest => ({
      method: "GET",
      path: path + query,
      headers: { authorization: `Bearer ${TOKEN}` },
      body: null,
      chunked: false,
      writes: [],
      kind: "operator read",
    })),
  // The lender applies for an execution certificate, or offers a loan (its session or its API key).
  fc
    .tuple(
      fc.oneof(fc.constantFrom("1", "2", "3", "5"), parameter),
      fc.oneof(
        fc.constant(json({ debtInstrumentHash: HASH("1"), defaultProofHash: HASH("2"), identityProofHash: HASH("3") })),
        fc.record({ debtInstrumentHash: value, defaultProofHash: value, identityProofHash: value }).map(json),
        body,
      ),
      fc.constantFrom<Record<string, string>>(
        { cookie: `${SESSION_COOKIE}=${LENDER_SESSION}` },
        { authorization: `Bearer ${LENDER_API_KEY}` },
      ),
    )
    .map(([id, payload, credentials]): FuzzRequest => ({
      method: "POST",
      path: `/api/loans/${id}/certificate-application`,
      headers: { ...credentials, "content-type": "application/json" },
      body: payload,
      chunked: false,
      writes: ["certificate_applications"],
      kind: "lender certificate application",
    })),
  fc
    .tuple(
      fc.oneof(
        fc.constant(json({ templateId: "1", principal: "1000", borrower: BORROWER_A, documentHash: HASH("4") })),
        // An identity no notary attested: refused by the checks, and recorded.
        fc.constant(
          json({
            templateId: "1",
            principal: "1000",
            borrower: BORROWER_A,
            documentHash: HASH("5"),
            identity: { commitment: HASH("6"), attestedBy: NOTARY, signature: `0x${"1b".repeat(65)}` },
          }),
        ),
        fc
          .record(
            { templateId: value, principal: value, borrower: value, documentHash: value, validForSeconds: numberText },
            { requiredKeys: [] },
          )
          .map(json),
        body,
      ),
      fc.constantFrom<Record<string, string>>(
        { cookie: `${SESSION_COOKIE}=${LENDER_SESSION}` },
        { authorization: `Bearer ${LENDER_API_KEY}` },
      ),
    )
    .map(([payload, credentials]): FuzzRequest => ({
      method: "POST",
      path: "/api/offers",
      headers: { ...credentials, "content-type": "application/json" },
      body: payload,
      chunked: false,
      writes: ["origination_offers", "origination_refusals"],
      kind: "lender offer",
    })),
  // A borrower's acceptance or a notary's notarization: no signature verifies here, so nothing is written.
  fc
    .tuple(
      fc.constantFrom("acceptance", "notarization"),
      fc.oneof(fc.constantFrom("1", "2", "3"), parameter),
      fc.oneof(fc.constant(json({ signature: `0x${"1b".repeat(65)}` })), body),
      fc.constantFrom(`${SESSION_COOKIE}=${BORROWER_SESSION}`, `${SESSION_COOKIE}=${NOTARY_SESSION}`),
    )
    .map(([step, id, payload, cookie]): FuzzRequest => ({
      method: "POST",
      path: `/api/offers/${id}/${step}`,
      headers: { cookie, "content-type": "application/json" },
      body: payload,
      chunked: false,
      writes: [],
      kind: `signed-in ${step}`,
    })),
  // Signed in (a session cookie or an API key): reads only.
  fc
    .tuple(
      fc.constantFrom(
        "/auth/me",
        "/api/me/loans",
        "/api/me/loans/1",
        "/api/me/loans/2",
        "/api/me/loans/3",
        "/bank/records",
        "/bank/quarantine",
        "/api/portfolio",
        "/api/loans/1/evidence",
        "/api/loans/2/evidence",
        "/api/loans/3/evidence",
        "/api/loans/1/evidence-package",
        "/api/contacts/log",
        "/api/notary/queue",
        "/api/notary/offers",
        "/api/offers",
        "/api/me/offers",
        "/api/originations/refusals",
      ),
      queryString,
      fc.constantFrom<Record<string, string>>(
        { cookie: `${SESSION_COOKIE}=${BORROWER_SESSION}` },
        { cookie: `${SESSION_COOKIE}=${LENDER_SESSION}` },
        { cookie: `${SESSION_COOKIE}=${NOTARY_SESSION}` },
        { authorization: `Bearer ${LENDER_API_KEY}` },
      ),
    )
    .map(([path, query, credentials]): FuzzRequest => ({
      method: "GET",
      path: path + query,
      headers: credentials,
      body: null,
      chunked: false,
      writes: [],
      kind: "signed-in read",
    })),
);

/*//////////////////////////////////////////////////////////////
                        SENDING AND CHECKING
//////////////////////////////////////////////////////////////*/

type Answer = { status: number } | { error: string };

function send(agent: Agent, base: URL, fuzz: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: OutgoingHttpHeaders = { ...fuzz.headers };
    // Framed either way, whatever the method (Node frames a GET's body only when told to).
    if (fuzz.body !== null) {
      if (fuzz.chunked) headers["transfer-encoding"] = "chunked";
      else headers["content-length"] = fuzz.body.length;
    }
    let request;
    try {
      request = httpRequest({
        agent,
        host: base.hostname,
        port: base.port,
        method: fuzz.method,
        path: fuzz.path,
        headers,
      });
    } catch (error) {
      // Refused by the client before sending: a generator bug, reported as a failure.
      resolve({ error: `client refused: ${(error as Error).message}` });
      return;
    }
    request.on("response", (response) => {
      response.on("data", () => {});
      response.on("end", () => resolve({ status: response.statusCode ?? 0 }));
      response.on("aborted", () => resolve({ error: "response aborted" }));
      response.on("error", (error) => resolve({ error: `response: ${error.message}` }));
    });
    request.on("error", (error) => resolve({ error: `request: ${error.message}` }));
    if (fuzz.body !== null) request.write(fuzz.body);
    request.end();
  });
}

/** A hash of every table's rows, by table. */
function digestTables(db: Database.Database): Map<string, string> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const digests = new Map<string, string>();
  for (const table of tables) {
    const hash = createHash("sha256");
    for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw().iterate()) {
      hash.update(JSON.stringify(row, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)));
      hash.update("\n");
    }
    digests.set(table, hash.digest("hex"));
  }
  return digests;
}

const changedTables = (before: Map<string, string>, after: Map<string, string>): string[] =>
  [...new Set([...before.keys(), ...after.keys()])].filter((table) => before.get(table) !== after.get(table)).sort();

/**
 * Messages to loan 2's borrower: three sent (the first two anchored in a closed batch, the third in an open one) and
 * one waiting, so that the contact routes have something to list and prove.
 */
async function seedContacts(store: Store): Promise<void> {
  const desk = createContactDesk({
    store,
    channels: new Map([["letters", { name: "letters", deliver: async () => ({ kind: "delivered" as const }) }]]),
    policy: {
      quietHours: { start: "22:00", end: "08:00" },
      dailyLimit: 3,
      defaultTimeZone: "Asia/Shanghai",
      defaultLocale: "zh",
      defaultChannel: "letters",
      decimals: 6,
      currency: "USDC",
      lenderName: "Fuzz Lender",
      paymentInstructions: { zh: "转账", en: "a transfer" },
      contactInstructions: { zh: "热线", en: "our line" },
      anchorBatchSize: 2,
      anchorMaxAgeSeconds: 3_600n,
    },
    logger: createLogger({ level: "silent" }),
    clock: () => CLOCK_MS,
  });
  // Noon in Shanghai (borrower A's zone).
  const noon = BigInt(Date.UTC(2026, 10, 27, 4, 0) / 1000);
  const kinds = ["remindBeforeDue", "remindDueToday", "remindLate1", "remindLate7"];
  store.planActions(
    kinds.map((kind) => ({
      key: `2:${kind}:i7`,
      loanId: 2n,
      kind,
      installment: 7,
      validFrom: noon,
      payload: { dueTime: String(noon + 86_400n) },
    })),
  );
  for (const kind of kinds) {
    const action = store.getActionByKey(`2:${kind}:i7`)!;
    store.transaction(() => desk.queue(action, noon));
  }
  await desk.deliver(noon);
  desk.anchor(noon);
}

describe("API fuzz", () => {
  let dir: string;
  let store: Store;
  let db: Database.Database;
  let server: ListeningHttpServer;
  let app: Express;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "api-fuzz-"));
    const path = join(dir, "keeper.sqlite");
    store = openStore(path, { now: () => CLOCK_MS });
    seedBook(store);
    store.contacts.setBorrowerContact(
      { borrower: BORROWER_A, timeZone: "Asia/Shanghai", locale: "zh", channel: "letters", recipient: "A" },
      CLOCK_MS,
    );
    await seedContacts(store);
    store.insertBankQuarantine({
      source: SOURCE,
      origin: "webhook",
      originRef: "webhook",
      position: "body",
      bankReference: null,
      raw: "{}",
      error: "body: not a payment",
    });
    const expiresAtMs = CLOCK_MS + 3_600_000;
    store.sessions.insertSession({ idHash: hashSecret(BORROWER_SESSION), address: BORROWER_A, expiresAtMs }, CLOCK_MS);
    store.sessions.insertSession({ idHash: hashSecret(LENDER_SESSION), address: LENDER, expiresAtMs }, CLOCK_MS);
    store.sessions.insertSession({ idHash: hashSecret(NOTARY_SESSION), address: NOTARY, expiresAtMs }, CLOCK_MS);
    store.sessions.insertApiKey({ lender: LENDER, name: "fuzz", keyHash: hashSecret(LENDER_API_KEY) }, CLOCK_MS);
    db = new Database(path, { readonly: true });
    db.defaultSafeIntegers(true);
    const readModel = store.readModel;
    // As index.ts wires it.
    const metrics = createMetrics({
      readModel,
      status: () => STATUS,
      contactMessages: store.contacts.contactMessageCounts,
      bankRecords: store.bankRecordCounts,
    });
    const http = createHttpServer({
      readModel,
      metrics,
      status: () => STATUS,
      logger: createLogger({ level: "silent" }),
      clock: () => CLOCK_MS,
      chainNow: () => NOW,
      bank: { store, secrets: { [SOURCE]: SECRET } },
      operator: { store, tokens: { [OPERATOR]: TOKEN }, channels: CHANNELS, evidenceAnchor: null },
      auth: {
        store,
        chainId: 31337,
        // The chain says LENDER is a lender; no signature verifies (the fuzz signs nobody in).
        resolveRoles: createRoleResolver({
          readRole: async (role, address) =>
            (role === "lender" && address === LENDER) || (role === "notary" && address === getAddress(NOTARY)),
          isBorrower: (address) => readModel.listLoans({ borrower: address, limit: 1, now: 0n }).total > 0,
          clock: () => CLOCK_MS,
        }),
        verifySignature: async () => false,
        origins: [],
      },
      portfolio: createPortfolio(db),
      loanEvents: store.loanEvents,
      certificateApplications: store.certificateApplications,
      originations: {
        offers: store.originationOffers,
        checks: { reads: bareBookReads, refusals: store.originationRefusals },
        loanBook: LOAN_BOOK,
        verifyTypedData: async () => false,
      },
      // The package route's node: a chain where the loan book has no logs, so an authorised export is refused (409).
      evidencePackage: {
        client: emptyChain,
        loanBook: LOAN_BOOK,
        fromBlock: 0n,
        contactStore: store,
        evidenceAnchor: null,
        pdf: false,
      },
    });
    app = http.app;
    server = await http.listen(0);
  });

  after(async () => {
    await server?.close();
    db?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers every random or malformed request with 2xx-4xx, writing only on authorised writes", async () => {
    const discovered = routesOf(app);
    const routes = [...new Map([...KNOWN_ROUTES, ...discovered].map((r) => [r.join(" "), r])).values()];
    expect(discovered.length, "routes found in the app's router").to.be.greaterThan(KNOWN_ROUTES.length - 1);

    const random = fc.sample(randomRequest(routes), { seed: SEED, numRuns: RANDOM_REQUESTS });
    const authorised = fc.sample(authorisedRequest, { seed: SEED + 1, numRuns: AUTHORISED_REQUESTS });
    // One authorised request after every eighth random one.
    const requests: FuzzRequest[] = [];
    random.forEach((request, index) => {
      requests.push(request);
      if (index % 8 === 7 && authorised.length > 0) requests.push(authorised.shift()!);
    });
    requests.push(...authorised);

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on("free", (socket) => sockets.add(socket));
    const base = new URL(server.url);
    const version = db.prepare("PRAGMA data_version").pluck();
    const initial = digestTables(db);
    let digest = initial;
    let lastVersion = version.get();

    const histogram = new Map<string, number>();
    const failures: string[] = [];
    const writers = new Map<string, number>();
    let unauthorised = 0;
    const credentialed = new Map<string, number>();
    const started = performance.now();
    for (const [index, request] of requests.entries()) {
      const answer = await send(agent, base, request);
      const label = `${request.kind} #${index}: ${request.method} ${request.path.slice(0, 160)}`;
      if ("error" in answer) {
        // A dropped connection may be the previous request's doing (its bytes were on the same socket).
        const previous = requests[index - 1];
        const after =
          previous === undefined ? "" : ` (after ${previous.kind} ${previous.method} ${previous.path.slice(0, 80)})`;
        failures.push(`${label}: ${answer.error}${after}`);
      } else {
        const key = request.writes === null ? String(answer.status) : `${answer.status} (authorised)`;
        histogram.set(key, (histogram.get(key) ?? 0) + 1);
        if (answer.status < 200 || answer.status >= 500) failures.push(`${label}: ${answer.status}`);
      }
      if (request.writes === null) unauthorised += 1;
      else credentialed.set(request.kind, (credentialed.get(request.kind) ?? 0) + 1);

      // Any commit since the last request shows in data_version; then see which tables changed.
      const nowVersion = version.get();
      if (nowVersion !== lastVersion) {
        lastVersion = nowVersion;
        const next = digestTables(db);
        const changed = changedTables(digest, next);
        digest = next;
        const allowed = new Set(request.writes ?? OPEN_WRITES[routeKey(request)] ?? []);
        const forbidden = changed.filter((table) => !allowed.has(table));
        if (forbidden.length > 0) failures.push(`${label}: changed ${forbidden.join(", ")}`);
        if (changed.length > 0) writers.set(request.kind, (writers.get(request.kind) ?? 0) + 1);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();

    console.log(
      `API fuzz: ${requests.length} requests (${unauthorised} without valid credentials, authorised: ` +
        `${JSON.stringify(Object.fromEntries(credentialed))}) ` +
        `in ${seconds.toFixed(1)} s over ${sockets.size} keep-alive connection(s), ${routes.length} routes; ` +
        `statuses ${JSON.stringify(Object.fromEntries([...histogram].sort()))}; ` +
        `writes by ${JSON.stringify(Object.fromEntries(writers))}`,
    );
    expect(unauthorised).to.be.at.least(2_000);
    expect([...credentialed.values()].reduce((a, b) => a + b, 0)).to.equal(AUTHORISED_REQUESTS);
    expect(failures).to.deep.equal([]);
    // Only authorised writes changed anything: every table they may not write is as seeded.
    const mayChange = new Set([
      "bank_records",
      "bank_quarantine",
      "borrower_contacts",
      "certificate_applications",
      "origination_offers",
      "origination_refusals",
      ...Object.values(OPEN_WRITES).flat(),
    ]);
    const changed = changedTables(initial, digestTables(db));
    expect(changed.filter((table) => !mayChange.has(table))).to.deep.equal([]);
    // The authorised subset did reach the writes (else it tested nothing of them).
    const writing = ["signed webhook", "operator assign", "lender assign", "operator contact", "lender offer"];
    for (const kind of [...writing, "lender certificate application"]) {
      expect(writers.get(kind) ?? 0, kind).to.be.greaterThan(0);
    }
  });
});
