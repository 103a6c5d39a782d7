import { after, before, beforeEach, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { getAddress, verifyMessage, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage, generateSiweNonce, type CreateSiweMessageParameters } from "viem/siwe";
import { openStore, type Store } from "../../adapters/store/openStore.ts";
import { createApiKeyCommand } from "../../cli/commands/apiKey.ts";
import { createLogger } from "../../runtime/logger.ts";
import { createMetrics, type KeeperStatus } from "../../runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "../createHttpServer.ts";
import { createRoleResolver, ROLE_CACHE_MS, type ChainRole } from "./roles.ts";
import { NONCE_TTL_MS, SESSION_TTL_MS } from "./signIn.ts";

const CHAIN_ID = 31337;
const T0 = Date.parse("2026-11-26T00:00:00.000Z");
const OPERATOR_TOKEN = "o".repeat(40);

const account = () => privateKeyToAccount(generatePrivateKey());
const borrower = account();
const otherBorrower = account();
const lender = account();
const otherLender = account();
const notary = account();
const stranger = account();

let dir: string;
let path: string;
let store: Store;
let server: ListeningHttpServer;
let reader: Database.Database;
const clock = { ms: T0 };
/** The on-chain roles, as the fake `readRole` answers them. */
const chainRoles = new Map<Address, Set<ChainRole>>();
const brokenChain = new Set<Address>();
let roleReads = 0;
/** Holds signature checks until released: concurrent sign-ins with one message all pass the early checks. */
const gate = { holding: false, waiting: [] as (() => void)[] };

const loan = (id: bigint, who: Address, claimHolder: Address) =>
  store.upsertLoan({
    id,
    templateId: 1n,
    borrower: who,
    claimHolder,
    principal: 1_000n,
    status: 1,
    stage: 0,
    flags: 0,
    nextDueTime: null,
    defaultEligibleAt: null,
    updatedBlock: 1n,
  });

/** What sign-in wrote: sessions, burned nonces, API keys. */
const counts = () => ({
  sessions: Number(reader.prepare("SELECT count(*) FROM auth_sessions").pluck().get()),
  used: Number(reader.prepare("SELECT count(*) FROM auth_nonces WHERE used_at_ms IS NOT NULL").pluck().get()),
  keys: Number(reader.prepare("SELECT count(*) FROM api_keys WHERE revoked_at_ms IS NULL").pluck().get()),
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "keeper-auth-"));
  path = join(dir, "keeper.sqlite");
  store = openStore(path, { now: () => clock.ms });
  reader = new Database(path, { readonly: true });
  loan(1n, borrower.address, lender.address);
  loan(2n, otherBorrower.address, otherLender.address);
  chainRoles.set(lender.address, new Set(["lender"]));
  chainRoles.set(otherLender.address, new Set(["lender"]));
  chainRoles.set(notary.address, new Set(["notary"]));
  const status = { lastTickAtMs: null } as unknown as KeeperStatus;
  server = await createHttpServer({
    readModel: store.readModel,
    metrics: createMetrics({ readModel: store.readModel, status: () => status }),
    status: () => status,
    logger: createLogger({ level: "silent" }),
    clock: () => clock.ms,
    chainNow: () => 0n,
    bank: { store, secrets: {} },
    operator: { store, tokens: { ops: OPERATOR_TOKEN }, channels: ["letters"], evidenceAnchor: null },
    auth: {
      store,
      chainId: CHAIN_ID,
      resolveRoles: createRoleResolver({
        readRole: async (role, address) => {
          roleReads++;
          if (brokenChain.has(address)) throw new Error("RPC down");
          return chainRoles.get(address)?.has(role) ?? false;
        },
        isBorrower: (address) => store.readModel.listLoans({ borrower: address, limit: 1, now: 0n }).total > 0,
        clock: () => clock.ms,
      }),
      // An EOA's signature, recovered (the chain's ERC-1271 path is viem's `verifySiweMessage`).
      verifySignature: async ({ address, message, signature }) => {
        const valid = await verifyMessage({ address, message, signature });
        if (gate.holding) await new Promise<void>((release) => gate.waiting.push(release));
        return valid;
      },
      origins: [],
    },
  }).listen(0);
});
after(async () => {
  await server.close();
  reader.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  clock.ms += 60 * 60_000; // a fresh hour: earlier sessions and cached roles are no longer in the way
  clock.ms += SESSION_TTL_MS;
});

