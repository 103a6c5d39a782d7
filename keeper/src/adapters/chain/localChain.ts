/**
 * The embedded chain: `hardhat node` as a child process of the keeper, on 127.0.0.1.
 *
 * The project's own Hardhat (`node_modules/.bin/hardhat`) is run by the project's own Node (`node_modules/.bin/node`,
 * Node 22; the running Node if absent), directly, not through npx or npm, so that `process.pid` is the chain's.
 * The node prints a line for every JSON-RPC call: its output is drained and only a tail is kept, for error messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { freePort, isPortFree } from "../loopbackPorts.ts";

/** The repository root: this file is keeper/src/adapters/chain/localChain.ts. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

const HOST = "127.0.0.1";
/** How long the node may take to answer `eth_chainId` (it takes ~3 s on a laptop). */
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
/** After `stop()`'s SIGTERM, how long before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** Characters of the node's stdout and stderr kept for error messages. */
const TAIL_CHARS = 4_000;
/** Starts tried when a picked free port is taken by someone else before the node binds it. */
const FREE_PORT_ATTEMPTS = 3;

export interface LocalChain {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops the node (SIGTERM, SIGKILL after 5 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartLocalChainParameters {
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number;
  logger?: Logger;
  /** How long to wait for the node to answer (30 s by default). */
  readyTimeoutMs?: number;
  /**
   * Unix seconds: start a replica, the genesis block of a chain whose genesis has this time (the `replica` network
   * of hardhat.config.ts), to replay that chain's transactions into. By default a new chain, with genesis now.
   */
  genesisTime?: bigint;
}

/** The node could not be started, did not answer in time, or its port is taken. */
export class LocalChainError extends Error {
  override readonly name = "LocalChainError";
}

/**
 * Starts `hardhat node` and resolves once it answers `eth_chainId`. The node is killed when this process exits
 * (`process.on("exit")`); on a signal, the caller's handler should call `stop()`.
 *
 * @example
 * const chain = await startLocalChain({ port: 0, logger });
 * try {
 *   // ... use chain.url
 * } finally {
 *   await chain.stop();
 * }
 */
export async function startLocalChain({
  port = 0,
  logger,
  readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS,
  genesisTime,
}: StartLocalChainParameters = {}): Promise<LocalChain> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalChainError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const hardhat = join(REPOSITORY_ROOT, "node_modules", ".bin", "hardhat");
  if (!existsSync(hardhat)) throw new LocalChainError(`${hardhat} not found: run npm install`);
  const projectNode = join(REPOSITORY_ROOT, "node_modules", ".bin", "node");
  const node = existsSync(projectNode) ? projectNode : process.execPath;

  // Checked first: the node would fail to bind, but polling the port meanwhile would find the other server.
  if (port !== 0 && !(await isPortFree(port))) {
    throw new LocalChainError(`port ${port} on ${HOST} is already in use (another chain?); choose another or 0`);
  }
  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freePort() : port;
    try {
      return await launch({ node, hardhat, port: chosen, logger, readyTimeoutMs, genesisTime });
    } catch (error) {
      // Someone took the picked port between the check and the node's bind: pick another.
      const raced = port === 0 && error instanceof PortTakenError && attempt < FREE_PORT_ATTEMPTS;
      if (!raced) throw error;
      logger?.warn({ port: chosen }, "local chain: port taken meanwhile, trying another");
    }
  }
}

class PortTakenError extends LocalChainError {}

interface LaunchParameters {
  node: string;
  hardhat: string;
  port: number;
  logger: Logger | undefined;
  readyTimeoutMs: number;
  genesisTime: bigint | undefined;
}

async function launch({
  node,
  hardhat,
  port,
  logger,
  readyTimeoutMs,
  genesisTime,
}: LaunchParameters): Promise<LocalChain> {
  const url = `http://${HOST}:${port}`;
  const replica = genesisTime === undefined ? [] : ["--network", "replica"];
  const child = spawn(node, [hardhat, "node", ...replica, "--hostname", HOST, "--port", String(port)], {
    cwd: REPOSITORY_ROOT,
    env: genesisTime === undefined ? process.env : { ...process.env, REPLICA_GENESIS_TIME: String(genesisTime) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = tail(child.stdout);
  const stderr = tail(child.stderr);
  const output = () => [`stderr: ${stderr() || "(empty)"}`, `stdout (tail): ${stdout() || "(empty)"}`].join("\n");

  // The node must not outlive this process.
  const killOnExit = () => child.kill("SIGTERM");
  process.on("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  child.once("exit", (code, signal) => {
    process.off("exit", killOnExit);
    if (stopping === undefined) {
      logger?.error({ pid: child.pid, code, signal, stderr: stderr() }, "local chain exited unexpectedly");
    }
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.ref();
      child.kill("SIGTERM");
      const escalate = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
      await exited;
      clearTimeout(escalate);
      logger?.info({ pid: child.pid, url }, "local chain stopped");
    })();
    return stopping;
  };

  try {
    await waitUntilReady({ url, child, readyTimeoutMs, output });
  } catch (error) {
    await stop();
    throw error;
  }
  // From here the node does not keep this process alive: it ends with the process (see killOnExit).
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  logger?.info({ pid: child.pid, url }, "local chain started");
  return { url, port, process: child, stop };
}

/** Polls `eth_chainId` until it answers; fails early when the child exits, and on timeout. */
async function waitUntilReady({
  url,
  child,
  readyTimeoutMs,
  output,
}: {
  url: string;
  child: ChildProcess;
  readyTimeoutMs: number;
  output: () => string;
}): Promise<void> {
  const deadline = performance.now() + readyTimeoutMs;
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  for (;;) {
    if (spawnError !== undefined) {
      throw new LocalChainError(`could not start hardhat node: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = child.exitCode !== null ? `with code ${child.exitCode}` : `on ${child.signalCode}`;
      const message = `hardhat node exited ${how} before answering on ${url}\n${output()}`;
      throw /EADDRINUSE/.test(message) ? new PortTakenError(message) : new LocalChainError(message);
    }
    if (await answersChainId(url)) return;
    if (performance.now() > deadline) {
      throw new LocalChainError(
        `hardhat node did not answer eth_chainId on ${url} within ${readyTimeoutMs} ms\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

async function answersChainId(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}

/** Drains `stream`, keeping its last TAIL_CHARS characters. */
function tail(stream: NodeJS.ReadableStream | null): () => string {
  let kept = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    kept = (kept + chunk).slice(-TAIL_CHARS);
  });
  return () => kept.trim();
}
