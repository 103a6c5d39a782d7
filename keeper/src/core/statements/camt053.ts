/**
 * ISO 20022 camt.053 (BankToCustomerStatement) to payments, versions 001.02 and 001.08, with fast-xml-parser.
 *
 * What is read, per `Stmt`: `Id`, `Acct/Id/IBAN` (or `Acct/Id/Othr/Id`), and each `Ntry`:
 * - only booked credits are payments: `CdtDbtInd` CRDT, `Sts` BOOK (.02 `<Sts>BOOK</Sts>`, .08
 *   `<Sts><Cd>BOOK</Cd></Sts>`), `RvslInd` not true. Debits, pending or informative entries and reversals are
 *   ignored, with the reason.
 * - each `NtryDtls/TxDtls` is one payment (a batch booking has several): amount `TxDtls/Amt` (.08) or
 *   `TxDtls/AmtDtls/TxAmt/Amt` (.02, also read in .08), else `Ntry/Amt` when the entry has one transaction; bank
 *   reference `TxDtls/Refs/AcctSvcrRef`, else `Ntry/AcctSvcrRef` (with `/<n>` for the n-th transaction of a batch);
 *   `Refs/EndToEndId` (`NOTPROVIDED` is dropped); `RmtInf/Ustrd`, several joined by a space.
 * - booking time: `BookgDt/DtTm` (ISO-8601 with an offset), else `BookgDt/Dt`, a date only, taken as 00:00:00Z of
 *   that day (the bank's time zone is not in the file).
 * - amounts are decimals with a currency (`<Amt Ccy="CNY">1234.56</Amt>`), converted to token base units with
 *   `decimals` by exact string arithmetic.
 * An entry that cannot be read (a bad amount, no reference or date) is returned as invalid, not the whole file; a
 * file that is not well-formed XML, or not a camt.053 .02/.08 document, is refused with a `StatementError`.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { bankPaymentSchema } from "../bankPayment.ts";
import { AmountError, toBaseUnits } from "./decimalAmount.ts";
import {
  StatementError,
  type IgnoredEntry,
  type InvalidEntry,
  type ParsedEntry,
  type ParsedStatement,
  type StatementFormat,
} from "./types.ts";

/** The namespaces read, and the format each one is. */
export const CAMT053_NAMESPACES: Readonly<Record<string, StatementFormat>> = {
  "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "camt.053.001.02",
  "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "camt.053.001.08",
};

export interface ParseCamt053Parameters {
  /** The token's decimals: `1234.56` with 6 decimals is 1234560000 base units. */
  readonly decimals: number;
}

// XML nodes as fast-xml-parser gives them: a string, or an object of children and `@_` attributes.
type Node = Record<string, unknown>;