const host = () => new URL(server.url).host;

async function call(
  method: string,
  path: string,
  init: { cookie?: string; token?: string; body?: unknown; origin?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.origin !== undefined) headers.origin = init.origin;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(server.url + path, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : (JSON.parse(text) as any),
    setCookie: response.headers.getSetCookie(),
  };
}

const nonce = async (): Promise<string> => {
  const { status, body } = await call("GET", "/auth/nonce");
  expect(status).to.equal(200);
  return body.nonce;
};

/** A signed SIWE message for `signer`, with a fresh nonce unless given; `signer` may differ from the address. */
async function signed(
  signer: PrivateKeyAccount,
  fields: Partial<CreateSiweMessageParameters> = {},
): Promise<{ message: string; signature: `0x${string}` }> {
  const message = createSiweMessage({
    address: signer.address,
    chainId: CHAIN_ID,
    domain: host(),
    uri: `${server.url}/`,
    version: "1",
    issuedAt: new Date(clock.ms),
    nonce: fields.nonce ?? (await nonce()),
    statement: "Sign in to the loan book.",
    ...fields,
  });
  return { message, signature: await signer.signMessage({ message }) };
}

/** Signs in as `signer`; the session cookie (`name=value`). */
async function signIn(signer: PrivateKeyAccount): Promise<string> {
  const answer = await call("POST", "/auth/verify", { body: await signed(signer) });
  expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  return answer.setCookie[0].split(";")[0];
}

/** Asserts a 401 with `code` and that nothing was written. */
async function refused(body: unknown, code: string) {
  const before = counts();
  const answer = await call("POST", "/auth/verify", { body });
  expect(answer.status, JSON.stringify(answer.body)).to.equal(401);
  expect(answer.body.error.code).to.equal(code);
  expect(answer.setCookie).to.deep.equal([]);
  expect(counts()).to.deep.equal(before);
}

