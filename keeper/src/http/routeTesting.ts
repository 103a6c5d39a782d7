/**
 * For route tests: one router served alone on a loopback port, set up as `createHttpServer` sets up the app (bigints
 * as decimal strings, a body parser's refusal as a 400), behind a stand-in for `createAuth` whose caller is named by
 * an `x-principal` header: `0xADDRESS:role,role`, or `operator:name`; no header is no session (401).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { Address } from "viem";
import type { Auth, Principal } from "./auth/requireAuth.ts";
import type { Role } from "./auth/roles.ts";

const principalOf = (request: Request): Principal | undefined => {
  const header = request.get("x-principal");
  if (header === undefined) return undefined;
  const [who, roles = ""] = header.split(":");
  if (who === "operator") return { kind: "operator", operator: roles };
  const list = roles === "" ? [] : (roles.split(",") as Role[]);
  return { kind: "session", address: who as Address, roles: list, expiresAtMs: Number.POSITIVE_INFINITY };
};

/** `createAuth`'s checks of roles and sessions, on the `x-principal` header. */
export function headerAuth(): Auth {
  const authenticate = (request: Request, response: Response): Principal | undefined => {
    const principal = principalOf(request);
    if (principal === undefined) response.status(401).json({ error: { code: "no_session" } });
    else response.locals.principal = principal;
    return principal;
  };
  return {
    requireSession: async (request, response, next) => {
      const principal = authenticate(request, response);
      if (principal === undefined) return;
      if (principal.kind === "operator") return void response.status(403).json({ error: { code: "wrong_principal" } });
      next();
    },
    requireRole:
      (...roles) =>
      async (request, response, next) => {
        const principal = authenticate(request, response);
        if (principal === undefined) return;
        const allowed =
          principal.kind === "operator"
            ? roles.includes("lender")
            : principal.roles.some((r) => roles.includes(r as never));
        if (!allowed) return void response.status(403).json({ error: { code: "forbidden_role" } });
        next();
      },
    requireLoanAccess: () => async (_request, response) => void response.status(501).end(),
    sessionOf: () => undefined,
  };
}

export interface ServedRouter {
  readonly base: string;
  /** `fetch` with an optional principal and a JSON body (a string is sent as it is); the status and parsed body. */
  call(method: string, path: string, principal?: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Serves `router` alone on 127.0.0.1. */
export async function serveRouter(router: Router): Promise<ServedRouter> {
  const app = express();
  app.set("json replacer", (_key: string, value: unknown) => (typeof value === "bigint" ? String(value) : value));
  app.use(router);
  app.use((error: { status?: number }, _request: Request, response: Response, _next: NextFunction) => {
    response.status(error.status ?? 500).json({ error: { code: "bad_request" } });
  });
  const server = createServer(app).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    async call(method, path, principal, body) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (principal !== undefined) headers["x-principal"] = principal;
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const response = await fetch(base + path, { method, headers, body: payload });
      const text = await response.text();
      return { status: response.status, body: text === "" ? null : JSON.parse(text) };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
