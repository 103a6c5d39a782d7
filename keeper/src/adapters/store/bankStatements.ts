import { createHash } from "node:crypto";
import type { SqlDatabase } from "./sqlDatabase.ts";
import type {
  BankQuarantinePage,
  BankQuarantineRow,
  BankStatementRow,
  InsertBankQuarantineParameters,
  InsertBankStatementParameters,
} from "./types.ts";

interface StatementRow {
  id: bigint;
  source: string;
  format: string;
  statement_id: string;
  account: string | null;
  file_name: string;
  file_sha256: string;
  entries: bigint;
  stored: bigint;
  matched: bigint;
  duplicates: bigint;
  conflicts: bigint;
  quarantined: bigint;
  ignored: bigint;
  imported_at_ms: bigint;
}

interface QuarantineRow {
  id: bigint;
  source: string;
  origin: "webhook" | "file";
  origin_ref: string;
  position: string;
  bank_reference: string | null;
  raw: string;
  error: string;
  received_at_ms: bigint;
}

const toStatement = (row: StatementRow): BankStatementRow => ({
  id: Number(row.id),
  source: row.source,
  format: row.format,
  statementId: row.statement_id,
  account: row.account,
  fileName: row.file_name,
  fileSha256: row.file_sha256,
  entries: Number(row.entries),
  stored: Number(row.stored),
  matched: Number(row.matched),
  duplicates: Number(row.duplicates),
  conflicts: Number(row.conflicts),
  quarantined: Number(row.quarantined),
  ignored: Number(row.ignored),
  importedAtMs: Number(row.imported_at_ms),
});

const toQuarantine = (row: QuarantineRow): BankQuarantineRow => ({
  id: Number(row.id),
  source: row.source,
  origin: row.origin,
  originRef: row.origin_ref,
  position: row.position,
  bankReference: row.bank_reference,
  raw: row.raw,
  error: row.error,
  receivedAtMs: Number(row.received_at_ms),
});

/** Imported bank statements, and the quarantine of entries that could not be stored as payments. */
export function createBankStatements(db: SqlDatabase) {
  const insertStatement = db.prepare(
    `INSERT INTO bank_statements (source, format, statement_id, account, file_name, file_sha256, entries, stored,
       matched, duplicates, conflicts, quarantined, ignored, imported_at_ms)
     VALUES (:source, :format, :statementId, :account, :fileName, :fileSha256, :entries, :stored, :matched,
       :duplicates, :conflicts, :quarantined, :ignored, :now)
     ON CONFLICT (source, statement_id) DO NOTHING`,
  );
  const selectStatement = db.prepare("SELECT * FROM bank_statements WHERE source = ? AND statement_id = ?");
  const insertQuarantine = db.prepare(
    `INSERT INTO bank_quarantine (source, origin, origin_ref, position, bank_reference, raw, raw_sha256, error,
       received_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, origin_ref, position, raw_sha256) DO NOTHING`,
  );
  const selectQuarantinePage = db.prepare(
    `SELECT * FROM bank_quarantine WHERE (CAST(:source AS TEXT) IS NULL OR source = :source) ORDER BY id DESC LIMIT :limit
     OFFSET :offset`,
  );
  const selectQuarantineCount = db.prepare(
    "SELECT COUNT(*) AS total FROM bank_quarantine WHERE (CAST(:source AS TEXT) IS NULL OR source = :source)",
  );

  return {
    /** Records an imported statement; false (nothing written) when this source's statement id is already held. */
    insertBankStatement(statement: InsertBankStatementParameters, now: number): boolean {
      return insertStatement.run({ ...statement, now }).changes === 1;
    },

    getBankStatement(source: string, statementId: string): BankStatementRow | undefined {
      const row = selectStatement.get(source, statementId) as StatementRow | undefined;
      return row && toStatement(row);
    },

    /** Quarantines an entry; false when the same raw text from the same origin and position is already held. */
    insertBankQuarantine(entry: InsertBankQuarantineParameters, now: number): boolean {
      const sha256 = createHash("sha256").update(entry.raw).digest("hex");
      return (
        insertQuarantine.run(
          entry.source,
          entry.origin,
          entry.originRef,
          entry.position,
          entry.bankReference,
          entry.raw,
          sha256,
          entry.error,
          now,
        ).changes === 1
      );
    },

    /** One page of the quarantine, newest first, optionally of one source. */
    listBankQuarantine({ source, limit, offset }: ListBankQuarantineParameters): BankQuarantinePage {
      const filter = { source: source ?? null };
      const rows = selectQuarantinePage.all({ ...filter, limit, offset }) as QuarantineRow[];
      const { total } = selectQuarantineCount.get(filter) as { total: bigint };
      return { entries: rows.map(toQuarantine), total: Number(total) };
    },
  };
}

export interface ListBankQuarantineParameters {
  readonly source?: string;
  readonly limit: number;
  readonly offset: number;
}
