/**
 * A leader's write, fenced by its lease epoch: the transaction commits only if the lease is still in that epoch
 * and unexpired, so a leader that was paused (GC, SIGSTOP, a slow disk) past its lease cannot act after losing it.
 *
 * The lease row is read `FOR SHARE`: a takeover (an UPDATE of that row) waits until this transaction ends, so the
 * new leader sees every write the old one committed. The other side of that lock: the holder's own renewal waits
 * too, so keep fenced transactions short (well under ttl/3).
 */
import type pg from "pg";
import { LEASE_TABLE } from "./leaseTable.ts";

/** The lease is no longer in the epoch the write was made for: another keeper leads, or the lease expired. */
export class FencedOutError extends Error {
  override readonly name = "FencedOutError";
}

export interface Fence {
  /** The lease's name. */
  name: string;
  /** The epoch the writer was given by `onAcquired`. */
  epoch: number;
}

/**
 * Runs `work` in a transaction that first checks the lease is still in `fence.epoch` and unexpired, and commits
 * only then; otherwise rolls back and rejects with FencedOutError, without running `work`.
 *
 * @example
 * await fencedTransaction(pool, { name: "loan-book", epoch: lease.epoch()! }, async (client) => {
 *   await client.query("UPDATE outbox SET sent_at = now() WHERE id = $1", [id]);
 * });
 */
export async function fencedTransaction<T>(
  pool: pg.Pool,
  fence: Fence,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ epoch: string; live: boolean }>(
      `SELECT epoch, expires_at > now() AS live FROM ${LEASE_TABLE} WHERE name = $1 FOR SHARE`,
      [fence.name],
    );
    const lease = rows[0];
    if (lease === undefined || Number(lease.epoch) !== fence.epoch || !lease.live) {
      const now =
        lease === undefined ? "no such lease" : `the lease is in epoch ${lease.epoch}${lease.live ? "" : ", expired"}`;
      throw new FencedOutError(`write for lease "${fence.name}" epoch ${fence.epoch} refused: ${now}`);
    }
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    client.release(error instanceof FencedOutError ? undefined : (error as Error));
    throw error;
  }
}
