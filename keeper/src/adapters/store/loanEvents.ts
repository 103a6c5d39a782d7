/**
 * A loan's on-chain timeline: every decoded LoanBook log the store holds for the loan, in chain order, each with where
 * it sits on chain (block number and hash, transaction hash, log index) and its block's time. Read-only, for the
 * lender's loan page and the evidence export.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Address, Hash } from "viem";

/** One log of the loan's timeline. */
export interface LoanEventRecord {
  readonly blockNumber: bigint;
  readonly blockHash: Hash;
  /** The block's time (unix seconds); null when the store holds no block at that height with that hash. */
  readonly timestamp: bigint | null;
  readonly txHash: Hash;
  readonly logIndex: number;
  /** The contract that emitted it. */
  readonly address: Address;
  readonly name: string;
  /** The decoded arguments, integers as decimal strings. */
  readonly args: Readonly<Record<string, unknown>>;
}

export interface LoanEvents {
  /** Every stored log of loan `loanId`, by block then log index; empty for a loan without any. */
  eventsOfLoan(loanId: bigint): LoanEventRecord[];
}

interface EventRow {
  block_number: bigint;
  block_hash: Hash;
  timestamp: bigint | null;
  tx_hash: Hash;
  log_index: bigint;
  address: Address;
  name: string;
  args: string;
}

/** SQLite's INTEGER range: a loan id beyond it cannot be in the store. */
const MAX_SQLITE_INTEGER = 2n ** 63n - 1n;

/**
 * The timeline query over the store's database (opened with `defaultSafeIntegers`, as `openStore` does).
 *
 * @example
 * const timeline = createLoanEvents(db).eventsOfLoan(7n);
 * timeline[0]; // { name: "LoanOriginated", blockNumber: 12n, blockHash: "0x…", timestamp: 1767279600n, … }
 */
export function createLoanEvents(db: SqlDatabase): LoanEvents {
  // The block's time only from the very block the log was in (same hash): never a reorganised one's.
  const selectEvents = db.prepare(
    `SELECT e.block_number, e.block_hash, b.timestamp, e.tx_hash, e.log_index, e.address, e.name, e.args
     FROM events e LEFT JOIN blocks b ON b.number = e.block_number AND b.hash = e.block_hash
     WHERE e.loan_id = ? ORDER BY e.block_number, e.log_index`,
  );
  return {
    eventsOfLoan(loanId) {
      if (loanId < 0n || loanId > MAX_SQLITE_INTEGER) return [];
      return (selectEvents.all(loanId) as EventRow[]).map((row) => ({
        blockNumber: row.block_number,
        blockHash: row.block_hash,
        timestamp: row.timestamp,
        txHash: row.tx_hash,
        logIndex: Number(row.log_index),
        address: row.address,
        name: row.name,
        args: JSON.parse(row.args) as Record<string, unknown>,
      }));
    },
  };
}
