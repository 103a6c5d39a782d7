/**
 * Operators' bearer tokens: `Authorization: Bearer <token>`, one token per named operator (`KEEPER_OPERATOR_TOKENS`).
 * Every token is compared in constant time, so the answer's timing tells nothing about which one came close. The
 * operator's name is kept on the request for the audit trail (who assigned a payment, who changed contact details).
 */
import type { NextFunction, Request, Response } from "express";
import { hashSecret, hashTokens, operatorOf } from "./auth/secrets.ts";

/** The operator a request was authenticated as: `response.locals.operator`. */
export interface OperatorLocals {
  operator: string;
}

/**
 * Express middleware: 503 `not_configured` without tokens, 401 `missing_token` / `bad_token` otherwise, else it
 * sets `response.locals.operator` and goes on.
 *
 * @example
 * router.post("/bank/records/:id/assign", requireOperator(config.operatorTokens), assign);
 */
export function requireOperator(tokens: Readonly<Record<string, string>>) {
  // Compared as hashes (one length): timingSafeEqual needs equal lengths, and a token's length must not leak either.
  const known = hashTokens(tokens);
  return (request: Request, response: Response, next: NextFunction): void => {
    if (known.length === 0) {
      response.status(503).json({
        error: { code: "not_configured", message: "No operator token is configured (KEEPER_OPERATOR_TOKENS)" },
      });
      return;
    }
    const header = request.get("authorization");
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header);
    if (match === null) {
      response.setHeader("WWW-Authenticate", 'Bearer realm="keeper"');
      response.status(401).json({
        error: { code: "missing_token", message: "An operator token is required: Authorization: Bearer <token>" },
      });
      return;
    }
    const operator = operatorOf(known, hashSecret(match[1]));
    if (operator === null) {
      response.setHeader("WWW-Authenticate", 'Bearer realm="keeper", error="invalid_token"');
      response.status(401).json({ error: { code: "bad_token", message: "The operator token is not valid" } });
      return;
    }
    (response.locals as OperatorLocals).operator = operator;
    next();
  };
}