/** Elements that may repeat: always arrays, so one and several read alike. */
const REPEATED = new Set(["Stmt", "Ntry", "NtryDtls", "TxDtls", "Ustrd"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

const ROOT_TAG = /<(?:([A-Za-z_][\w.-]*):)?Document\b([^>]*)>/;

const asNode = (value: unknown): Node | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Node) : undefined;
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const child = (node: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((current, name) => asNode(current)?.[name], node);
/** The text of an element, with or without attributes; undefined when absent or empty. */
const text = (value: unknown): string | undefined => {
  const raw = typeof value === "string" ? value : asNode(value)?.["#text"];
  if (typeof raw !== "string" && typeof raw !== "number") return undefined;
  const trimmed = String(raw).trim();
  return trimmed === "" ? undefined : trimmed;
};

/** A validator error as one line; an unclosed root (a cut file) is named as such. */
function describeXmlError(error: { code: string; msg: string; line: number; col: number }, lines: number): string {
  const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(error.msg);
  if (error.code === "InvalidXml" && unclosed !== null) {
    const names = unclosed[1].split(",").map((name) => name.trim().replace(/^"|"$/g, ""));
    return `malformed XML: the file ends with unclosed elements ${names.map((name) => `<${name}>`).join(", ")} (truncated?)`;
  }
  const atEnd = error.line >= lines ? " (the file ends there: truncated?)" : "";
  return `malformed XML at line ${error.line}, column ${error.col}: ${error.msg}${atEnd}`;
}

/** The camt.053 version the root `Document` declares; throws for any other document. */
function detectFormat(xml: string): StatementFormat {
  const root = ROOT_TAG.exec(xml);
  if (root === null) throw new StatementError("not a camt.053 statement: no <Document> root element");
  const [, prefix, attributes] = root;
  const declaration = new RegExp(`\\sxmlns${prefix === undefined ? "" : `:${prefix}`}\\s*=\\s*("([^"]*)"|'([^']*)')`);
  const match = declaration.exec(attributes);
  const namespace = match?.[2] ?? match?.[3];
  const format = namespace === undefined ? undefined : CAMT053_NAMESPACES[namespace];
  if (format === undefined) {
    const supported = Object.keys(CAMT053_NAMESPACES).join(" or ");
    throw new StatementError(
      `unsupported XML namespace ${namespace === undefined ? "(none)" : JSON.stringify(namespace)}: expected ${supported}`,
    );
  }
  return format;
}

/** An entry's status code: `<Sts>BOOK</Sts>` (.02) or `<Sts><Cd>BOOK</Cd></Sts>` (.08). */
const statusOf = (entry: Node): string | undefined =>
  text(entry.Sts) ?? text(child(entry, "Sts", "Cd")) ?? text(child(entry, "Sts", "Prtry"));

/** The ISO-8601 booking time: `DtTm` as written, or a `Dt` day at midnight UTC. */
function bookedAtOf(entry: Node): string | undefined {
  const dateTime = text(child(entry, "BookgDt", "DtTm"));
  if (dateTime !== undefined) return dateTime;
  const date = text(child(entry, "BookgDt", "Dt"));
  return date === undefined ? undefined : `${date}T00:00:00Z`;
}

/** The amount element of a transaction: `TxDtls/Amt` (.08) or `TxDtls/AmtDtls/TxAmt/Amt`. */
const transactionAmountOf = (transaction: Node): unknown =>
  transaction.Amt ?? child(transaction, "AmtDtls", "TxAmt", "Amt");

/**
 * Parses a camt.053.001.02 or .001.08 statement into payments, ignored and invalid entries.
 *
 * @example
 * const statement = parseCamt053(xml, { decimals: 6 });
 * statement.format; // "camt.053.001.08"
 * statement.entries[0]; // { id: "ICBC2026112500017", amount: 1234560000n, paidAt: 1764034200n, currency: "CNY", ... }
 */
export function parseCamt053(xml: string, { decimals }: ParseCamt053Parameters): ParsedStatement {
  const body = xml.startsWith("\uFEFF") ? xml.slice(1) : xml;
  const validation = XMLValidator.validate(body);
  if (validation !== true) {
    throw new StatementError(describeXmlError(validation.err, body.trimEnd().split("\n").length));
  }
  const format = detectFormat(body);
  const document = asNode(parser.parse(body).Document);
  const statements = asList(child(document, "BkToCstmrStmt", "Stmt"));
  if (statements.length === 0) throw new StatementError("the camt.053 document holds no BkToCstmrStmt/Stmt");

  const ids: string[] = [];
  let account: string | undefined;
  const entries: ParsedEntry[] = [];
  const ignored: IgnoredEntry[] = [];
  const invalid: InvalidEntry[] = [];
  statements.forEach((statementNode, statementIndex) => {
    const statement = asNode(statementNode) ?? {};
    const id = text(statement.Id);
    if (id === undefined) throw new StatementError(`Stmt ${statementIndex + 1} has no Id`);
    ids.push(id);
    account ??= text(child(statement, "Acct", "Id", "IBAN")) ?? text(child(statement, "Acct", "Id", "Othr", "Id"));

    asList(statement.Ntry).forEach((entryNode, entryIndex) => {
      const entry = asNode(entryNode) ?? {};
      const position = `Stmt ${statementIndex + 1} Ntry ${entryIndex + 1}`;
      const entryReference = text(entry.AcctSvcrRef) ?? text(entry.NtryRef);
      const reference = entryReference ?? position;
      const direction = text(entry.CdtDbtInd);
      const status = statusOf(entry);
      if (direction !== "CRDT") {
        ignored.push({ reference, reason: `not a credit (CdtDbtInd ${direction ?? "missing"})` });
        return;
      }
      if (text(entry.RvslInd)?.toLowerCase() === "true") {
        ignored.push({ reference, reason: "reversal (RvslInd true)" });
        return;
      }
      if (status !== "BOOK") {
        ignored.push({ reference, reason: `not booked (status ${status ?? "missing"})` });
        return;
      }
      const transactions = asList(entry.NtryDtls).flatMap((details) => asList(asNode(details)?.TxDtls));
      const count = Math.max(transactions.length, 1);
      for (let index = 0; index < count; index++) {
        const transaction = asNode(transactions[index]) ?? {};
        const at = transactions.length > 1 ? `${position} TxDtls ${index + 1}` : position;
        const ownReference = text(child(transaction, "Refs", "AcctSvcrRef"));
        const id =
          ownReference ??
          (entryReference === undefined ? undefined : count > 1 ? `${entryReference}/${index + 1}` : entryReference);
        const refuse = (error: string) => {
          const raw = JSON.stringify(count > 1 ? { ...entry, NtryDtls: [{ TxDtls: [transaction] }] } : entry);
          invalid.push({ reference: id, position: at, raw, error: `${at}: ${error}` });
        };
        const amountNode = transactionAmountOf(transaction) ?? (count === 1 ? entry.Amt : undefined);
        const amountText = text(amountNode);
        if (amountText === undefined) {
          refuse("no amount (TxDtls/Amt, TxDtls/AmtDtls/TxAmt/Amt or Ntry/Amt)");
          continue;
        }
        if (id === undefined) {
          refuse("no bank reference (TxDtls/Refs/AcctSvcrRef or Ntry/AcctSvcrRef)");
          continue;
        }
        let amount: string;
        try {
          amount = toBaseUnits(amountText, decimals);
        } catch (error) {
          if (!(error instanceof AmountError)) throw error;
          refuse(error.message);
          continue;
        }
        const bookedAt = bookedAtOf(entry);
        const endToEndId = text(child(transaction, "Refs", "EndToEndId"));
        const lines = asList(child(transaction, "RmtInf", "Ustrd"))
          .map(text)
          .filter((line) => line !== undefined);
        const parsed = bankPaymentSchema.safeParse({
          id,
          amount,
          currency: asNode(amountNode)?.["@_Ccy"],
          bookedAt,
          remittanceInformation: lines.length > 0 ? lines.join(" ") : undefined,
          endToEndId: endToEndId === "NOTPROVIDED" ? undefined : endToEndId,
        });
        if (!parsed.success) {
          refuse(parsed.error.issues.map((issue) => issue.message).join("; "));
          continue;
        }
        entries.push({ ...parsed.data, position: at });
      }
    });
  });
  return {
    format,
    statementId: ids.join(","),
    ...(account === undefined ? {} : { account }),
    entries,
    ignored,
    invalid,
  };
}
