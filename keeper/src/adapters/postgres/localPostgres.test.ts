import { after, describe, it } from "node:test";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import pg from "pg";
import { LocalPostgresError, startLocalPostgres, type LocalPostgres } from "./localPostgres.ts";
import { POSTGRES_INSTALL_HINT, postgresSkipReason } from "./postgresBinaries.ts";

const started: LocalPostgres[] = [];
after(async () => {
  await Promise.all(started.map((server) => server.stop()));
});

async function query<Row extends pg.QueryResultRow>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return (await client.query<Row>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Alive and not a zombie. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
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

describe("startLocalPostgres", { skip: postgresSkipReason(), timeout: 120_000 }, () => {
  it("starts a server in a fresh directory, answers queries with pg, and stops it and removes the directory", async (t) => {
    const startedAt = performance.now();
    const server = await startLocalPostgres({ port: 0 });
    started.push(server);
    t.diagnostic(`started in ${Math.round(performance.now() - startedAt)} ms on port ${server.port}`);
    expect(server.url).to.equal(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    expect(statSync(server.dir).mode & 0o777).to.equal(0o700);

    const [row] = await query<{ sum: number; encoding: string; user: string; fsync: string; listen: string }>(
      server.url,
      "SELECT 1 + 1 AS sum, pg_encoding_to_char(encoding) AS encoding, current_user AS user, " +
        "current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen " +
        "FROM pg_database WHERE datname = current_database()",
    );
    expect(row).to.deep.equal({ sum: 2, encoding: "UTF8", user: "postgres", fsync: "off", listen: "127.0.0.1" });
    // Not run as root: PostgreSQL would refuse.
    const pid = server.process.pid as number;
    expect(statSync(`/proc/${pid}`).uid).to.not.equal(0);

    await server.stop();
    expect(isAlive(pid)).to.equal(false);
    expect(existsSync(server.dir)).to.equal(false);
    const error = await query(server.url, "SELECT 1").catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(Error);
    await server.stop(); // idempotent
  });

  it("runs two at once, on different ports and directories, each with its own data", async () => {
    const [first, second] = await Promise.all([startLocalPostgres(), startLocalPostgres()]);
    started.push(first, second);
    expect(first.port).to.not.equal(second.port);
    expect(first.dir).to.not.equal(second.dir);
    await query(first.url, "CREATE TABLE only_in_first (id int)");
    const tables = async (url: string) =>
      (
        await query<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE tablename = 'only_in_first'")
      ).map((table) => table.name);
    expect(await tables(first.url)).to.deep.equal(["only_in_first"]);
    expect(await tables(second.url)).to.deep.equal([]);
    await Promise.all([first.stop(), second.stop()]);
    expect(existsSync(first.dir) || existsSync(second.dir)).to.equal(false);
  });

  it("listens on the port it is given, and refuses one already in use", async () => {
    const blocker = await listen(0);
    const taken = (blocker.address() as { port: number }).port;
    const error = await startLocalPostgres({ port: taken }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(LocalPostgresError);
    expect((error as Error).message)
      .to.include(`port ${taken}`)
      .and.include("already in use");
    await new Promise((resolve) => blocker.close(resolve));

    const server = await startLocalPostgres({ port: taken });
    started.push(server);
    expect(server.port).to.equal(taken);
    expect(await query(`postgres://postgres@127.0.0.1:${taken}/postgres`, "SELECT 1 AS one")).to.deep.equal([
      { one: 1 },
    ]);
    await server.stop();
  });

  it("stops while clients are still connected (a fast shutdown, not a smart one)", async () => {
    const server = await startLocalPostgres();
    started.push(server);
    const client = new pg.Client(server.url);
    client.on("error", () => {}); // the server goes away under it
    await client.connect();
    const stoppedAt = performance.now();
    await server.stop();
    expect(performance.now() - stoppedAt).to.be.below(4_000); // SIGKILL would come at 5 s
    expect(existsSync(server.dir)).to.equal(false);
    await client.end().catch(() => {});
  });

  it("is killed, its directory removed, when the process that started it exits", async () => {
    const script = join(import.meta.dirname, "localPostgresParent.ts");
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
    const { pid, dir } = JSON.parse(stdout.trim()) as { pid: number; dir: string };
    const gone = await eventually(() => !isAlive(pid), 10_000);
    if (!gone) process.kill(pid, "SIGKILL"); // not left running when the test fails
    expect(gone, `postgres ${pid} outlived its parent`).to.equal(true);
    expect(await eventually(() => !existsSync(dir), 5_000), `${dir} left behind`).to.equal(true);
  });
});

describe("startLocalPostgres without binaries", () => {
  it("fails with the command that installs them", async () => {
    const error = await startLocalPostgres({ search: { debianRoot: "/nonexistent", path: "" } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(LocalPostgresError);
    expect((error as Error).message)
      .to.include("initdb")
      .and.include(POSTGRES_INSTALL_HINT);
  });
});
