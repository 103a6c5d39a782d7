/**
 * Sign-In with Ethereum (EIP-4361) for the web app:
 * - `GET /auth/nonce` → `{ nonce, expiresAt }`: a fresh single-use nonce, valid `NONCE_TTL_MS` (429 `too_many_nonces`
 *   while `MAX_LIVE_NONCES` wait; expired nonces and sessions are swept when one is issued);
 * - `POST /auth/verify` `{ message, signature }` → `{ address, expiresAt }` and the session cookie;
 * - `POST /auth/logout` → 204, the session deleted and its cookie cleared;
 * - `GET /auth/me` → `{ address, roles, expiresAt }` (roles read on chain now, `roles.ts`).
 *
 * `POST /auth/verify` checks, in this order, and writes nothing unless every check passes (401 with the code):
 * the message parses with every required field (`malformed_message`); its domain is one of the web app's origins'
 * host and the request's Host (`wrong_domain`), its URI on that origin (`wrong_uri`); its chain id is the keeper's
 * (`wrong_chain`); it has not expired (expirationTime, or issuedAt older than the nonce lifetime: `expired_message`)
 * and is valid already (notBefore, issuedAt: `not_yet_valid`); its nonce was issued here (`unknown_nonce`), is
 * unused (`nonce_used`) and unexpired (`nonce_expired`); the signature is the address's (`bad_signature`, EOA or
 * ERC-1271 / ERC-6492 smart wallet through viem's `verifySiweMessage`). The nonce is then burned and the session
 * stored in one SQLite transaction, so a message is good for one session only, even when sent twice at once.
 *
 * The session id is 32 random bytes (base64url) held only as its SHA-256 hash; the cookie is HttpOnly,
 * SameSite=Strict, Path=/, Secure when the origin is https, and lasts `SESSION_TTL_MS`.
 */
import express, { Router } from "express";
import { getAddress, isAddress, type Address, type Hex, type PublicClient } from "viem";
import { generateSiweNonce, parseSiweMessage, verifySiweMessage } from "viem/siwe";
import type { Logger } from "pino";
import { z } from "zod";
import type { Store } from "../../adapters/store/openStore.ts";
import { badRequest } from "../validation.ts";
import { cookieOf, originAllowed, SESSION_COOKIE, type Auth, type AuthLocals } from "./requireAuth.ts";
import { hashSecret, newSessionId } from "./secrets.ts";

/** How long a nonce may wait for its signed message (wall clock, ms). */
export const NONCE_TTL_MS = 10 * 60_000;
/** How long a session lasts. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** Clock difference tolerated between the wallet and the keeper for issuedAt and notBefore. */
export const CLOCK_SKEW_MS = 60_000;
/** Nonces waiting for their message at once, at most: past it `GET /auth/nonce` answers 429 (anyone may ask one). */
export const MAX_LIVE_NONCES = 10_000;
/** The longest message and signature accepted (an ERC-6492 signature carries a deployment, hence the room). */
const MAX_MESSAGE_LENGTH = 4_096;
const MAX_SIGNATURE_LENGTH = 16_384;

/** Whether `signature` over the EIP-4361 `message` is `address`'s. */
export type VerifySignature = (parameters: { address: Address; message: string; signature: Hex }) => Promise<boolean>;

/**
 * `VerifySignature` through the chain: an EOA's signature is recovered, a smart wallet's checked by ERC-1271 or
 * ERC-6492 (viem's `verifySiweMessage`, whose own field checks `signIn.ts` has already made).
 *
 * @example
 * const verifySignature = createChainSignatureVerifier(client);
 */
export const createChainSignatureVerifier =
  (client: PublicClient): VerifySignature =>
  ({ address, message, signature }) =>
    verifySiweMessage(client, { address, message, signature });

