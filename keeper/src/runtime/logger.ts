/**
 * The keeper's structured logs: pino, one JSON object a line, on stdout unless a stream is given.
 *
 * Amounts, block numbers and loan ids are bigints. pino does not throw on them, but its fallback serialiser writes
 * them as bare JSON numbers, which every JSON reader rounds past 2^53. Here they are written as decimal strings,
 * wherever they are: in the logged object, in a child's bindings (`child({ loanId })`), or on an error.
 */
import { pino, stdSerializers, type Bindings, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config.ts";

export type { Logger } from "pino";

export interface CreateLoggerParameters {
  level: LogLevel;
  /** A `name` field on every line, e.g. the component. */
  name?: string;
  /** Where the lines go: stdout unless given (tests pass a stream they read back). */
  destination?: DestinationStream;
}

/**
 * A pino logger with `{ service: "keeper" }` on every line and bigints as decimal strings.
 *
 * @example
 * const logger = createLogger({ level: config.logLevel });
 * logger.child({ loanId: 7n }).info({ owed: 1_000_000n }, "late mark sent");
 * // {"level":30,"time":...,"service":"keeper","loanId":"7","owed":"1000000","msg":"late mark sent"}
 */
export function createLogger({ level, name, destination }: CreateLoggerParameters): Logger {
  const options = {
    level,
    ...(name === undefined ? {} : { name }),
    base: { service: "keeper" },
    formatters: {
      log: (object: Record<string, unknown>) => jsonSafe(object) as Record<string, unknown>,
    },
    // The error serialiser copies an error's own fields (viem's carry bigints); they are converted after it.
    serializers: { err: (error: Error) => jsonSafe(stdSerializers.err(error)) },
  };
  const logger = destination === undefined ? pino(options) : pino(options, destination);
  // pino applies `formatters.bindings` to the root's bindings only (children get an identity formatter), so the
  // bindings of every descendant are converted here: children look `child` up on their parent, up to this one.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, jsonSafe(bindings) as Bindings, childOptions);
  } as Logger["child"];
  return logger;
}

/**
 * `value` with every bigint replaced by its decimal string, in plain objects and arrays at any depth. Other objects
 * (errors, dates, buffers) are kept as they are, for pino's serialisers; a cycle is cut at `"[Circular]"`.
 *
 * @example
 * jsonSafe({ id: 1n, ids: [2n] }); // { id: "1", ids: ["2"] }
 */
export function jsonSafe(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === null) return value;
  const isArray = Array.isArray(value);
  // Plain: made by `{}`, `Object.create(null)` or `Object.create(someObject)` (pino's serialised errors).
  const isPlain = isArray || Object.getPrototypeOf(value) === null || value.constructor === Object;
  if (!isPlain) return value;
  // Only the objects above this one count: the same object twice side by side is not a cycle.
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  try {
    if (isArray) return value.map((item) => jsonSafe(item, seen));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = jsonSafe(item, seen);
    return copy;
  } finally {
    seen.delete(value);
  }
}
