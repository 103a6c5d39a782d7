import { describe, it } from "node:test";
import { expect } from "chai";
import { CSV_COLUMNS, parseCsvStatement } from "./csvStatement.ts";
import { fixture } from "./testStatements.ts";
import { StatementError } from "./types.ts";

const HEADER = CSV_COLUMNS.join(",");
const parse = (text: string) => parseCsvStatement(text, { statementId: "sha" });

describe("parseCsvStatement", () => {
  it("reads the fixture: BOM, CRLF, quoted commas, doubled quotes and line breaks", () => {
    const statement = parse(fixture("statement.csv").toString("utf8"));
    expect(statement.format).to.equal("csv");
    expect(statement.statementId).to.equal("sha");
    expect(statement.ignored).to.deep.equal([]);
    expect(statement.entries.map((entry) => [entry.id, entry.amount, entry.position])).to.deep.equal([
      ["CSV-0001", 1_234_560_000n, "row 2"],
      ["CSV-0002", 1_000_000_000n, "row 3"],
      ["CSV-0003", 2_000_000_000n, "row 4"],
      ["CSV-0004", 520_000_000n, "row 5"],
      ["ICBC2026112500008", 500_000_000n, "row 10"],
    ]);
    expect(statement.entries[0]).to.deep.include({
      remittanceInformation: "Repayment LOAN-1, installment 3",
      endToEndId: "E2E-LOAN-1-0003",
      currency: "CNY",
      paidAt: 1_795_570_200n,
    });
    expect(statement.entries[1].remittanceInformation).to.equal('He said "LOAN-2"');
    expect(statement.entries[1].endToEndId).to.equal(undefined);
    expect(statement.entries[2].remittanceInformation).to.equal("multi-line\r\nremittance for LOAN-3");
    expect(statement.entries[2].currency).to.equal(undefined);
  });

  it("quarantines bad rows with their row number, keeping the others", () => {
    const statement = parse(fixture("statement.csv").toString("utf8"));
    expect(statement.invalid.map((entry) => [entry.reference, entry.position, entry.error])).to.deep.equal([
      ["CSV-0005", "row 6", 'row 6: amount must be an integer in token base units (digits only), got "12.5"'],
      [
        "CSV-0006",
        "row 7",
        "row 7: bookedAt must be an ISO-8601 date-time with an offset, e.g. 2026-11-25T09:30:00+08:00",
      ],
      ["CSV-0007", "row 8", "row 8: amount must be positive, got zero"],
      ["CSV-0008", "row 9", "row 9: 5 fields, expected 6"],
    ]);
    expect(statement.invalid[3].raw).to.equal("CSV-0008,2026-11-25T15:00:00+08:00,100,CNY,LOAN-1");
  });

  it("refuses negative, overflowing amounts, bad references, bad quoting and extra fields row by row", () => {
    const rows = [
      "NEG,2026-11-25T09:30:00Z,-5,,LOAN-1,",
      `BIG,2026-11-25T09:30:00Z,${2n ** 128n},,LOAN-1,`,
      "has space,2026-11-25T09:30:00Z,5,,LOAN-1,",
      'QUOTE,2026-11-25T09:30:00Z,5,,LO"AN-1,',
      "EXTRA,2026-11-25T09:30:00Z,5,,LOAN-1,,x",
      "LOCAL,2026-11-25T09:30:00,5,,LOAN-1,",
      "OK,2026-11-25T09:30:00Z,5,,LOAN-1,",
    ];
    const statement = parse(`${HEADER}\n${rows.join("\n")}\n`);
    expect(statement.entries.map((entry) => entry.id)).to.deep.equal(["OK"]);
    expect(statement.invalid.map((entry) => entry.error)).to.deep.equal([
      'row 2: amount must be positive, got "-5"',
      `row 3: amount must be below 2^128, got ${2n ** 128n}`,
      "row 4: id must be 1 to 128 printable ASCII characters without spaces",
      "row 5: a quote inside an unquoted field on line 5 (quote the whole field)",
      "row 6: 7 fields, expected 6",
      "row 7: bookedAt must be an ISO-8601 date-time with an offset, e.g. 2026-11-25T09:30:00+08:00",
    ]);
  });

  it("skips empty lines and accepts a header-only file", () => {
    expect(parse(`${HEADER}\n\nOK,2026-11-25T09:30:00Z,5,,,\n\n`).entries).to.have.length(1);
    expect(parse(`${HEADER}\r\n`)).to.deep.include({ entries: [], invalid: [] });
  });

  it("refuses a file whose header is not exactly the layout's, naming expected and found columns", () => {
    const refused = (text: string) => {
      try {
        parse(text);
      } catch (error) {
        expect(error).to.be.instanceOf(StatementError);
        return (error as Error).message;
      }
      throw new Error("expected a StatementError");
    };
    expect(refused(fixture("wrong-columns.csv").toString("utf8"))).to.equal(
      `wrong CSV header: expected columns ${HEADER}, found reference,booked_at,amount,currency,remittance,end_to_end_id,memo ` +
        '(missing bank_reference, remittance_information; unexpected "reference", "remittance", "memo")',
    );
    expect(refused(`${HEADER},memo\n`)).to.match(/unexpected "memo"\)$/);
    expect(refused(HEADER.replace(",currency", "") + "\n")).to.match(/\(missing currency\)$/);
    expect(refused("booked_at,bank_reference,amount,currency,remittance_information,end_to_end_id\n")).to.match(
      /\(columns out of order or repeated\)$/,
    );
    expect(refused("")).to.match(/the CSV file is empty/);
  });
});
