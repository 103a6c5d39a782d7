/**
 * Test helpers for leaderLease.test.ts: contenders that record what they were told, a sampler that checks that no
 * two of them lead at the same moment, a watcher of the lease row that checks each takeover came after the previous
 * holder's lease expired (by the database's clock), and a TCP proxy that can cut a keeper off from the database.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { createLeaderLease, type LeaderLease, type LeaderLeaseParameters } from "./leaderLease.ts";
import { LEASE_TABLE } from "./leaseTable.ts";

export interface Contender {
  readonly id: string;
  readonly lease: LeaderLease;
  /** Every epoch onAcquired gave, in order. */
  readonly acquired: number[];
  /** Every reason onLost gave, with performance.now() when it was called. */
  readonly lost: { reason: string; at: number }[];
  /** performance.now() of the last onAcquired. */
  acquiredAt?: number;
}

/** A lease (not started) that records its callbacks; `onLost` is called after recording. */
export function contender(
  id: string,
  parameters: Omit<LeaderLeaseParameters, "holderId" | "onAcquired" | "onLost"> & {
    onLost?: (reason: string) => void;
  },
): Contender {
  const record: Contender = {
    id,
    acquired: [],
    lost: [],
    lease: createLeaderLease({
      ...parameters,
      holderId: id,
      onAcquired: (epoch) => {
        record.acquired.push(epoch);
        record.acquiredAt = performance.now();
      },
      onLost: (reason) => {
        record.lost.push({ reason, at: performance.now() });
        parameters.onLost?.(reason);
      },
    }),
  };
  return record;
}

/**
 * Samples isLeader() of every contender every few ms; `stop()` (idempotent) returns the moments when more than one
 * led.
 */
export function sampleLeaders(contenders: readonly Contender[], everyMs = 2): { stop(): string[]; samples(): number } {
  const overlaps: string[] = [];
  let samples = 0;
  const timer = setInterval(() => {
    samples++;
    const leaders = contenders.filter((each) => each.lease.isLeader()).map((each) => each.id);
    if (leaders.length > 1) overlaps.push(`${leaders.join(" and ")} led at once (sample ${samples})`);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return overlaps;
    },
    samples: () => samples,
  };
}

interface LeaseRow {
  holder: string;
  epoch: number;
  expiresAt: Date;
  acquiredAt: Date;
}

/**
 * Polls the lease row; `stop()` (idempotent) returns the takeovers that came before the previous epoch's lease expired (as last
 * seen, which may be earlier than its true last expiry: the check can miss a violation, never invent one).
 */
export function watchLeaseRow(url: string, name: string, everyMs = 10): { stop(): Promise<string[]> } {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  const seen = new Map<number, LeaseRow>();
  let running = true;
  let stopped: Promise<string[]> | undefined;
  const loop = (async () => {
    while (running) {
      const { rows } = await pool
        .query<{ holder: string; epoch: string; expires_at: Date; acquired_at: Date }>(
          `SELECT holder, epoch, expires_at, acquired_at FROM ${LEASE_TABLE} WHERE name = $1`,
          [name],
        )
        .catch(() => ({ rows: [] }));
      const row = rows[0];
      if (row !== undefined) {
        const epoch = Number(row.epoch);
        seen.set(epoch, { holder: row.holder, epoch, expiresAt: row.expires_at, acquiredAt: row.acquired_at });
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const stop = async (): Promise<string[]> => {
    running = false;
    await loop;
    await pool.end();
    const epochs = [...seen.keys()].sort((a, b) => a - b);
    const early: string[] = [];
    for (const [index, epoch] of epochs.entries()) {
      const previous = seen.get(epochs[index - 1] ?? -1);
      const current = seen.get(epoch) as LeaseRow;
      if (previous !== undefined && current.acquiredAt < previous.expiresAt) {
        early.push(
          `epoch ${epoch} (${current.holder}) acquired at ${current.acquiredAt.toISOString()}, before epoch ` +
            `${previous.epoch} (${previous.holder}) expired at ${previous.expiresAt.toISOString()}`,
        );
      }
    }
    return early;
  };
  return { stop: () => (stopped ??= stop()) };
}

/** A TCP proxy to `port` on 127.0.0.1; `cut()` stops forwarding (both ways, connections kept open, like a dead link). */
export interface BlackholeProxy {
  readonly port: number;
  cut(): void;
  close(): Promise<void>;
}

export async function blackholeProxy(port: number): Promise<BlackholeProxy> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk) => cut || upstream.write(chunk));
    upstream.on("data", (chunk) => cut || client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      cut = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Resolves once `check()` holds, polling every few ms; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
