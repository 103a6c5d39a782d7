import { after, before, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { expect } from "chai";
import pg from "pg";
import { FencedOutError, fencedTransaction } from "./fencedTransaction.ts";
import { createLeaderLease } from "./leaderLease.ts";
import { ACQUIRE, ensureLeaseTable } from "./leaseTable.ts";
import { blackholeProxy, contender, sampleLeaders, until, watchLeaseRow, type Contender } from "./leaseTesting.ts";
import { startLocalPostgres, type LocalPostgres } from "./localPostgres.ts";
import { postgresSkipReason } from "./postgresBinaries.ts";

/** Short leases for the tests: renewals and polls every 500 ms, a leader stops acting 300 ms before expiry. */
const TTL_MS = 1_500;
const POLL_MS = TTL_MS / 3;

describe("leader lease on PostgreSQL", { skip: postgresSkipReason(), timeout: 120_000 }, () => {
  let server: LocalPostgres;
  let pool: pg.Pool;
  const contenders: Contender[] = [];
  /** Samplers and watchers, stopped after the tests even when one fails before stopping its own. */
  const running: { stop(): unknown }[] = [];
  const sample = (among: readonly Contender[]) => {
    const sampler = sampleLeaders(among);
    running.push(sampler);
    return sampler;
  };
  const watch = (name: string) => {
    const watcher = watchLeaseRow(server.url, name);
    running.push(watcher);
    return watcher;
  };
  const join = (id: string, name: string, options: { ttlMs?: number; pollMs?: number; url?: string } = {}) => {
    const joined = contender(id, { url: options.url ?? server.url, name, ttlMs: TTL_MS, ...options });
    contenders.push(joined);
    return joined;
  };
  const leaders = (among: readonly Contender[]) => among.filter((each) => each.lease.isLeader());

  before(async () => {
    server = await startLocalPostgres();
    pool = new pg.Pool({ connectionString: server.url });
    // pool.end() resolves before its connections have closed: the server's goodbye to one must not crash the run.
    pool.on("error", () => {});
    await ensureLeaseTable(pool);
  });
  after(async () => {
    await Promise.all(running.map((each) => each.stop()));
    await Promise.all(contenders.map((each) => each.lease.stop()));
    await pool?.end();
    await server?.stop();
  });

  it("one of three contenders leads, and keeps leading while it renews", async () => {
    const watcher = watch("three");
    const three = ["a", "b", "c"].map((id) => join(id, "three"));
    const sampler = sample(three);
    await Promise.all(three.map((each) => each.lease.start()));
    expect(leaders(three)).to.have.length(1);
    const [leader] = leaders(three) as [Contender];
    expect(leader.acquired).to.deep.equal([1]);
    expect(leader.lease.epoch()).to.equal(1);

    await delay(3 * TTL_MS); // six renewals: the lease is held throughout, by the same contender
    expect(leaders(three)).to.deep.equal([leader]);
    expect(three.map((each) => each.acquired.length)).to.deep.equal(three.map((each) => (each === leader ? 1 : 0)));
    expect(three.flatMap((each) => each.lost)).to.deep.equal([]);
    expect(sampler.stop(), "two leaders at once").to.deep.equal([]);
    expect(sampler.samples()).to.be.greaterThan(100);
    expect(await watcher.stop(), "takeovers before expiry").to.deep.equal([]);
  });

  it("stop() hands the lease over at once, with the next epoch each time", async (t) => {
    // A long ttl: a takeover well before it shows the lease was released, not left to expire.
    const ttlMs = 20_000;
    const three = ["d", "e", "f"].map((id) => join(id, "handover", { ttlMs, pollMs: 200 }));
    const sampler = sample(three);
    await Promise.all(three.map((each) => each.lease.start()));
    const epochs: number[] = [];
    for (let round = 0; round < 2; round++) {
      const [leader] = leaders(three) as [Contender];
      epochs.push(leader.lease.epoch() as number);
      const stoppedAt = performance.now();
      await leader.lease.stop();
      expect(leader.lost.map((each) => each.reason)).to.deep.equal(["stopped"]);
      expect(leader.lease.isLeader()).to.equal(false);
      await until(() => leaders(three).length === 1, ttlMs / 4, "another contender leads");
      const [next] = leaders(three) as [Contender];
      const handover = Math.round((next.acquiredAt as number) - stoppedAt);
      t.diagnostic(`stop() of ${leader.id} -> ${next.id} leads after ${handover} ms (ttl ${ttlMs} ms, poll 200 ms)`);
    }
    const [last] = leaders(three) as [Contender];
    epochs.push(last.lease.epoch() as number);
    expect(epochs).to.deep.equal([epochs[0], (epochs[0] as number) + 1, (epochs[0] as number) + 2]);
    expect(three.flatMap((each) => each.acquired).sort()).to.deep.equal(epochs);
    expect(sampler.stop(), "two leaders at once").to.deep.equal([]);
  });

  it("replaces a holder killed with SIGKILL within about ttl, with the next epoch; its fenced writes are refused", async (t) => {
    const name = "killed";
    const watcher = watch(name);
    const script = new URL("./leaseHolderProcess.ts", import.meta.url).pathname;
    const child = spawn(process.execPath, [script, server.url, name, "child", String(TTL_MS)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const events: Record<string, unknown>[] = [];
      createInterface({ input: child.stdout }).on("line", (line) => events.push(JSON.parse(line)));
      await until(() => events.length > 0, 30_000, "the child holds the lease");
      expect(events).to.deep.equal([{ acquired: 1 }]);

      const two = ["g", "h"].map((id) => join(id, name));
      const sampler = sample(two);
      await Promise.all(two.map((each) => each.lease.start()));
      await delay(TTL_MS); // the child renews meanwhile: nobody takes over from a live holder
      expect(leaders(two)).to.deep.equal([]);

      const killedAt = performance.now();
      child.kill("SIGKILL");
      await until(() => leaders(two).length === 1, 4 * TTL_MS, "a contender takes over");
      const [next] = leaders(two) as [Contender];
      const takeover = Math.round((next.acquiredAt as number) - killedAt);
      t.diagnostic(`SIGKILL -> ${next.id} leads after ${takeover} ms (ttl ${TTL_MS} ms, poll ${POLL_MS} ms)`);
      expect(takeover, "takeover within ttl + one poll (+1 s of slack)").to.be.below(TTL_MS + POLL_MS + 1_000);
      expect(next.acquired).to.deep.equal([2]);

      const write = (epoch: number, id: number) =>
        fencedTransaction(pool, { name, epoch }, (client) =>
          client.query("INSERT INTO killed_actions (id, epoch) VALUES ($1, $2)", [id, epoch]),
        );
      await pool.query("CREATE TABLE killed_actions (id int PRIMARY KEY, epoch bigint NOT NULL)");
      const refused = await write(1, 1).catch((caught: unknown) => caught);
      expect(refused).to.be.instanceOf(FencedOutError);
      expect((refused as Error).message)
        .to.include("epoch 1 refused")
        .and.include("the lease is in epoch 2");
      await write(2, 2);
      expect((await pool.query("SELECT id, epoch::int FROM killed_actions")).rows).to.deep.equal([{ id: 2, epoch: 2 }]);

      expect(sampler.stop(), "two leaders at once").to.deep.equal([]);
      expect(await watcher.stop(), "takeovers before expiry").to.deep.equal([]);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses the fenced writes of a leader that stopped, of an expired lease and of an unknown one", async () => {
    await pool.query("CREATE TABLE fenced_actions (id int PRIMARY KEY, epoch bigint NOT NULL)");
    const write = (name: string, epoch: number, id: number) =>
      fencedTransaction(pool, { name, epoch }, (client) =>
        client.query("INSERT INTO fenced_actions (id, epoch) VALUES ($1, $2)", [id, epoch]),
      );
    const old = join("old", "fenced");
    await old.lease.start();
    const oldEpoch = old.lease.epoch() as number;
    await write("fenced", oldEpoch, 1);
    const next = join("new", "fenced");
    await next.lease.start();
    await old.lease.stop();
    await until(() => next.lease.isLeader(), 4 * TTL_MS, "the new leader leads");
    expect(next.lease.epoch()).to.equal(oldEpoch + 1);

    const stale = await write("fenced", oldEpoch, 2).catch((caught: unknown) => caught);
    expect(stale).to.be.instanceOf(FencedOutError);
    await write("fenced", oldEpoch + 1, 3);

    // A lease that expired with nobody taking it over yet: its epoch is unchanged, but its writes are refused.
    const { rows } = await pool.query<{ epoch: string }>(ACQUIRE, ["expired", "gone", 1]);
    await delay(5); // its 1 ms has passed
    const expired = await write("expired", Number(rows[0]?.epoch), 4).catch((caught: unknown) => caught);
    expect(expired).to.be.instanceOf(FencedOutError);
    expect((expired as Error).message).to.include("expired");
    const unknown = await write("never-held", 1, 5).catch((caught: unknown) => caught);
    expect(unknown).to.be.instanceOf(FencedOutError);
    expect((unknown as Error).message).to.include("no such lease");

    const written = await pool.query("SELECT id FROM fenced_actions ORDER BY id");
    expect(written.rows).to.deep.equal([{ id: 1 }, { id: 3 }]);
  });

  it("cut off from the database, the leader stops acting before its lease can have expired for the others", async (t) => {
    const name = "cut-off";
    const watcher = watch(name);
    const proxy = await blackholeProxy(server.port);
    try {
      // A longer ttl here (a 600 ms margin): onLost is a timer, which a busy machine can fire a little late.
      const ttlMs = 2 * TTL_MS;
      const cut = join("cut", name, { ttlMs, url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres` });
      const direct = join("direct", name, { ttlMs });
      // When the cut-off leader gives up, the database must still count its lease (epoch 1) as unexpired.
      const leaseRowLive = () =>
        pool
          .query<{ live: boolean }>(
            "SELECT epoch = 1 AND expires_at > now() AS live FROM keeper_leader_lease WHERE name = $1",
            [name],
          )
          .then(({ rows }) => rows[0]?.live === true);
      const watched = [cut, direct];
      const sampler = sample(watched);
      await cut.lease.start();
      expect(cut.lease.isLeader()).to.equal(true);
      await direct.lease.start();
      expect(direct.lease.isLeader()).to.equal(false);

      await delay(ttlMs / 2); // at least one renewal through the proxy
      const cutAt = performance.now();
      proxy.cut();
      await until(() => cut.lost.length > 0, 2 * ttlMs, "the cut-off leader gives up");
      const stillValidInDatabase = leaseRowLive();
      const lostAfter = Math.round((cut.lost[0]?.at as number) - cutAt);
      expect(cut.lease.isLeader()).to.equal(false);
      expect(cut.lost[0]?.reason).to.include("no renewal confirmed");
      expect(await stillValidInDatabase, "the lease had expired before the leader gave up").to.equal(true);

      await until(() => direct.lease.isLeader(), 2 * ttlMs, "the other contender takes over");
      const takeover = Math.round((direct.acquiredAt as number) - cutAt);
      t.diagnostic(
        `cut off -> onLost after ${lostAfter} ms, the other leads after ${takeover} ms (ttl ${ttlMs} ms, margin ${ttlMs / 5} ms)`,
      );
      expect(lostAfter, "gave up before ttl").to.be.below(ttlMs);
      expect(direct.acquired).to.deep.equal([2]);
      expect(sampler.stop(), "two leaders at once").to.deep.equal([]);
      expect(await watcher.stop(), "takeovers before expiry").to.deep.equal([]);
    } finally {
      await proxy.close();
    }
  });
});

describe("createLeaderLease", () => {
  it("start() rejects with the cause when the database cannot be reached", async () => {
    const lease = createLeaderLease({ url: "postgres://postgres@127.0.0.1:1/postgres", name: "n", holderId: "h" });
    const error = await lease.start().catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/leader lease "n" could not start: .*ECONNREFUSED/);
    expect(lease.isLeader()).to.equal(false);
    await lease.stop(); // nothing left to stop
  });

  it("refuses parameters that cannot work, saying which", () => {
    const base = { url: "postgres://127.0.0.1:1/x", name: "n", holderId: "h" };
    expect(() => createLeaderLease({ ...base, pool: new pg.Pool() })).to.throw(/exactly one of pool and url/);
    expect(() => createLeaderLease({ ...base, ttlMs: 10 })).to.throw(/ttlMs must be an integer of at least 100/);
    expect(() => createLeaderLease({ ...base, ttlMs: 1_000, renewEveryMs: 900 })).to.throw(
      /renewEveryMs must be positive and below ttlMs - safetyMarginMs \(800\)/,
    );
    expect(() => createLeaderLease({ ...base, name: "", holderId: "" })).to.throw(/name must not be empty.*holderId/);
  });
});
