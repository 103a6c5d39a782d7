/**
 * Imports a bank statement file into the store: detects its format, parses it (pure, `core/statements/`), then in
 * ONE SQLite transaction records each payment through `recordBankPayment` (the webhook's own rule: stored once per
 * bank reference, duplicates and conflicts told apart), quarantines unreadable entries and conflicts, and writes the
 * `bank_statements` row. A file refused whole (malformed or truncated XML, unknown namespace, wrong CSV header)
 * writes nothing; a statement already imported by this source (same statement id; a CSV's id is its sha256) writes
 * nothing and reports when it was first imported.
 */
import { createHash } from "node:crypto";
import { parseCamt053 } from "../../core/statements/camt053.ts";
import { parseCsvStatement } from "../../core/statements/csvStatement.ts";
import { StatementError, type ParsedStatement } from "../../core/statements/types.ts";
import type { Store } from "../store/openStore.ts";
import { conflictError, recordBankPayment } from "../store/recordBankPayment.ts";
import type { BankStatementRow } from "../store/types.ts";

export type ImportStatementStore = Pick<
  Store,
  | "transaction"
  | "getBankRecord"
  | "insertBankRecord"
  | "getLoan"
  | "insertBankStatement"
  | "getBankStatement"
  | "insertBankQuarantine"
>;

export interface ImportStatementParameters {
  readonly store: ImportStatementStore;
  /** The bank (feed) the file comes from, as the webhook's `Bank-Source` names it. */
  readonly source: string;
  /** Kept with the statement and in the quarantine, to find the file again. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** The token's decimals, for camt.053's decimal amounts (CSV amounts are already base units). */
  readonly decimals: number;
}

export type ImportStatementReturnType =
  | { readonly kind: "imported"; readonly statement: BankStatementRow; readonly parsed: ParsedStatement }
  | { readonly kind: "alreadyImported"; readonly statement: BankStatementRow };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** XML when the first thing after an optional BOM and whitespace is `<`; CSV otherwise. */
const looksLikeXml = (text: string): boolean => /^\uFEFF?\s*</.test(text);

/**
 * The statement `bytes` hold, parsed; throws `StatementError` for a file refused whole (not UTF-8, malformed XML,
 * unsupported namespace, wrong CSV header).
 *
 * @example
 * parseStatementFile(readFileSync("statement.xml"), { decimals: 6, sha256 }); // { format: "camt.053.001.08", ... }
 */
export function parseStatementFile(
  bytes: Uint8Array,
  { decimals, sha256 }: { readonly decimals: number; readonly sha256: string },
): ParsedStatement {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new StatementError("the file is not UTF-8 text");
  }
  return looksLikeXml(text) ? parseCamt053(text, { decimals }) : parseCsvStatement(text, { statementId: sha256 });
}

/**
 * Imports one statement file (see the module's comment). Throws `StatementError` when the file is refused whole.
 *
 * @example
 * const result = importStatement({ store, source: "icbc", fileName: "2026-11-25.xml", bytes, decimals: 6 });
 * if (result.kind === "imported") result.statement.stored; // 5
 */
export function importStatement(parameters: ImportStatementParameters): ImportStatementReturnType {
  const { store, source, fileName, bytes, decimals } = parameters;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const parsed = parseStatementFile(bytes, { decimals, sha256 });
  const originRef = `${fileName}#${parsed.statementId}`;

  return store.transaction(() => {
    const previous = store.getBankStatement(source, parsed.statementId);
    if (previous !== undefined) return { kind: "alreadyImported", statement: previous };

    let stored = 0;
    let matched = 0;
    let duplicates = 0;
    let conflicts = 0;
    let quarantined = 0;
    const quarantine = (position: string, bankReference: string | null, raw: string, error: string) => {
      if (store.insertBankQuarantine({ source, origin: "file", originRef, position, bankReference, raw, error })) {
        quarantined++;
      }
    };
    for (const entry of parsed.entries) {
      const { position, ...payment } = entry;
      const rawPayload = JSON.stringify({
        id: payment.id,
        amount: payment.amount.toString(),
        currency: payment.currency,
        bookedAt: payment.bookedAt,
        remittanceInformation: payment.remittanceInformation,
        endToEndId: payment.endToEndId,
        statement: { format: parsed.format, statementId: parsed.statementId, file: fileName, position },
      });
      const result = recordBankPayment(store, { source, payment, rawPayload });
      if (result.kind === "stored") {
        stored++;
        if (result.record.loanId !== null) matched++;
      } else if (result.kind === "duplicate") {
        duplicates++;
      } else {
        conflicts++;
        quarantine(position, payment.id, rawPayload, conflictError(result.record, source));
      }
    }
    for (const entry of parsed.invalid) quarantine(entry.position, entry.reference ?? null, entry.raw, entry.error);

    store.insertBankStatement({
      source,
      format: parsed.format,
      statementId: parsed.statementId,
      account: parsed.account ?? null,
      fileName,
      fileSha256: sha256,
      entries: parsed.entries.length + parsed.invalid.length,
      stored,
      matched,
      duplicates,
      conflicts,
      quarantined,
      ignored: parsed.ignored.length,
    });
    const statement = store.getBankStatement(source, parsed.statementId);
    if (statement === undefined) throw new Error(`bank statement ${parsed.statementId} was not recorded`);
    return { kind: "imported", statement, parsed };
  });
}
