/**
 * A leader lease over PostgreSQL: of the keepers sharing one book, one leads (acts); the others wait, and one of
 * them takes over within about `ttlMs` when the leader dies, stops, or loses the database.
 *
 * Why a lease row and not a session advisory lock (`pg_try_advisory_lock`): an advisory lock lives as long as the
 * holder's connection, so a leader paused or cut off from the database keeps believing it leads while the server
 * (after TCP keepalive, or never if the connection stays up) hands the lock on, and nothing in the database tells
 * an old leader's writes from the new one's. The lease row (leaseTable.ts) carries an `epoch`, a fencing token
 * incremented at every change of holder: each write a leader makes can be checked against it in the database
 * (fencedTransaction.ts, `... WHERE epoch = $myEpoch`), so a leader that lost the lease cannot act any more, however
 * late it wakes up. Its expiry is also a plain duration that does not depend on how the network fails.
 *
 * The protocol:
 * - Acquire: one statement takes the row if absent or expired (`expires_at <= now()`), with epoch + 1 and
 *   `expires_at = now() + ttl`, the database's clock throughout, so the keepers' clocks never matter.
 * - Renew: every ttl/3 the leader extends `expires_at` where holder, epoch match and the lease has not expired.
 *   No row: the lease is lost (onLost at once).
 * - Stop acting in time: each acquire or renewal confirmed is valid locally until the moment it was SENT + ttl -
 *   safetyMargin, by the local monotonic clock (`performance.now()`). The server computed the expiry after the
 *   statement was sent, so the keeper stops (onLost, isLeader() false) before the lease can have expired for
 *   anyone else, if clock rates differ by less than safetyMargin/ttl (20 % by default). A failed renewal is
 *   retried until then; queries are abandoned (and their connections discarded) after ttl/3.
 * - Release: stop() expires the row at once (same holder and epoch), so a contender takes over at its next try.
 * - Contenders try again when the current lease expires (the database says how long that is), at most every
 *   pollMs (ttl/3 by default): a killed leader is replaced about ttl after its last renewal.
 * - Unknown outcomes are safe: an acquire whose answer is lost leaves a lease nobody uses until it expires; a
 *   renewal whose answer is lost ends in onLost at the local deadline, then a release of that epoch.
 *
 * isLeader() checks the local deadline itself rather than trusting a timer, so a blocked event loop cannot make it
 * lie; onLost, being a timer, can be late in that case: check isLeader() (and fence writes) before each action.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import type { Logger } from "pino";
import { ACQUIRE, ensureLeaseTable, RELEASE, RENEW } from "./leaseTable.ts";
import { timedQuery } from "./timedQuery.ts";

/** The default time-to-live: a dead leader is replaced within about this long. */
export const DEFAULT_LEASE_TTL_MS = 15_000;

export interface LeaderLeaseParameters {
  /** A pool to use (better a dedicated one: heartbeats waiting on a busy pool lose the lease). Or `url`. */
  pool?: pg.Pool;
  /** A connection string: the lease opens (and closes on stop) a small pool of its own. */
  url?: string;
  /** The lease's name: keepers sharing one book use the same name. */
  name: string;
  /** Unique per process (see defaultHolderId): two processes with one id would both count as the holder. */
  holderId: string;
  /** How long a lease lasts without renewal (15 s by default). */
  ttlMs?: number;
  /** How often the leader renews (ttl/3 by default). */
  renewEveryMs?: number;
  /** The longest a contender waits between tries (ttl/3 by default). */
  pollMs?: number;
  /** How long before the lease's expiry the leader stops acting without a confirmed renewal (ttl/5 by default). */
  safetyMarginMs?: number;
  /** Called when this process becomes the leader, with the lease's new epoch (the fencing token). */
  onAcquired?: (epoch: number) => void;
  /** Called when this process stops being the leader (lost, expired locally, or stopped), with why. */
  onLost?: (reason: string) => void;
  logger?: Logger;
}

export interface LeaderLease {
  /**
   * Creates the lease table if missing, makes the first try (isLeader() tells its outcome), then keeps contending or
   * renewing until stop(). Rejects, leaving nothing running, when the database cannot be reached at first.
   */
  start(): Promise<void>;
  /** Stops; a leader calls onLost("stopped") and releases the lease so another takes over at once. Idempotent. */
  stop(): Promise<void>;
  /** Whether this process leads now: acquired, and the local deadline of the last confirmed renewal not passed. */
  isLeader(): boolean;
  /** The epoch of the lease held now, or undefined when not leading. */
  epoch(): number | undefined;
}

