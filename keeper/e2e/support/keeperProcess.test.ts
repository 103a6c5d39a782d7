import { after, describe, it } from "node:test";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  childEnvironment,
  freePort,
  repositoryRoot,
  startKeeperProcess,
  waitForHttp,
  type KeeperProcess,
  type StartKeeperProcessParameters,
} from "./keeperProcess.ts";

const ENTRY = "keeper/e2e/support/fixtures/echoLogs.ts";
const STARTUP_MS = 10_000;

const dir = mkdtempSync(join(tmpdir(), "keeper-process-"));
const started: KeeperProcess[] = [];
after(async () => {
  await Promise.all(started.map((child) => child.kill()));
  rmSync(dir, { recursive: true, force: true });
});

function startEcho(parameters: Partial<StartKeeperProcessParameters> = {}): KeeperProcess {
  const child = startKeeperProcess({ entry: ENTRY, ...parameters, env: parameters.env ?? {} });
  started.push(child);
  return child;
}

/** The message of the rejection, or `resolved`. */
const settled = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: Error) => error.message,
  );

describe("startKeeperProcess", () => {
  it("follows JSON lines, waits for HTTP, and reports a SIGKILL", async () => {
    const port = await freePort();
    const logFile = join(dir, "echo.log");
    const child = startEcho({ env: { ECHO_PORT: String(port) }, logFile });
    expect(child.pid).to.be.a("number");

    const environment = await child.waitForLog((line) => line.msg === "environment", STARTUP_MS);
    expect(environment.nodeVersion).to.match(/^v22\./);
    expect(environment.cwd).to.equal(repositoryRoot);
    expect(environment.nodeTestContext).to.equal(null);
    // A line printed in two writes is read as one.
    expect(await child.waitForLog((line) => line.msg === "split", STARTUP_MS)).to.deep.equal({
      level: 30,
      msg: "split",
      part: 2,
    });

    await waitForHttp(`http://127.0.0.1:${port}/`, STARTUP_MS);
    // Already printed lines match too; `skip` waits for new ones only.
    expect(await child.waitForLog((line) => line.msg === "listening", 100)).to.include({ port });
    const firstTick = await child.waitForLog((line) => line.msg === "tick", 2_000);
    const laterTick = await child.waitForLog((line) => line.msg === "tick", 2_000, { skip: child.jsonLines().length });
    expect(laterTick.tick).to.be.greaterThan(firstTick.tick);
    // Non-JSON lines are skipped by the parser but kept in the tail, with stderr.
    expect(child.jsonLines().every((line) => typeof line === "object")).to.equal(true);
    expect(child.logs()).to.include("a plain line that is not JSON").and.to.include("a line on stderr");

    await child.kill();
    expect(await child.exited).to.deep.equal({ code: null, signal: "SIGKILL" });
    expect(await settled(waitForHttp(`http://127.0.0.1:${port}/`, 300))).to.match(/did not answer 200 within 300 ms/);
    expect(readFileSync(logFile, "utf8")).to.include('"msg":"listening"').and.to.include("a line on stderr");
    await child.kill(); // a second kill of an exited child is a no-op
  });

  it("does not leak the parent's KEEPER_* variables", async () => {
    const saved = { ...process.env };
    process.env.KEEPER_E2E_PARENT_ONLY = "leak";
    process.env.KEEPER_E2E_OVERRIDDEN = "parent";
    process.env.E2E_OTHER_VARIABLE = "inherited";
    try {
      const child = startEcho({ env: { KEEPER_E2E_OVERRIDDEN: "child", KEEPER_E2E_NEW: "new", ECHO_EXIT_CODE: "0" } });
      const environment = await child.waitForLog((line) => line.msg === "environment", STARTUP_MS);
      expect(environment.keeperVariables).to.deep.equal({ KEEPER_E2E_OVERRIDDEN: "child", KEEPER_E2E_NEW: "new" });
      expect(await child.exited).to.deep.equal({ code: 0, signal: null });

      const env = childEnvironment({ KEEPER_E2E_NEW: "new" });
      expect(env.E2E_OTHER_VARIABLE).to.equal("inherited");
      expect(env).to.not.have.property("KEEPER_E2E_PARENT_ONLY");
    } finally {
      process.env = saved;
    }
  });

  it("rejects waitForLog when the child exits first or the time runs out", async () => {
    const child = startEcho({ env: { ECHO_EXIT_CODE: "3" } });
    const never = await settled(child.waitForLog((line) => line.msg === "never", STARTUP_MS));
    expect(never).to.match(/exited \(\{"code":3,"signal":null\}\) before a matching line/);
    expect(never).to.include('"msg":"exiting"');
    expect(await child.exited).to.deep.equal({ code: 3, signal: null });

    const port = await freePort();
    const running = startEcho({ env: { ECHO_PORT: String(port) } });
    // A predicate that throws counts as false.
    const throwing = (line: any) => line.missing.field === 1;
    expect(await settled(running.waitForLog(throwing, 300))).to.match(/no matching line within 300 ms/);
    await running.kill("SIGTERM");
    expect(await running.exited).to.deep.equal({ code: null, signal: "SIGTERM" });
  });

  it("waitForHttp keeps polling through non-200 answers", async () => {
    let calls = 0;
    const server = createServer((_req, res) => res.writeHead(++calls < 3 ? 503 : 200).end());
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/`, 5_000);
      expect(calls).to.equal(3);
    } finally {
      server.close();
    }
    const closed = await settled(waitForHttp(`http://127.0.0.1:${port}/`, 200));
    expect(closed).to.match(/last: ECONNREFUSED/);
  });

  it("freePort returns a port that can be listened on", async () => {
    const port = await freePort();
    expect(port).to.be.within(1, 65_535);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
    server.close();
  });
});
