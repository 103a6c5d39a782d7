/**
 * The lender's applications to a notary for an execution certificate: per loan, the hashes of the three documents
 * the lender applies with (the notarized debt instrument, the proof of default, the borrower's identity proof), who
 * applied and when (wall clock, ms). Only hashes: the documents themselves stay with the lender and the notary.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Hex } from "viem";

export interface CertificateDocuments {
  readonly debtInstrumentHash: Hex;
  readonly defaultProofHash: Hex;
  readonly identityProofHash: Hex;
}

export interface CertificateApplication extends CertificateDocuments {
  readonly loanId: bigint;
  /** The applicant's address, or `operator:<name>` for an operator's token. */
  readonly appliedBy: string;
  readonly appliedAtMs: number;
}

export interface CertificateApplications {
  /** Records the application for `loanId`, replacing an earlier one of the same loan. */
  apply(application: CertificateApplication): void;
  get(loanId: bigint): CertificateApplication | undefined;
  /** Every application, oldest first. */
  list(): CertificateApplication[];
}

interface ApplicationRow {
  loan_id: bigint;
  debt_instrument_hash: Hex;
  default_proof_hash: Hex;
  identity_proof_hash: Hex;
  applied_by: string;
  applied_at_ms: bigint;
}

const fromRow = (row: ApplicationRow): CertificateApplication => ({
  loanId: row.loan_id,
  debtInstrumentHash: row.debt_instrument_hash,
  defaultProofHash: row.default_proof_hash,
  identityProofHash: row.identity_proof_hash,
  appliedBy: row.applied_by,
  appliedAtMs: Number(row.applied_at_ms),
});

/** The applications over `db` (safeIntegers on, as the store opens it). */
export function createCertificateApplications(db: SqlDatabase): CertificateApplications {
  const upsert = db.prepare(
    `INSERT INTO certificate_applications
       (loan_id, debt_instrument_hash, default_proof_hash, identity_proof_hash, applied_by, applied_at_ms)
     VALUES (:loanId, :debtInstrumentHash, :defaultProofHash, :identityProofHash, :appliedBy, :appliedAtMs)
     ON CONFLICT (loan_id) DO UPDATE SET
       debt_instrument_hash = excluded.debt_instrument_hash, default_proof_hash = excluded.default_proof_hash,
       identity_proof_hash = excluded.identity_proof_hash, applied_by = excluded.applied_by,
       applied_at_ms = excluded.applied_at_ms`,
  );
  const selectOne = db.prepare("SELECT * FROM certificate_applications WHERE loan_id = ?");
  const selectAll = db.prepare("SELECT * FROM certificate_applications ORDER BY applied_at_ms, loan_id");
  return {
    apply(application) {
      upsert.run(application);
    },
    get(loanId) {
      const row = selectOne.get(loanId) as ApplicationRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    list: () => (selectAll.all() as ApplicationRow[]).map(fromRow),
  };
}