/** A holder id unique to this process: host, pid and a random part (pids are reused after restarts). */
export function defaultHolderId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

interface Held {
  epoch: number;
  /** performance.now() after which this process must not act without a newer confirmed renewal. */
  validUntil: number;
  deadline: NodeJS.Timeout;
}

/**
 * Creates (but does not start) a leader lease. See the file's comment for the protocol.
 *
 * @example
 * const lease = createLeaderLease({
 *   url: process.env.DATABASE_URL,
 *   name: "loan-book",
 *   holderId: defaultHolderId(),
 *   onAcquired: (epoch) => keeper.lead(epoch),
 *   onLost: (reason) => keeper.follow(reason),
 * });
 * await lease.start();
 * process.on("SIGTERM", () => void lease.stop());
 */
export function createLeaderLease(parameters: LeaderLeaseParameters): LeaderLease {
  const { name, holderId, logger } = parameters;
  const ttlMs = parameters.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const renewEveryMs = parameters.renewEveryMs ?? Math.floor(ttlMs / 3);
  const pollMs = parameters.pollMs ?? Math.floor(ttlMs / 3);
  const safetyMarginMs = parameters.safetyMarginMs ?? Math.floor(ttlMs / 5);
  validate({ ...parameters, ttlMs, renewEveryMs, pollMs, safetyMarginMs });
  /** A query not answered by then is abandoned: the next renewal is due. */
  const queryTimeoutMs = renewEveryMs;

  const ownPool = parameters.pool === undefined;
  const pool =
    parameters.pool ??
    new pg.Pool({
      connectionString: parameters.url,
      max: 2,
      connectionTimeoutMillis: queryTimeoutMs,
      keepAlive: true,
      application_name: `leader-lease ${name}`.slice(0, 63),
    });
  if (ownPool) pool.on("error", (error) => logger?.warn({ err: error, name }, "leader lease: idle connection failed"));

  let held: Held | undefined;
  let started = false;
  let stopped = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const now = () => performance.now();
  const isLeader = () => held !== undefined && now() < held.validUntil;

  const callback = (what: string, call: () => void) => {
    try {
      call();
    } catch (error) {
      logger?.error({ err: error, name }, `leader lease: ${what} callback threw`);
    }
  };

  const expiredLocally = `no renewal confirmed within ${ttlMs - safetyMarginMs} ms (ttl ${ttlMs} - margin ${safetyMarginMs})`;
  const armDeadline = (validUntil: number): NodeJS.Timeout => {
    const deadline = setTimeout(() => lose(expiredLocally, true), Math.max(0, validUntil - now()));
    deadline.unref();
    return deadline;
  };
  const release = (epoch: number) => timedQuery(pool, queryTimeoutMs, RELEASE, [name, holderId, epoch]);

  const lose = (reason: string, releaseToo: boolean) => {
    if (held === undefined) return;
    const { epoch, deadline } = held;
    clearTimeout(deadline);
    held = undefined;
    logger?.warn({ name, holderId, epoch, reason }, "leader lease: lost");
    callback("onLost", () => parameters.onLost?.(reason));
    // Best effort: if the renewal went through after all, free the lease now rather than at its expiry.
    if (releaseToo) void release(epoch).catch(() => {});
    wake?.();
  };

  /** One try to take the lease; resolves with how long to wait before the next step. */
  const tryAcquire = async (): Promise<number> => {
    const sentAt = now();
    const { rows } = await timedQuery<{ epoch: string | null; holder: string | null; remaining_ms: number | null }>(
      pool,
      queryTimeoutMs,
      ACQUIRE,
      [name, holderId, ttlMs],
    );
    const row = rows[0];
    if (row?.epoch !== null && row?.epoch !== undefined) {
      const epoch = Number(row.epoch);
      const validUntil = sentAt + ttlMs - safetyMarginMs;
      if (stopped || now() >= validUntil) {
        await release(epoch).catch(() => {});
        return 0;
      }
      held = { epoch, validUntil, deadline: armDeadline(validUntil) };
      logger?.info({ name, holderId, epoch }, "leader lease: acquired");
      callback("onAcquired", () => parameters.onAcquired?.(epoch));
      return Math.max(0, sentAt + renewEveryMs - now());
    }
    // Held by someone else: try again right after it expires (a few ms late), at most pollMs from now.
    const remaining = row?.remaining_ms ?? 0;
    return Math.min(pollMs, Math.ceil(remaining) + 5);
  };

  /** One renewal; resolves with how long to wait before the next step. */
  const renew = async (current: Held): Promise<number> => {
    const sentAt = now();
    if (sentAt >= current.validUntil) {
      lose(expiredLocally, true); // the deadline's timer is late (a blocked event loop): the clock decides
      return 0;
    }
    try {
      const { rowCount } = await timedQuery(pool, queryTimeoutMs, RENEW, [name, holderId, current.epoch, ttlMs]);
      if (held !== current) {
        // Lost meanwhile (the local deadline passed): a renewal that went through after all is given back.
        if (rowCount === 1) await release(current.epoch).catch(() => {});
        return 0;
      }
      if (rowCount !== 1) {
        lose("the lease expired or was taken over", false);
        return 0;
      }
      clearTimeout(current.deadline);
      current.validUntil = sentAt + ttlMs - safetyMarginMs;
      current.deadline = armDeadline(current.validUntil);
      return Math.max(0, sentAt + renewEveryMs - now());
    } catch (error) {
      // Retried until the local deadline; a renewal sent later is of no use to this epoch.
      logger?.warn({ err: error, name, epoch: current.epoch }, "leader lease: renewal failed, retrying");
      return Math.min(pollMs, Math.max(0, current.validUntil - now()), Math.max(50, renewEveryMs / 5));
    }
  };

  const step = async (): Promise<number> => {
    if (held !== undefined) return renew(held);
    try {
      return await tryAcquire();
    } catch (error) {
      logger?.warn({ err: error, name }, "leader lease: could not try to acquire, retrying");
      return pollMs;
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const run = async (firstWait: number) => {
    let wait = firstWait;
    while (!stopped) {
      await sleep(wait);
      if (stopped) break;
      wait = await step();
    }
  };

  return {
    async start() {
      if (started) throw new Error(`leader lease "${name}" was already started`);
      started = true;
      let firstWait: number;
      try {
        await ensureLeaseTable(pool);
        firstWait = await tryAcquire();
      } catch (error) {
        stopped = true; // nothing runs: the caller may retry with a new lease
        if (ownPool) await pool.end().catch(() => {});
        throw new Error(`leader lease "${name}" could not start: ${(error as Error).message}`, { cause: error });
      }
      loop = run(firstWait);
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      wake?.();
      await loop;
      const last = held;
      if (last !== undefined) {
        clearTimeout(last.deadline);
        held = undefined;
        callback("onLost", () => parameters.onLost?.("stopped"));
        await release(last.epoch).catch((error: unknown) =>
          logger?.warn({ err: error, name }, "leader lease: release failed; the lease will expire instead"),
        );
      }
      if (ownPool) await pool.end();
    },

    isLeader,

    epoch: () => (isLeader() ? held?.epoch : undefined),
  };
}

function validate(parameters: LeaderLeaseParameters & Required<Pick<LeaderLeaseParameters, "ttlMs">>): void {
  const { pool, url, name, holderId, ttlMs, renewEveryMs = 0, pollMs = 0, safetyMarginMs = 0 } = parameters;
  const problems = [
    (pool === undefined) === (url === undefined) ? "give exactly one of pool and url" : "",
    name === "" ? "name must not be empty" : "",
    holderId === "" ? "holderId must not be empty" : "",
    !Number.isInteger(ttlMs) || ttlMs < 100 ? `ttlMs must be an integer of at least 100, got ${ttlMs}` : "",
    pollMs <= 0 ? `pollMs must be positive, got ${pollMs}` : "",
    safetyMarginMs <= 0 ? `safetyMarginMs must be positive, got ${safetyMarginMs}` : "",
    renewEveryMs <= 0 || renewEveryMs >= ttlMs - safetyMarginMs
      ? `renewEveryMs must be positive and below ttlMs - safetyMarginMs (${ttlMs - safetyMarginMs}), got ${renewEveryMs}`
      : "",
  ].filter((problem) => problem !== "");
  if (problems.length > 0) throw new Error(`invalid leader lease parameters: ${problems.join("; ")}`);
}