export interface CreateSignInRouterParameters {
  readonly store: Pick<Store, "sessions" | "transaction">;
  readonly auth: Auth;
  /** The keeper's chain: a message for another chain is refused. */
  readonly chainId: number;
  readonly verifySignature: VerifySignature;
  /** The web app's origins (`https://loans.example.com`), read per request. */
  readonly origins: () => readonly string[];
  /** Wall clock, unix ms. */
  readonly clock: () => number;
  readonly logger: Logger;
  /** Default `MAX_LIVE_NONCES`. */
  readonly maxLiveNonces?: number;
}

const verifyBody = z
  .object({
    message: z.string({ message: "message must be the EIP-4361 text" }).min(1).max(MAX_MESSAGE_LENGTH),
    signature: z
      .string({ message: "signature must be 0x-prefixed hex" })
      .max(MAX_SIGNATURE_LENGTH)
      .regex(/^0x(?:[0-9a-fA-F]{2})+$/, "signature must be 0x-prefixed hex"),
  })
  .strict();

/** A refused sign-in: its code and why. */
class SignInRefusal extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The `/auth/*` routes, mounted by `createHttpServer`.
 *
 * @example
 * app.use(createSignInRouter({ store, auth, chainId, verifySignature, origins, clock: Date.now, logger }));
 */
