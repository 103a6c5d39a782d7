/**
 * The keeper's Prometheus metrics, on a registry of their own (never prom-client's global one, so that two keepers or
 * two tests in one process do not share series). Every keeper gauge is read at scrape time from the store's read
 * model and the keeper's status: nothing is kept up to date between scrapes, so nothing can drift.
 */
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Address } from "viem";
import { LoanStatus } from "../core/decisions.ts";
import type { ReadModel } from "../adapters/store/readModel.ts";

/** What the keeper's loop reports about itself, for `/health` and the metrics. */
export interface KeeperStatus {
  /** `embedded`: the keeper runs its own chain in-process; `rpc`: it follows a node. */
  mode: "embedded" | "rpc";
  chainId: number | null;
  loanBook: Address | null;
  /** The keeper's signing account. */
  keeper: Address | null;
  /** The chain's latest block, as last seen. */
  head: bigint | null;
  /** The last block processed (the store's checkpoint) and its block time: the keeper's clock. */
  processedBlock: bigint | null;
  processedTime: bigint | null;
  /** The confirmation depth: blocks above the processed one not yet acted on. */
  confirmations: number;
  /** Wall clock (unix ms) of the last tick that completed. */
  lastTickAtMs: number | null;
  /** The last tick's error (null: it succeeded). */
  lastError: string | null;
  ticks: number;
  /** No action is waiting for its time or its transaction. */
  idle: boolean;
  /** Planned actions due at the processed block's time, after the last pass. */
  due: number;
  /** The keeper's transactions signed and not yet known to be mined (all broadcast once the pass ends). */
  pendingTransactions: number;
  /** Actions the last pass put in transactions. */
  lastSent: number;
  /**
   * `single`: the only keeper of its store (SQLite); `leader` or `standby`: one of several keepers sharing a
   * PostgreSQL store, acting or waiting for the leader lease.
   */
  role: "single" | "leader" | "standby";
  /** The leader lease's epoch while this keeper leads (its fencing token); null otherwise. */
  leaseEpoch: number | null;
}

export interface CreateMetricsParameters {
  readonly readModel: Pick<
    ReadModel,
    "loansByStatus" | "actionsByKindAndOutcome" | "pendingTransactionCount" | "duplicateActionCount"
  >;
  readonly status: () => KeeperStatus;
  /**
   * The chain time loan statuses are counted at (default: the processed block's time). Without one, `keeper_loans`
   * has no samples.
   */
  readonly chainNow?: () => bigint | null;
  /** Messages to borrowers by state (`waiting`, `sent`, ...); without it, no `keeper_contact_messages`. */
  readonly contactMessages?: () => Readonly<Record<string, number>>;
  /** Bank records by state (`matched`, `suspense`, `relayed`); without it, no `keeper_bank_records`. */
  readonly bankRecords?: () => Readonly<Record<string, number>>;
}

export interface Metrics {
  readonly registry: Registry;
  /** The exposition format's content type, for the `Content-Type` header. */
  readonly contentType: string;
  /** Collects every metric now, in the Prometheus text format. */
  metrics(): Promise<string>;
}

/** The name of each `LoanStatus` value, for the `status` label. */
const STATUS_NAMES = Object.entries(LoanStatus) as [keyof typeof LoanStatus, LoanStatus][];

/** A gauge's value for a quantity the keeper does not know yet: NaN, which Prometheus shows as such, never a 0. */
const known = (value: bigint | null): number => (value === null ? Number.NaN : Number(value));

/**
 * The keeper's metrics, collected at scrape time, with Node's default process metrics on the same registry.
 *
 * @example
 * const metrics = createMetrics({ readModel: store.readModel, status: () => keeper.status() });
 * response.type(metrics.contentType).send(await metrics.metrics());
 */
export function createMetrics({
  readModel,
  status,
  chainNow,
  contactMessages,
  bankRecords,
}: CreateMetricsParameters): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const now = chainNow ?? (() => status().processedTime);

  new Gauge({
    name: "keeper_loans",
    help: "Loans by status, computed at the chain time of the last processed block",
    labelNames: ["status"] as const,
    registers,
    collect() {
      this.reset();
      const at = now();
      if (at === null) return;
      const counts = readModel.loansByStatus(at);
      for (const [name, value] of STATUS_NAMES) this.set({ status: name }, counts.get(value) ?? 0);
    },
  });

  new Gauge({
    name: "keeper_actions",
    help: "Outbox actions by kind, state and outcome (outcome none: not recorded yet)",
    labelNames: ["kind", "state", "outcome"] as const,
    registers,
    collect() {
      // Label sets that no longer have actions disappear rather than keep their last count.
      this.reset();
      for (const row of readModel.actionsByKindAndOutcome()) {
        this.set({ kind: row.kind, state: row.state, outcome: row.outcome ?? "none" }, row.count);
      }
    },
  });

  new Gauge({
    name: "keeper_pending_transactions",
    help: "Transactions sent and not yet seen mined, reverted, dropped or replaced",
    registers,
    collect() {
      this.set(readModel.pendingTransactionCount());
    },
  });

  new Gauge({
    name: "keeper_duplicate_actions",
    help: "Actions done by more than one mined transaction (a batch that skipped an action does not count; exactly-once violations, must stay 0)",
    registers,
    collect() {
      this.set(readModel.duplicateActionCount());
    },
  });

  new Gauge({
    name: "keeper_head_block",
    help: "The chain's latest block number as last seen (NaN: not seen yet)",
    registers,
    collect() {
      this.set(known(status().head));
    },
  });

  new Gauge({
    name: "keeper_processed_block",
    help: "The last block the keeper processed (NaN: none yet)",
    registers,
    collect() {
      this.set(known(status().processedBlock));
    },
  });

  new Gauge({
    name: "keeper_blocks_behind_head",
    help: "Blocks between the chain head and the last processed block, confirmations included (NaN: unknown)",
    registers,
    collect() {
      const { head, processedBlock } = status();
      this.set(known(head === null || processedBlock === null ? null : head - processedBlock));
    },
  });

  /** A gauge of counts by state, read at scrape time. */
  const byState = (name: string, help: string, read: () => Readonly<Record<string, number>>) =>
    new Gauge({
      name,
      help,
      labelNames: ["state"] as const,
      registers,
      collect() {
        this.reset();
        for (const [state, count] of Object.entries(read())) this.set({ state }, count);
      },
    });
  if (contactMessages !== undefined) {
    byState(
      "keeper_contact_messages",
      "Messages to borrowers by state (waiting: for the next moment the contact rules allow)",
      contactMessages,
    );
  }
  if (bankRecords !== undefined) {
    byState("keeper_bank_records", "Bank-reported payments by state (suspense: waiting for an operator)", bankRecords);
  }

  collectDefaultMetrics({ register: registry });

  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
  };
}
