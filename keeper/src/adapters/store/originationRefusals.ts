/**
 * Every origination the keeper's checks refused (`core/originationChecks.ts`), with its reason codes: the offer
 * itself is never stored, so this is the only trace of it. Read by the lender's dashboard (counts by reason) and
 * `GET /api/originations/refusals`. Reason codes are stored as a JSON array of strings and counted here, not in SQL,
 * so the same queries run on SQLite and PostgreSQL.
 */
import { getAddress, type Address, type Hex } from "viem";
import type { SqlDatabase } from "./sqlDatabase.ts";

export interface RecordRefusalParameters {
  readonly atMs: number;
  readonly lender: Address;
  readonly borrower: Address;
  readonly templateId: bigint;
  readonly principal: bigint;
  /** The identity commitment the offer carried (null: none). */
  readonly identity: Hex | null;
  readonly reasons: readonly string[];
  readonly flags: readonly string[];
}

export interface OriginationRefusal extends RecordRefusalParameters {
  readonly id: number;
}

export interface OriginationRefusals {
  /** Stores one refused origination; returns it. */
  record(refusal: RecordRefusalParameters): OriginationRefusal;
  /** The latest `limit` refusals of `lender` (null: every lender's), newest first. */
  list(lender: Address | null, limit: number): OriginationRefusal[];
  /** How many refusals of `lender` (null: every lender's) gave each reason code; a refusal counts once per code. */
  counts(lender: Address | null): Record<string, number>;
  /** How many refusals of `lender` (null: every lender's) there were. */
  total(lender: Address | null): number;
}

interface RefusalRow {
  id: bigint;
  at_ms: bigint;
  lender: Address;
  borrower: Address;
  template_id: bigint;
  principal: string;
  identity: Hex | null;
  reasons: string;
  flags: string;
}

const fromRow = (row: RefusalRow): OriginationRefusal => ({
  id: Number(row.id),
  atMs: Number(row.at_ms),
  lender: getAddress(row.lender),
  borrower: getAddress(row.borrower),
  templateId: row.template_id,
  principal: BigInt(row.principal),
  identity: row.identity,
  reasons: JSON.parse(row.reasons) as string[],
  flags: JSON.parse(row.flags) as string[],
});

/** The refusals over `db` (safeIntegers on, as the store opens it). */
export function createOriginationRefusals(db: SqlDatabase): OriginationRefusals {
  const insert = db.prepare(
    `INSERT INTO origination_refusals (at_ms, lender, borrower, template_id, principal, identity, reasons, flags)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const selectAll = db.prepare("SELECT * FROM origination_refusals ORDER BY id DESC LIMIT ?");
  const selectOfLender = db.prepare("SELECT * FROM origination_refusals WHERE lender = ? ORDER BY id DESC LIMIT ?");
  const reasonsAll = db.prepare("SELECT reasons FROM origination_refusals");
  const reasonsOfLender = db.prepare("SELECT reasons FROM origination_refusals WHERE lender = ?");
  const reasonsOf = (lender: Address | null) =>
    (lender === null ? reasonsAll.all() : reasonsOfLender.all(getAddress(lender))) as { reasons: string }[];
  return {
    record(refusal) {
      const { id } = insert.get(
        refusal.atMs,
        getAddress(refusal.lender),
        getAddress(refusal.borrower),
        refusal.templateId,
        String(refusal.principal),
        refusal.identity?.toLowerCase() ?? null,
        JSON.stringify(refusal.reasons),
        JSON.stringify(refusal.flags),
      ) as { id: bigint };
      return { ...refusal, id: Number(id), lender: getAddress(refusal.lender), borrower: getAddress(refusal.borrower) };
    },
    list: (lender, limit) =>
      ((lender === null ? selectAll.all(limit) : selectOfLender.all(getAddress(lender), limit)) as RefusalRow[]).map(
        fromRow,
      ),
    counts(lender) {
      const counts: Record<string, number> = {};
      for (const row of reasonsOf(lender)) {
        for (const reason of new Set(JSON.parse(row.reasons) as string[])) counts[reason] = (counts[reason] ?? 0) + 1;
      }
      return counts;
    },
    total: (lender) => reasonsOf(lender).length,
  };
}
