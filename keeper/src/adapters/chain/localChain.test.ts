import { after, describe, it } from "node:test";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { LocalChainError, startLocalChain, type LocalChain } from "./localChain.ts";

const HARDHAT_CHAIN_ID = "0x7a69"; // 31337

async function chainId(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return ((await response.json()) as { result?: string }).result;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie waiting for a parent that does not reap. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

/** PIDs of live `hardhat node` processes started with `--port <port>`. */
function hardhatNodesOn(port: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return args.some((arg) => arg.endsWith("hardhat")) && args.join(" ").endsWith(`--port ${port}`);
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number)
    .filter(isAlive);
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

const started: LocalChain[] = [];
after(async () => {
  await Promise.all(started.map((chain) => chain.stop()));
});

describe("startLocalChain", () => {
  it("starts hardhat node on a free port, as its own process, and stops it", async () => {
    const chain = await startLocalChain({ port: 0 });
    started.push(chain);
    expect(chain.port).to.be.greaterThan(0);
    expect(chain.url).to.equal(`http://127.0.0.1:${chain.port}`);
    expect(await chainId(chain.url)).to.equal(HARDHAT_CHAIN_ID);

    // The PID is the node's, not an npx or shell wrapper's.
    const pid = chain.process.pid as number;
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
    expect(commandLine[1]).to.match(/node_modules\/\.bin\/hardhat$/);
    expect(commandLine.slice(2)).to.deep.equal(["node", "--hostname", "127.0.0.1", "--port", String(chain.port)]);

    await chain.stop();
    expect(isAlive(pid)).to.equal(false);
    expect(await chainId(chain.url)).to.equal(undefined);
    await chain.stop(); // idempotent
  });

  it("listens on the port it is given, and refuses one already in use", async () => {
    const blocker = await listen(0);
    const taken = (blocker.address() as { port: number }).port;
    const error = await startLocalChain({ port: taken }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(LocalChainError);
    expect((error as Error).message)
      .to.include(`port ${taken}`)
      .and.include("already in use");
    await new Promise((resolve) => blocker.close(resolve));

    // Now free: the node takes exactly that port.
    const chain = await startLocalChain({ port: taken });
    started.push(chain);
    expect(chain.port).to.equal(taken);
    expect(await chainId(`http://127.0.0.1:${taken}`)).to.equal(HARDHAT_CHAIN_ID);
    await chain.stop();
  });

  it("times out with a clear error that shows the node's output, and leaves no process behind", async () => {
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const error = await startLocalChain({ readyTimeoutMs: 1, logger: logger as never }).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(LocalChainError);
    expect((error as Error).message)
      .to.match(/did not answer eth_chainId on http:\/\/127\.0\.0\.1:\d+ within 1 ms/)
      .and.include("stderr:");
    // The node it started for the port the message names is gone.
    const port = /127\.0\.0\.1:(\d+)/.exec((error as Error).message)?.[1] as string;
    expect(hardhatNodesOn(port)).to.deep.equal([]);
    expect(await chainId(`http://127.0.0.1:${port}`)).to.equal(undefined);
  });

  it("kills the node when the parent process exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keeper-local-chain-"));
    try {
      const script = join(dir, "parent.ts");
      const module = new URL("./localChain.ts", import.meta.url).href;
      writeFileSync(
        script,
        `import { startLocalChain } from ${JSON.stringify(module)};\n` +
          `const chain = await startLocalChain({ port: 0 });\n` +
          `console.log(chain.process.pid);\n` +
          `process.exit(0);\n`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 30_000 });
      const pid = Number(stdout.trim());
      expect(pid).to.be.greaterThan(0);
      const gone = await eventually(() => !isAlive(pid), 5_000);
      if (!gone) process.kill(pid, "SIGKILL"); // not left running when the test fails
      expect(gone, `hardhat node ${pid} outlived its parent`).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
