/** Test helpers: a temporary keeper store with loans 1 to 3, and a count of every bank table's rows. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { getAddress } from "viem";
import { openStore, type Store } from "../store/openStore.ts";

/** The keeper's wall clock in these tests, unix ms. */
export const WALL_MS = 1_795_600_000_000;

export interface TempStore {
  readonly path: string;
  readonly store: Store;
  /** Rows of bank_records, bank_statements and bank_quarantine, read through a separate connection. */
  counts(): { records: number; statements: number; quarantine: number };
  close(): void;
}

/** A new store file in a temporary directory, following loans `loanIds`. */
export function tempStore(loanIds: readonly bigint[] = [1n, 2n, 3n]): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "bank-import-"));
  const path = join(dir, "keeper.sqlite");
  const store = openStore(path, { now: () => WALL_MS });
  const address = getAddress("0x" + "ab".repeat(20));
  for (const id of loanIds) {
    store.upsertLoan({
      id,
      templateId: 1n,
      borrower: address,
      claimHolder: address,
      principal: 1_000_000_000n,
      status: 1,
      stage: 0,
      flags: 0,
      nextDueTime: null,
      defaultEligibleAt: null,
      updatedBlock: 1n,
    });
  }
  return {
    path,
    store,
    counts() {
      const db = new Database(path, { readonly: true });
      try {
        const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        return {
          records: count("bank_records"),
          statements: count("bank_statements"),
          quarantine: count("bank_quarantine"),
        };
      } finally {
        db.close();
      }
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
