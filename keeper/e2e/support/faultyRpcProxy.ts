import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * How a dropped request fails, as a client sees it:
 * - `destroySocket`: the connection is closed without an answer (the request never reached the node);
 * - `httpError`: the proxy answers HTTP 502 or 503 (the request never reached the node);
 * - `forwardThenDrop`: the node receives and executes the request, then the connection is closed before its answer
 *   reaches the client. For `eth_sendRawTransaction` the transaction is in the node's mempool, and the client does
 *   not know it.
 */
export type DropMode = "destroySocket" | "httpError" | "forwardThenDrop";

export const dropModes: readonly DropMode[] = ["destroySocket", "httpError", "forwardThenDrop"];

/** The proxy's fault settings; `setFaults` changes any of them while the proxy runs. */
export interface FaultSettings {
  /** Probability in [0, 1] that a request is dropped. */
  dropRate: number;
  /** Probability in [0, 1] that a request that is not dropped is forwarded late. */
  delayRate: number;
  /** A delayed request waits a uniform random 0..maxDelayMs milliseconds before it is forwarded. */
  maxDelayMs: number;
  /** The drop modes to choose from, uniformly; all of them by default. */
  modes: readonly DropMode[];
  /**
   * When set, faults apply only to requests whose body (or one of whose batch entries) calls one of these JSON-RPC
   * methods; other requests are forwarded at once. Unset by default: every request may fail.
   */
  methods: readonly string[] | undefined;
}

export interface StartFaultyRpcProxyParameters extends Partial<Pick<FaultSettings, "modes" | "methods">> {
  /** The JSON-RPC node's URL; every request is POSTed (or sent with its own HTTP method) to exactly this URL. */
  target: string;
  dropRate: number;
  delayRate: number;
  maxDelayMs: number;
  /** Seed of the PRNG that decides each request's fate; the same seed and request order give the same fates. */
  seed?: number | undefined;
  /** Loopback only: `127.0.0.1` by default. */
  host?: string | undefined;
  /** `0` (any free port) by default. */
  port?: number | undefined;
}

/**
 * Counters since the start. Every POST is counted in `requests` when it arrives, then in exactly one of `dropped`,
 * `forwarded` or `upstreamErrors` when it is settled; `delayed` counts the forwarded requests that were held back.
 */
export interface FaultyRpcProxyStats {
  requests: number;
  dropped: number;
  delayed: number;
  forwarded: number;
  /** The target could not be reached; the client got HTTP 502 with an `upstream error` body. */
  upstreamErrors: number;
  droppedByMode: Record<DropMode, number>;
}

/** What the proxy decided for one POST, in arrival order. */
export interface FaultyRpcProxyEvent {
  /** 1 for the first POST. */
  seq: number;
  /** The JSON-RPC methods in the body (several for a batch; empty when the body is not JSON-RPC). */
  methods: string[];
  fault: "none" | "delay" | DropMode;
  /** For `delay`. */
  delayMs?: number;
  /** For `httpError`. */
  status?: number;
}

export interface FaultyRpcProxy {
  /** `http://127.0.0.1:<port>`: give it to the client instead of the target. */
  url: string;
  stats(): FaultyRpcProxyStats;
  /** Every decision so far, oldest first. */
  history(): readonly FaultyRpcProxyEvent[];
  setFaults(settings: Partial<FaultSettings>): void;
  /** Stops listening, cancels delayed requests and closes every connection. */
  close(): Promise<void>;
}

interface UpstreamAnswer {
  status: number;
  /** Only the headers that describe the body. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Drawn for every POST, whatever its fate, so that a request's fate depends only on the seed and its rank. */
const DRAWS_PER_REQUEST = 5;
const INJECTED_STATUSES = [502, 503] as const;
const STATUS_TEXT: Record<number, string> = { 502: "Bad Gateway", 503: "Service Unavailable" };
// Hop-by-hop headers (RFC 9110 section 7.6.1) and those the proxy sets itself.
const UNFORWARDED_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
]);

/**
 * An HTTP JSON-RPC proxy on loopback that drops and delays requests to a real node, to test a client's retries and
 * idempotence. Bodies go through byte for byte, and the target's status and body come back unchanged; any method
 * passes (`hardhat_*`, `evm_*` too). A seeded PRNG decides each POST's fate in arrival order: send requests one at a
 * time for a reproducible sequence. Other HTTP methods are forwarded without faults and are not counted.
 *
 * @example
 * const proxy = await startFaultyRpcProxy({
 *   target: "http://127.0.0.1:8545",
 *   dropRate: 0.2,
 *   delayRate: 0.1,
 *   maxDelayMs: 500,
 *   seed: 7,
 * });
 * const client = createPublicClient({ transport: http(proxy.url, { retryCount: 5 }) });
 * // Every transaction reaches the node, and no sender learns its hash:
 * proxy.setFaults({ dropRate: 1, modes: ["forwardThenDrop"], methods: ["eth_sendRawTransaction"] });
 * await proxy.close();
 */
