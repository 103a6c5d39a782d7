/**
 * Who is asking, and may they: express middleware for the web app's routes and the lenders' servers.
 *
 * A request authenticates with one of:
 * - the session cookie set by `POST /auth/verify` (Sign-In with Ethereum, `signIn.ts`): the signed-in address;
 * - `Authorization: Bearer lk_...`, a lender's API key (`loanbook api-key create`): that lender's address, with the
 *   lender role only, and only while the address holds LENDER_ROLE on chain;
 * - `Authorization: Bearer <operator token>` (`KEEPER_OPERATOR_TOKENS`): an operator of the lender's, accepted
 *   wherever the lender role is.
 * Roles are read at request time (`roles.ts`), so a revoked role stops working within the role cache's window.
 * A signed-in browser's writes (any method but GET, HEAD and OPTIONS) must also come from one of the web app's
 * origins (`Origin` header): the SameSite=Strict cookie is the first guard against cross-site requests, this the
 * second.
 *
 * Refusals: 401 `no_credentials`, `bad_session` (unknown or expired cookie, which is cleared), `bad_api_key`,
 * `bad_token`; 403 `bad_origin`, `wrong_principal` (a route for a signed-in address, asked by an operator token),
 * `forbidden_role`, `forbidden_loan`; 404 `unknown_loan`; 503 `roles_unavailable` (the chain could not be read).
 */
import type { NextFunction, Request, Response } from "express";
import type { Address } from "viem";
import type { Store } from "../../adapters/store/openStore.ts";
import type { LoanRecord } from "../../adapters/store/types.ts";
import type { ResolveRoles, Role } from "./roles.ts";
import { API_KEY_PREFIX, hashSecret, hashTokens, operatorOf, sameHash } from "./secrets.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "keeper_session";

/** Who a request was authenticated as: `response.locals.principal`. */
export type Principal =
  | { readonly kind: "session"; readonly address: Address; readonly roles: Role[]; readonly expiresAtMs: number }
  | { readonly kind: "apiKey"; readonly address: Address; readonly roles: Role[]; readonly keyId: number }
  | { readonly kind: "operator"; readonly operator: string };

export interface AuthLocals {
  principal: Principal;
  /** Set by `requireLoanAccess`: the loan the request is about. */
  loan?: LoanRecord;
}

export interface CreateAuthParameters {
  readonly store: Pick<Store, "sessions" | "getLoan">;
  readonly resolveRoles: ResolveRoles;
  /** Operator name → bearer token; accepted where the lender role is required. */
  readonly operatorTokens: Readonly<Record<string, string>>;
  /** Wall clock, unix ms. */
  readonly clock: () => number;
  /** The web app's origins (`https://loans.example.com`), read per request. */
  readonly origins: () => readonly string[];
}

export interface Auth {
  /** Any authenticated caller with an address (a session or an API key). */
  readonly requireSession: Middleware;
  /** A caller holding one of `roles` (an operator token counts as a lender). */
  requireRole(...roles: readonly Exclude<Role, "borrower">[]): Middleware;
  /**
   * A caller who may see loan `loanIdOf(request)`: its borrower, the lender holding its claim, a notary, an admin or
   * an operator; the loan is kept in `response.locals.loan`. Null from `loanIdOf`: 404.
   */
  requireLoanAccess(loanIdOf: (request: Request) => bigint | null): Middleware;
  /** Verifies the session cookie of `request`; undefined when there is none or it is not valid. */
  sessionOf(request: Request): { idHash: string; address: Address; expiresAtMs: number } | undefined;
}

type Middleware = (request: Request, response: Response, next: NextFunction) => Promise<void>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const BEARER = /^Bearer ([\x21-\x7e]+)$/;
/** `lk_` and 43 base64url characters (32 bytes). */
const API_KEY = /^lk_[A-Za-z0-9_-]{43}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const fail = (response: Response, status: number, code: string, message: string): void => {
  response.status(status).json({ error: { code, message } });
};