describe("Sign-In with Ethereum", () => {
  it("signs in: a session cookie (HttpOnly, SameSite=Strict, Path=/), one session stored, the nonce burned", async () => {
    const before = counts();
    const answer = await call("POST", "/auth/verify", { body: await signed(borrower) });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({
      address: borrower.address,
      expiresAt: new Date(clock.ms + SESSION_TTL_MS).toISOString(),
    });
    expect(answer.setCookie).to.have.length(1);
    const cookie = answer.setCookie[0];
    expect(cookie).to.match(/^keeper_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).to.include("HttpOnly").and.include("SameSite=Strict").and.include("Path=/");
    expect(cookie).to.include(`Max-Age=${SESSION_TTL_MS / 1000}`);
    expect(cookie).not.to.include("Secure"); // http://127.0.0.1
    expect(counts()).to.deep.equal({ ...before, sessions: before.sessions + 1, used: before.used + 1 });
    // Only the hash of the session id is stored.
    const id = cookie.split(";")[0].split("=")[1];
    expect(reader.prepare("SELECT count(*) FROM auth_sessions WHERE id_hash = ?").pluck().get(id)).to.equal(0);

    const me = await call("GET", "/auth/me", { cookie: cookie.split(";")[0] });
    expect(me.status).to.equal(200);
    expect(me.body).to.deep.equal({
      address: borrower.address,
      roles: ["borrower"],
      expiresAt: new Date(clock.ms + SESSION_TTL_MS).toISOString(),
    });
  });

  it("reads a lender's and a notary's roles on chain", async () => {
    expect((await call("GET", "/auth/me", { cookie: await signIn(lender) })).body.roles).to.deep.equal(["lender"]);
    expect((await call("GET", "/auth/me", { cookie: await signIn(notary) })).body.roles).to.deep.equal(["notary"]);
    expect((await call("GET", "/auth/me", { cookie: await signIn(stranger) })).body.roles).to.deep.equal([]);
  });

  it("refuses a forged signature (another key signed the borrower's message)", async () => {
    const message = createSiweMessage({
      address: borrower.address,
      chainId: CHAIN_ID,
      domain: host(),
      uri: `${server.url}/`,
      version: "1",
      issuedAt: new Date(clock.ms),
      nonce: await nonce(),
    });
    await refused({ message, signature: await stranger.signMessage({ message }) }, "bad_signature");
    const good = await borrower.signMessage({ message });
    await refused({ message, signature: `${good.slice(0, -6)}000000` }, "bad_signature");
  });

  it("refuses a replayed message: its nonce is used", async () => {
    const body = await signed(borrower);
    expect((await call("POST", "/auth/verify", { body })).status).to.equal(200);
    await refused(body, "nonce_used");
  });

  it("gives one session for one message sent twice at once", async () => {
    const body = await signed(borrower);
    const before = counts();
    gate.holding = true;
    const pending = Promise.all([1, 2, 3].map(() => call("POST", "/auth/verify", { body })));
    for (let waited = 0; gate.waiting.length < 3 && waited < 5_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(gate.waiting).to.have.length(3);
    gate.holding = false;
    for (const release of gate.waiting.splice(0)) release();
    const answers = await pending;
    expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 401, 401]);
    expect(answers.filter((answer) => answer.status === 401).map((answer) => answer.body.error.code)).to.deep.equal([
      "nonce_used",
      "nonce_used",
    ]);
    expect(counts().sessions).to.equal(before.sessions + 1);
  });

  it("refuses a nonce this server did not issue, and an expired one", async () => {
    await refused(await signed(borrower, { nonce: generateSiweNonce() }), "unknown_nonce");
    const old = await nonce();
    clock.ms += NONCE_TTL_MS + 1;
    await refused(await signed(borrower, { nonce: old }), "nonce_expired");
  });

  it("refuses an expired message, one issued too long ago, and one not valid yet", async () => {
    await refused(await signed(borrower, { expirationTime: new Date(clock.ms - 1_000) }), "expired_message");
    await refused(await signed(borrower, { issuedAt: new Date(clock.ms - NONCE_TTL_MS - 1_000) }), "expired_message");
    await refused(await signed(borrower, { notBefore: new Date(clock.ms + 10 * 60_000) }), "not_yet_valid");
    await refused(await signed(borrower, { issuedAt: new Date(clock.ms + 10 * 60_000) }), "not_yet_valid");
  });

  it("refuses another domain, URI, scheme or chain", async () => {
    await refused(await signed(borrower, { domain: "evil.example" }), "wrong_domain");
    await refused(await signed(borrower, { domain: "localhost:1" }), "wrong_domain");
    await refused(await signed(borrower, { scheme: "https" }), "wrong_domain");
    await refused(await signed(borrower, { uri: "https://evil.example/" }), "wrong_uri");
    await refused(await signed(borrower, { chainId: 1 }), "wrong_chain");
  });

  it("refuses a message from another web origin (Origin header)", async () => {
    const before = counts();
    const answer = await call("POST", "/auth/verify", { body: await signed(borrower), origin: "https://evil.example" });
    expect([answer.status, answer.body.error.code]).to.deep.equal([401, "wrong_domain"]);
    expect(counts()).to.deep.equal(before);
  });

  it("refuses a malformed message (401) and a malformed body (400)", async () => {
    await refused({ message: "hello", signature: "0x00" }, "malformed_message");
    const { message, signature } = await signed(borrower);
    // EIP-4361 wants the EIP-55 checksum: one letter's case flipped breaks it.
    const flipped = borrower.address.replace(/[a-fA-F]/, (letter) =>
      letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase(),
    );
    await refused({ message: message.replace(borrower.address, flipped), signature }, "malformed_message");
    const before = counts();
    for (const body of [{}, { message }, { message, signature: "zz" }, { message, signature, extra: 1 }]) {
      const answer = await call("POST", "/auth/verify", { body });
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(answer.body.error.code).to.equal("bad_request");
    }
    expect(counts()).to.deep.equal(before);
  });

  it("refuses a missing, garbage or unknown cookie, and an expired session", async () => {
    expect((await call("GET", "/auth/me")).body.error.code).to.equal("no_credentials");
    for (const cookie of ["keeper_session=garbage", `keeper_session=${"A".repeat(43)}`, "keeper_session="]) {
      const answer = await call("GET", "/auth/me", { cookie });
      expect([answer.status, answer.body.error.code], cookie).to.deep.equal([401, "bad_session"]);
    }
    const cookie = await signIn(borrower);
    clock.ms += SESSION_TTL_MS - 1_000;
    expect((await call("GET", "/auth/me", { cookie })).status).to.equal(200);
    clock.ms += 1_000;
    const expired = await call("GET", "/auth/me", { cookie });
    expect([expired.status, expired.body.error.code]).to.deep.equal([401, "bad_session"]);
    expect(expired.setCookie[0]).to.match(/^keeper_session=;/);
  });

  it("logs out: the session is deleted, the cookie cleared, and it no longer works", async () => {
    const cookie = await signIn(borrower);
    const before = counts();
    const crossSite = await call("POST", "/auth/logout", { cookie, origin: "https://evil.example" });
    expect([crossSite.status, crossSite.body.error.code]).to.deep.equal([403, "bad_origin"]);
    expect(counts()).to.deep.equal(before);
    const answer = await call("POST", "/auth/logout", { cookie, origin: server.url });
    expect(answer.status).to.equal(204);
    expect(answer.setCookie[0]).to.match(/^keeper_session=;/);
    expect(counts().sessions).to.equal(before.sessions - 1);
    expect((await call("GET", "/auth/me", { cookie })).status).to.equal(401);
    expect((await call("POST", "/auth/logout")).status).to.equal(204);
  });
});

