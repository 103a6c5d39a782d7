/**
 * The leader lease's table and statements (used by leaderLease.ts and fencedTransaction.ts).
 *
 * One row per lease name: who holds it, its epoch (the fencing token, +1 at every change of holder) and when it
 * expires. Every time is the database's `now()`, so the keepers' clocks never matter; only durations (the ttl) come
 * from them.
 */
import type pg from "pg";

export const LEASE_TABLE = "keeper_leader_lease";

/** Serialises concurrent `CREATE TABLE IF NOT EXISTS`, which can otherwise fail with a duplicate-type error. */
const CREATE_LOCK_KEY = 0x6b656570; // "keep"

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (
  name        text        PRIMARY KEY,
  holder      text        NOT NULL,
  epoch       bigint      NOT NULL CHECK (epoch > 0),
  expires_at  timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL
)`;

/**
 * Takes the lease when nobody holds it or its holder's lease has expired (then with the next epoch).
 * Parameters: name, holder, ttl in ms. Returns one row: `epoch` (null when not taken) and, as they were before
 * this statement, `holder` and `remaining_ms` (how long until the current holder's lease expires; null if none).
 */
export const ACQUIRE = `
WITH taken AS (
  INSERT INTO ${LEASE_TABLE} AS lease (name, holder, epoch, expires_at, acquired_at)
  VALUES ($1, $2, 1, now() + $3::integer * interval '1 millisecond', now())
  ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder, epoch = lease.epoch + 1, expires_at = EXCLUDED.expires_at, acquired_at = now()
    WHERE lease.expires_at <= now()
  RETURNING epoch
)
SELECT (SELECT epoch FROM taken) AS epoch,
       current.holder,
       GREATEST(0, EXTRACT(EPOCH FROM current.expires_at - now()) * 1000)::float8 AS remaining_ms
FROM (SELECT 1) AS one
LEFT JOIN ${LEASE_TABLE} AS current ON current.name = $1`;

/**
 * Extends a lease still held, by the same holder in the same epoch, and not yet expired.
 * Parameters: name, holder, epoch, ttl in ms. One row when renewed, none when the lease is lost.
 */
export const RENEW = `
UPDATE ${LEASE_TABLE} SET expires_at = now() + $4::integer * interval '1 millisecond'
WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()
RETURNING epoch`;

/**
 * Gives the lease up at once: expired long ago, so the next contender takes it (with the next epoch).
 * Parameters: name, holder, epoch. Leaves a lease taken over meanwhile alone.
 */
export const RELEASE = `
UPDATE ${LEASE_TABLE} SET expires_at = to_timestamp(0)
WHERE name = $1 AND holder = $2 AND epoch = $3`;

/**
 * Creates the lease table if missing; safe to run from several processes at once.
 *
 * @example
 * await ensureLeaseTable(pool);
 */
export async function ensureLeaseTable(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [CREATE_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    await client.query("COMMIT");
    client.release();
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