export function createSignInRouter(parameters: CreateSignInRouterParameters): Router {
  const { store, auth, chainId, verifySignature, origins, clock, logger } = parameters;
  const router = Router();
  const json = express.json({ limit: "32kb", type: () => true });

  const maxLiveNonces = parameters.maxLiveNonces ?? MAX_LIVE_NONCES;

  router.get("/auth/nonce", (_request, response) => {
    const now = clock();
    if (store.sessions.liveNonceCount(now) >= maxLiveNonces) {
      logger.warn({ maxLiveNonces }, "sign-in nonce refused: too many waiting");
      response.set("Retry-After", "60");
      response
        .status(429)
        .json({ error: { code: "too_many_nonces", message: "Too many sign-ins under way: retry later" } });
      return;
    }
    const nonce = generateSiweNonce();
    store.sessions.insertNonce(nonce, now + NONCE_TTL_MS, now);
    response.set("Cache-Control", "no-store").json({ nonce, expiresAt: new Date(now + NONCE_TTL_MS).toISOString() });
  });

  router.post("/auth/verify", json, async (request, response) => {
    const body = verifyBody.safeParse(request.body ?? {});
    if (!body.success) return badRequest(response, 'The body must be { "message", "signature" }', body.error);
    const { message } = body.data;
    const signature = body.data.signature as Hex;
    const now = clock();
    let signed: { address: Address; origin: string; nonce: string };
    try {
      signed = checkMessage(message, request.get("host"), request.get("origin"), now);
      const nonce = store.sessions.checkNonce(signed.nonce, now);
      if (nonce !== "ok") throw nonceRefusal(nonce);
      let valid: boolean;
      try {
        valid = await verifySignature({ address: signed.address, message, signature });
      } catch (error) {
        logger.warn({ err: error, address: signed.address }, "sign-in signature check failed");
        valid = false;
      }
      if (!valid) throw new SignInRefusal("bad_signature", "The signature is not the address's");
    } catch (error) {
      if (!(error instanceof SignInRefusal)) throw error;
      logger.warn({ code: error.code, reason: error.message }, "sign-in refused");
      response.status(401).json({ error: { code: error.code, message: error.message } });
      return;
    }

    const id = newSessionId();
    const at = clock();
    const expiresAtMs = at + SESSION_TTL_MS;
    const burned = store.transaction(() => {
      const result = store.sessions.consumeNonce(signed.nonce, at);
      if (result === "ok")
        store.sessions.insertSession({ idHash: hashSecret(id), address: signed.address, expiresAtMs }, at);
      return result;
    });
    if (burned !== "ok") {
      const refusal = nonceRefusal(burned);
      logger.warn({ code: refusal.code, address: signed.address }, "sign-in refused");
      response.status(401).json({ error: { code: refusal.code, message: refusal.message } });
      return;
    }
    response.cookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: "strict",
      path: "/",
      secure: signed.origin.startsWith("https:"),
      maxAge: SESSION_TTL_MS,
    });
    logger.info({ address: signed.address }, "signed in");
    response.set("Cache-Control", "no-store").json({
      address: signed.address,
      expiresAt: new Date(expiresAtMs).toISOString(),
    });
  });

  router.post("/auth/logout", (request, response) => {
    if (!originAllowed(request, origins())) {
      response.status(403).json({ error: { code: "bad_origin", message: "Sign out from the web app's own origin" } });
      return;
    }
    const session = cookieOf(request, SESSION_COOKIE) === undefined ? undefined : auth.sessionOf(request);
    if (session !== undefined) {
      store.sessions.deleteSession(session.idHash);
      logger.info({ address: session.address }, "signed out");
    }
    response.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "strict" });
    response.status(204).end();
  });

  router.get("/auth/me", auth.requireSession, (_request, response) => {
    const { principal } = response.locals as AuthLocals;
    if (principal.kind === "operator") return; // requireSession lets no operator through
    response.set("Cache-Control", "no-store").json({
      address: principal.address,
      roles: principal.roles,
      expiresAt: principal.kind === "session" ? new Date(principal.expiresAtMs).toISOString() : null,
    });
  });

  /** The message's fields checked against this server, chain and time; throws a `SignInRefusal`. */
  function checkMessage(message: string, host: string | undefined, requestOrigin: string | undefined, now: number) {
    let fields: ReturnType<typeof parseSiweMessage>;
    try {
      fields = parseSiweMessage(message);
    } catch {
      fields = {};
    }
    const { address, domain, uri, nonce, issuedAt } = fields;
    if (
      address === undefined ||
      domain === undefined ||
      uri === undefined ||
      nonce === undefined ||
      fields.chainId === undefined ||
      fields.version !== "1" ||
      issuedAt === undefined ||
      Number.isNaN(issuedAt.getTime()) ||
      !URL.canParse(uri) ||
      !isAddress(address, { strict: true })
    ) {
      throw new SignInRefusal("malformed_message", "The message is not an EIP-4361 message with every required field");
    }
    const origin = origins().find((allowed) => new URL(allowed).host === domain);
    if (origin === undefined || host !== domain || (requestOrigin !== undefined && requestOrigin !== origin)) {
      throw new SignInRefusal("wrong_domain", `The message is for ${JSON.stringify(domain)}, not this site`);
    }
    if (fields.scheme !== undefined && `${fields.scheme}:` !== new URL(origin).protocol) {
      throw new SignInRefusal("wrong_domain", `The message's scheme ${fields.scheme} is not this site's`);
    }
    if (new URL(uri).origin !== origin) {
      throw new SignInRefusal("wrong_uri", `The message's URI is not on ${origin}`);
    }
    if (fields.chainId !== chainId) {
      throw new SignInRefusal("wrong_chain", `The message is for chain ${fields.chainId}, the keeper's is ${chainId}`);
    }
    const { expirationTime, notBefore } = fields;
    if (
      (expirationTime !== undefined && !(expirationTime.getTime() > now)) ||
      issuedAt.getTime() < now - NONCE_TTL_MS
    ) {
      throw new SignInRefusal("expired_message", "The message has expired: sign a new one");
    }
    if (
      issuedAt.getTime() > now + CLOCK_SKEW_MS ||
      (notBefore !== undefined && !(notBefore.getTime() <= now + CLOCK_SKEW_MS))
    ) {
      throw new SignInRefusal("not_yet_valid", "The message is not valid yet");
    }
    return { address: getAddress(address), origin, nonce };
  }

  return router;
}

function nonceRefusal(found: "unknown" | "used" | "expired"): SignInRefusal {
  if (found === "unknown") return new SignInRefusal("unknown_nonce", "The nonce was not issued by this server");
  if (found === "used") return new SignInRefusal("nonce_used", "The nonce was used already: sign a new message");
  return new SignInRefusal("nonce_expired", "The nonce has expired: sign a new message");
}