export async function startFaultyRpcProxy(parameters: StartFaultyRpcProxyParameters): Promise<FaultyRpcProxy> {
  const target = new URL(parameters.target);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new Error(`startFaultyRpcProxy: target must be an http(s) URL, got ${parameters.target}`);
  }
  const faults: FaultSettings = {
    dropRate: parameters.dropRate,
    delayRate: parameters.delayRate,
    maxDelayMs: parameters.maxDelayMs,
    modes: parameters.modes ?? dropModes,
    methods: parameters.methods,
  };
  validate(faults);

  const random = mulberry32(parameters.seed ?? 1);
  const secure = target.protocol === "https:";
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  /** Delayed requests, each with the function that cancels it on close. */
  const pending = new Map<NodeJS.Timeout, () => void>();
  const events: FaultyRpcProxyEvent[] = [];
  const counters = {
    requests: 0,
    dropped: 0,
    delayed: 0,
    forwarded: 0,
    upstreamErrors: 0,
    droppedByMode: { destroySocket: 0, httpError: 0, forwardThenDrop: 0 },
  };
  let closed = false;

  /** Sends the body to the target and resolves with its full answer. */
  function forward(req: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !UNFORWARDED_HEADERS.has(name)) headers[name] = value;
    }
    headers["content-length"] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = send(target, { method: req.method, headers, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("error", reject);
        answer.on("end", () => {
          const kept: Record<string, string> = {};
          for (const name of ["content-type", "content-encoding"]) {
            const value = answer.headers[name];
            if (typeof value === "string") kept[name] = value;
          }
          resolve({ status: answer.statusCode ?? 502, headers: kept, body: Buffer.concat(chunks) });
        });
      });
      upstream.on("error", reject);
      upstream.end(body);
    });
  }

  async function relay(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
  ): Promise<"forwarded" | "upstreamError"> {
    try {
      const answer = await forward(req, body);
      if (!res.destroyed) {
        res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.length });
        res.end(answer.body);
      }
      return "forwarded";
    } catch (error) {
      if (!res.destroyed) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`upstream error: ${(error as Error).message}`);
      }
      return "upstreamError";
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (req.method !== "POST") {
      await relay(req, res, body);
      return;
    }
    counters.requests += 1;
    const seq = counters.requests;
    const methods = jsonRpcMethods(body);
    // Always the same number of draws, so that one request's fate does not shift the next one's.
    const [dropRoll, modeRoll, delayRoll, delayAmount, statusRoll] = Array.from({ length: DRAWS_PER_REQUEST }, random);
    const eligible = faults.methods === undefined || methods.some((method) => faults.methods!.includes(method));

    if (eligible && dropRoll! < faults.dropRate) {
      const mode = faults.modes[Math.floor(modeRoll! * faults.modes.length)]!;
      counters.dropped += 1;
      counters.droppedByMode[mode] += 1;
      if (mode === "destroySocket") {
        events.push({ seq, methods, fault: mode });
        req.socket.destroy();
      } else if (mode === "httpError") {
        const status = INJECTED_STATUSES[Math.floor(statusRoll! * INJECTED_STATUSES.length)]!;
        events.push({ seq, methods, fault: mode, status });
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(STATUS_TEXT[status]);
      } else {
        events.push({ seq, methods, fault: mode });
        // The node executes the request; its answer is thrown away with the connection.
        await forward(req, body).catch(() => undefined);
        req.socket.destroy();
      }
      return;
    }

    if (eligible && delayRoll! < faults.delayRate) {
      const delayMs = Math.floor(delayAmount! * (faults.maxDelayMs + 1));
      events.push({ seq, methods, fault: "delay", delayMs });
      counters.delayed += 1;
      const fired = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          resolve(true);
        }, delayMs);
        pending.set(timer, () => resolve(false));
      });
      if (!fired) return;
    } else {
      events.push({ seq, methods, fault: "none" });
    }
    const outcome = await relay(req, res, body);
    if (outcome === "forwarded") counters.forwarded += 1;
    else counters.upstreamErrors += 1;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });

  const host = parameters.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(parameters.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    stats: () => ({ ...counters, droppedByMode: { ...counters.droppedByMode } }),
    history: () => events.map((event) => ({ ...event, methods: [...event.methods] })),
    setFaults(settings) {
      const next = { ...faults, ...settings };
      validate(next);
      Object.assign(faults, next);
    },
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const [timer, cancel] of pending) {
        clearTimeout(timer);
        cancel();
      }
      pending.clear();
      agent.destroy();
      await stopped;
    },
  };
}

function validate(faults: FaultSettings): void {
  for (const name of ["dropRate", "delayRate"] as const) {
    const rate = faults[name];
    if (!(rate >= 0 && rate <= 1)) throw new Error(`startFaultyRpcProxy: ${name} must be in [0, 1], got ${rate}`);
  }
  if (!(faults.maxDelayMs >= 0)) {
    throw new Error(`startFaultyRpcProxy: maxDelayMs must be >= 0, got ${faults.maxDelayMs}`);
  }
  if (faults.modes.length === 0 || faults.modes.some((mode) => !dropModes.includes(mode))) {
    throw new Error(`startFaultyRpcProxy: modes must be a non-empty subset of ${dropModes.join(", ")}`);
  }
}

/** The `method` of a JSON-RPC request or of each entry of a batch; empty when the body is not JSON-RPC. */
function jsonRpcMethods(body: Buffer): string[] {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    const entries = Array.isArray(parsed) ? parsed : [parsed];
    return entries.flatMap((entry) =>
      typeof entry === "object" && entry !== null && typeof entry.method === "string" ? [entry.method as string] : [],
    );
  } catch {
    return [];
  }
}

/** Mulberry32: a small, fast 32-bit PRNG, good enough for fault injection; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