/** The value of cookie `name` in the request's Cookie header (the first one), if any. */
export function cookieOf(request: Request, name: string): string | undefined {
  const header = request.get("cookie");
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Whether the request's Origin, when it has one, is one of the web app's. */
export const originAllowed = (request: Request, origins: readonly string[]): boolean => {
  const origin = request.get("origin");
  return origin === undefined || origins.includes(origin);
};

/**
 * The authentication middleware over the store's sessions and API keys and the on-chain roles.
 *
 * @example
 * const auth = createAuth({ store, resolveRoles, operatorTokens: config.operatorTokens, clock: Date.now, origins });
 * app.get("/bank/records", auth.requireRole("lender", "admin"), listRecords);
 * app.get("/api/me/loans/:id", auth.requireLoanAccess((request) => BigInt(request.params.id)), showLoan);
 */
export function createAuth(parameters: CreateAuthParameters): Auth {
  const { store, resolveRoles, clock, origins } = parameters;
  const operators = hashTokens(parameters.operatorTokens);

  const sessionOf: Auth["sessionOf"] = (request) => {
    const id = cookieOf(request, SESSION_COOKIE);
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const idHash = hashSecret(id);
    const session = store.sessions.getSession(idHash, clock());
    return session === undefined ? undefined : { idHash, address: session.address, expiresAtMs: session.expiresAtMs };
  };

  /** The principal (also kept in `response.locals`), or undefined once a refusal was sent. */
  const authenticate = async (request: Request, response: Response): Promise<Principal | undefined> => {
    const locals = response.locals as Partial<AuthLocals>;
    if (locals.principal !== undefined) return locals.principal;
    const header = request.get("authorization");
    let principal: Principal;
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        response.setHeader("WWW-Authenticate", 'Bearer realm="keeper"');
        fail(response, 401, "bad_token", "The Authorization header must be: Bearer <token>");
        return undefined;
      }
      const presented = hashSecret(token);
      if (token.startsWith(API_KEY_PREFIX)) {
        const key = API_KEY.test(token) ? store.sessions.getApiKeyByHash(presented) : undefined;
        if (key === undefined || !sameHash(key.keyHash, presented)) {
          response.setHeader("WWW-Authenticate", 'Bearer realm="keeper", error="invalid_token"');
          fail(response, 401, "bad_api_key", "The API key is not valid (unknown or revoked)");
          return undefined;
        }
        const roles = await rolesOf(key.lender, response);
        if (roles === undefined) return undefined;
        // A lender's key acts as that lender, never as the address's other roles.
        principal = { kind: "apiKey", address: key.lender, roles: roles.filter((r) => r === "lender"), keyId: key.id };
      } else {
        const operator = operatorOf(operators, presented);
        if (operator === null) {
          response.setHeader("WWW-Authenticate", 'Bearer realm="keeper", error="invalid_token"');
          fail(response, 401, "bad_token", "The bearer token is not valid");
          return undefined;
        }
        principal = { kind: "operator", operator };
      }
    } else {
      if (cookieOf(request, SESSION_COOKIE) === undefined) {
        fail(response, 401, "no_credentials", "Sign in first (POST /auth/verify), or send an API key");
        return undefined;
      }
      const session = sessionOf(request);
      if (session === undefined) {
        response.clearCookie(SESSION_COOKIE, { path: "/" });
        fail(response, 401, "bad_session", "The session is unknown or has expired: sign in again");
        return undefined;
      }
      if (!SAFE_METHODS.has(request.method) && !originAllowed(request, origins())) {
        fail(response, 403, "bad_origin", "A signed-in write must come from the web app's own origin");
        return undefined;
      }
      const roles = await rolesOf(session.address, response);
      if (roles === undefined) return undefined;
      principal = { kind: "session", address: session.address, roles, expiresAtMs: session.expiresAtMs };
    }
    locals.principal = principal;
    return principal;
  };

  const rolesOf = async (address: Address, response: Response): Promise<Role[] | undefined> => {
    try {
      return await resolveRoles(address);
    } catch {
      fail(response, 503, "roles_unavailable", "The roles could not be read from the chain; try again");
      return undefined;
    }
  };

  return {
    sessionOf,
    requireSession: async (request, response, next) => {
      const principal = await authenticate(request, response);
      if (principal === undefined) return;
      if (principal.kind === "operator") {
        return fail(response, 403, "wrong_principal", "This route is for a signed-in address, not an operator");
      }
      next();
    },
    requireRole(...roles) {
      return async (request, response, next) => {
        const principal = await authenticate(request, response);
        if (principal === undefined) return;
        const allowed =
          principal.kind === "operator"
            ? roles.includes("lender")
            : principal.roles.some((role) => (roles as readonly Role[]).includes(role));
        if (!allowed) return fail(response, 403, "forbidden_role", `This route needs the role ${roles.join(" or ")}`);
        next();
      };
    },
    requireLoanAccess(loanIdOf) {
      return async (request, response, next) => {
        const principal = await authenticate(request, response);
        if (principal === undefined) return;
        const id = loanIdOf(request);
        const loan = id === null ? undefined : store.getLoan(id);
        if (loan === undefined) return fail(response, 404, "unknown_loan", "No loan has that id");
        if (!mayAccess(principal, loan)) {
          return fail(response, 403, "forbidden_loan", `Loan ${loan.id} is not one of yours`);
        }
        (response.locals as AuthLocals).loan = loan;
        next();
      };
    },
  };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether `principal` may see `loan`. */
function mayAccess(principal: Principal, loan: LoanRecord): boolean {
  if (principal.kind === "operator") return true;
  if (principal.roles.includes("notary") || principal.roles.includes("admin")) return true;
  if (principal.roles.includes("lender") && same(loan.claimHolder, principal.address)) return true;
  // A session's address is its borrower whether or not it holds other roles; a lender's key never is.
  return principal.kind === "session" && same(loan.borrower, principal.address);
}