describe("roles and loan access", () => {
  it("shows a borrower its own loans only; another borrower's loan is 403", async () => {
    const cookie = await signIn(borrower);
    const mine = await call("GET", "/api/me/loans", { cookie });
    expect(mine.status).to.equal(200);
    expect(mine.body.loans.map((loan: { id: string }) => loan.id)).to.deep.equal(["1"]);
    expect((await call("GET", "/api/me/loans/1", { cookie })).status).to.equal(200);
    const theirs = await call("GET", "/api/me/loans/2", { cookie });
    expect([theirs.status, theirs.body.error.code]).to.deep.equal([403, "forbidden_loan"]);
    expect((await call("GET", "/api/me/loans/99", { cookie })).status).to.equal(404);
    expect((await call("GET", "/api/me/loans/1")).status).to.equal(401);
    const empty = await call("GET", "/api/me/loans", { cookie: await signIn(stranger) });
    expect(empty.body).to.include({ total: 0 });
  });

  it("shows a lender the loans whose claim it holds, a notary every loan", async () => {
    const lenderCookie = await signIn(lender);
    expect((await call("GET", "/api/me/loans/1", { cookie: lenderCookie })).status).to.equal(200);
    expect((await call("GET", "/api/me/loans/2", { cookie: lenderCookie })).status).to.equal(403);
    const notaryCookie = await signIn(notary);
    for (const id of [1, 2])
      expect((await call("GET", `/api/me/loans/${id}`, { cookie: notaryCookie })).status).to.equal(200);
    expect((await call("GET", "/api/me/loans/1", { token: OPERATOR_TOKEN })).status).to.equal(200);
    // /api/me/loans lists a signed-in address's own loans: an operator has none.
    expect((await call("GET", "/api/me/loans", { token: OPERATOR_TOKEN })).status).to.equal(403);
  });

  it("lets a lender, and an operator token, read the bank records; a borrower and anonymous callers not", async () => {
    for (const route of ["/bank/records", "/bank/quarantine"]) {
      expect((await call("GET", route)).status, route).to.equal(401);
      const borrowerAnswer = await call("GET", route, { cookie: await signIn(borrower) });
      expect([borrowerAnswer.status, borrowerAnswer.body.error.code]).to.deep.equal([403, "forbidden_role"]);
      expect((await call("GET", route, { cookie: await signIn(lender) })).status, route).to.equal(200);
      expect((await call("GET", route, { token: OPERATOR_TOKEN })).status, route).to.equal(200);
      expect((await call("GET", route, { token: `${OPERATOR_TOKEN}x` })).body.error.code).to.equal("bad_token");
    }
  });

  it("takes a revoked lender's access away once its cached roles expire", async () => {
    const revoked = account();
    chainRoles.set(revoked.address, new Set(["lender"]));
    const cookie = await signIn(revoked);
    expect((await call("GET", "/bank/records", { cookie })).status).to.equal(200);
    chainRoles.delete(revoked.address);
    clock.ms += ROLE_CACHE_MS - 1_000;
    expect((await call("GET", "/bank/records", { cookie })).status).to.equal(200); // still cached
    clock.ms += 1_000;
    const answer = await call("GET", "/bank/records", { cookie });
    expect([answer.status, answer.body.error.code]).to.deep.equal([403, "forbidden_role"]);
  });

  it("reads the chain once per address per cache window, and answers 503 when it cannot", async () => {
    const cookie = await signIn(lender);
    const reads = roleReads;
    await call("GET", "/bank/records", { cookie });
    await call("GET", "/auth/me", { cookie });
    expect(roleReads - reads).to.equal(3); // lender, notary, admin: once
    const down = account();
    const downCookie = await signIn(down);
    brokenChain.add(down.address);
    clock.ms += ROLE_CACHE_MS;
    const answer = await call("GET", "/auth/me", { cookie: downCookie });
    expect([answer.status, answer.body.error.code]).to.deep.equal([503, "roles_unavailable"]);
    brokenChain.delete(down.address);
    expect((await call("GET", "/auth/me", { cookie: downCookie })).status).to.equal(200);
  });

  it("refuses a signed-in write from another origin", async () => {
    const cookie = await signIn(lender);
    const answer = await call("POST", "/auth/logout", { cookie, origin: "null" });
    expect(answer.status).to.equal(403);
  });
});

