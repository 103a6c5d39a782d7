/** Query-parameter parsing and the 400 body shared by the keeper's routes. */
import type { Response } from "express";
import { z } from "zod";

export const DECIMAL = /^[0-9]+$/;

/**
 * A query parameter holding a decimal integer from `min` to `max`, as a number.
 *
 * @example
 * z.object({ limit: integerParameter("limit", 1, 500).optional() }).parse({ limit: "20" }); // { limit: 20 }
 */
export const integerParameter = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(DECIMAL, `${what} must be a decimal integer`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`));

/**
 * Answers 400 `{ error: { code: "bad_request", message, issues: [{ path, message }] } }` for a zod error.
 *
 * @example
 * if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
 */
export function badRequest(response: Response, message: string, error: z.ZodError, code = "bad_request"): void {
  const issues = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  response.status(400).json({ error: { code, message, issues } });
}
