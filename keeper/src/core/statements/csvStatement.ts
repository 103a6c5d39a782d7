/**
 * The keeper's CSV statement layout: one payment per row, the same fields as the webhook body.
 *
 * ```
 * bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id
 * 2026112500001234,2026-11-25T09:30:00+08:00,91666667,CNY,"Repayment LOAN-7, November",E2E-LOAN-7-3
 * ```
 * - UTF-8, an optional byte order mark; RFC 4180: fields separated by commas, rows by CRLF or LF, a field in double
 *   quotes may hold commas, line breaks and doubled quotes (`""`). Empty lines are skipped.
 * - The first row is this header, exactly: these six columns, in this order (a file with other, missing or extra
 *   columns is refused whole).
 * - `bank_reference`: the bank's transaction reference, 1 to 128 printable ASCII characters without spaces; the same
 *   reference the bank's webhook sends as `id` (a payment reported by both is stored once).
 * - `booked_at`: ISO-8601 date-time with an offset (`Z` or `+08:00`).
 * - `amount`: token base units, a positive integer without leading zeros, below 2^128 (like the webhook: no decimal
 *   point; `--decimals` does not apply to CSV).
 * - `currency`, `remittance_information`, `end_to_end_id`: optional (may be empty); a loan reference `LOAN-<id>` in
 *   the last two matches the payment to a loan.
 * A row with a wrong number of fields, a bad amount, date or reference is quarantined with its row number (the header
 * is row 1); the other rows are imported. A CSV has no statement id: the file's sha256 stands for it.
 */
import { bankPaymentSchema } from "../bankPayment.ts";
import { readCsvRecords } from "./csvRecords.ts";
import { StatementError, type InvalidEntry, type ParsedEntry, type ParsedStatement } from "./types.ts";

/** The header row, exactly. */
export const CSV_COLUMNS = [
  "bank_reference",
  "booked_at",
  "amount",
  "currency",
  "remittance_information",
  "end_to_end_id",
] as const;

const BOM = "\uFEFF";

/** The zod issues of a refused row, as one line. */
const issuesText = (issues: readonly { path: (string | number)[]; message: string }[]): string =>
  issues.map((issue) => issue.message).join("; ");

const optional = (text: string): string | undefined => (text === "" ? undefined : text);

/**
 * Reads a CSV statement (layout above). `statementId` is what the caller identifies the file by (its sha256).
 * Throws `StatementError` when the header is not the expected one (nothing of the file is used then).
 *
 * @example
 * parseCsvStatement("bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id\n" +
 *   "TX-1,2026-11-25T09:30:00+08:00,500,CNY,LOAN-1,\n", { statementId: "ab12..." });
 * // { format: "csv", statementId: "ab12...", entries: [{ id: "TX-1", amount: 500n, paidAt: 1764034200n, ... }], ignored: [], invalid: [] }
 */
export function parseCsvStatement(text: string, { statementId }: { readonly statementId: string }): ParsedStatement {
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const records = readCsvRecords(body);
  const header = records[0];
  const expected = CSV_COLUMNS.join(",");
  if (header === undefined) throw new StatementError(`the CSV file is empty: expected the header ${expected}`);
  const found = header.fields.map((field) => field.trim());
  if (header.error !== undefined || found.join(",") !== expected) {
    const missing = CSV_COLUMNS.filter((column) => !found.includes(column));
    const extra = found.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
    const details = [
      missing.length > 0 ? `missing ${missing.join(", ")}` : "",
      extra.length > 0 ? `unexpected ${extra.map((column) => JSON.stringify(column)).join(", ")}` : "",
      missing.length === 0 && extra.length === 0 ? "columns out of order or repeated" : "",
    ].filter((detail) => detail !== "");
    throw new StatementError(
      `wrong CSV header: expected columns ${expected}, found ${found.join(",")} (${details.join("; ")})`,
    );
  }

  const entries: ParsedEntry[] = [];
  const invalid: InvalidEntry[] = [];
  records.slice(1).forEach((record, index) => {
    const position = `row ${index + 2}`;
    if (record.fields.length === 1 && record.fields[0] === "" && record.error === undefined) return;
    const reference = optional(record.fields[0] ?? "");
    const refuse = (error: string) => invalid.push({ reference, position, raw: record.raw, error });
    if (record.error !== undefined) return refuse(`${position}: ${record.error}`);
    if (record.fields.length !== CSV_COLUMNS.length) {
      return refuse(`${position}: ${record.fields.length} fields, expected ${CSV_COLUMNS.length}`);
    }
    const [id, bookedAt, amount, currency, remittanceInformation, endToEndId] = record.fields;
    const parsed = bankPaymentSchema.safeParse({
      id,
      bookedAt,
      amount,
      currency: optional(currency),
      remittanceInformation: optional(remittanceInformation),
      endToEndId: optional(endToEndId),
    });
    if (!parsed.success) return refuse(`${position}: ${issuesText(parsed.error.issues)}`);
    entries.push({ ...parsed.data, position });
  });
  return { format: "csv", statementId, entries, ignored: [], invalid };
}