describe("lender API keys", () => {
  const cli = async (...argv: string[]) => {
    let stdout = "";
    let stderr = "";
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    const code = await createApiKeyCommand({ env: {}, clock: () => clock.ms }).run([...argv, "--database", path], io);
    return { code, stdout, stderr };
  };
  const create = async (who: Address, name: string) => {
    const { code, stdout } = await cli("create", "--lender", who, "--name", name);
    expect(code).to.equal(0);
    const key = /^lk_[A-Za-z0-9_-]{43}$/m.exec(stdout)?.[0];
    expect(key, stdout).to.be.a("string");
    return { key: key as string, id: Number(/API key (\d+)/.exec(stdout)?.[1]) };
  };

  it("authenticates a lender's server with its key, until the key is revoked", async () => {
    const before = counts();
    const { key, id } = await create(lender.address, "erp");
    expect(counts().keys).to.equal(before.keys + 1);
    expect(reader.prepare("SELECT count(*) FROM api_keys WHERE key_hash = ?").pluck().get(key)).to.equal(0);
    expect((await call("GET", "/bank/records", { token: key })).status).to.equal(200);
    const me = await call("GET", "/auth/me", { token: key });
    expect(me.body).to.deep.equal({ address: getAddress(lender.address), roles: ["lender"], expiresAt: null });

    const list = await cli("list");
    expect(list.stdout).to.include(lender.address).and.include("erp").and.include("valid");
    expect(list.stdout).not.to.include(key);

    expect((await cli("revoke", String(id))).code).to.equal(0);
    const revoked = await call("GET", "/bank/records", { token: key });
    expect([revoked.status, revoked.body.error.code]).to.deep.equal([401, "bad_api_key"]);
    expect((await cli("list")).stdout).to.include("revoked");
    const again = await cli("revoke", String(id));
    expect(again.code).to.equal(2);
  });

  it("refuses an unknown or malformed key, and a key whose lender lost the role", async () => {
    const before = counts();
    for (const token of [`lk_${"A".repeat(43)}`, "lk_short", `lk_${"A".repeat(44)}`]) {
      const answer = await call("GET", "/bank/records", { token });
      expect([answer.status, answer.body.error.code], token).to.deep.equal([401, "bad_api_key"]);
    }
    expect(counts()).to.deep.equal(before);
    const { key } = await create(stranger.address, "no role");
    const answer = await call("GET", "/bank/records", { token: key });
    expect([answer.status, answer.body.error.code]).to.deep.equal([403, "forbidden_role"]);
  });

  it("gives a key the lender role only, never its address's others", async () => {
    const both = account();
    chainRoles.set(both.address, new Set(["notary", "lender"]));
    const { key } = await create(both.address, "both");
    expect((await call("GET", "/auth/me", { token: key })).body.roles).to.deep.equal(["lender"]);
    expect((await call("GET", "/api/me/loans/2", { token: key })).status).to.equal(403);
  });
});
