import { describe, it } from "node:test";
import { expect } from "chai";
import { parseCamt053 } from "./camt053.ts";
import { camtDocument, credit, fixture, NS_02 } from "./testStatements.ts";
import { StatementError } from "./types.ts";

const DECIMALS = { decimals: 6 };
const parse = (xml: string) => parseCamt053(xml, DECIMALS);
/** 2026-11-25T09:30:00+08:00 */
const T_0930 = 1_795_570_200n;

describe("parseCamt053: camt.053.001.08 (ICBC fixture)", () => {
  const statement = parse(fixture("icbc-camt053-001.08.xml").toString("utf8"));

  it("reads the version, statement id and account", () => {
    expect(statement.format).to.equal("camt.053.001.08");
    expect(statement.statementId).to.equal("ICBC-SH-1001-20261125");
    expect(statement.account).to.equal("1001234509000012345");
  });

  it("reads each booked credit, and each transaction of a batch entry, as a payment", () => {
    expect(statement.entries.map((entry) => [entry.id, entry.amount, entry.position])).to.deep.equal([
      ["ICBC2026112500001", 1_234_560_000n, "Stmt 1 Ntry 1"],
      ["ICBC2026112500002/1", 1_000_000_000n, "Stmt 1 Ntry 2 TxDtls 1"],
      ["ICBC2026112500002/2", 2_000_000_000n, "Stmt 1 Ntry 2 TxDtls 2"],
      ["ICBC2026112500005", 520_000_000n, "Stmt 1 Ntry 5"],
      ["ICBC2026112500006", 900_000_000n, "Stmt 1 Ntry 6"],
      ["ICBC2026112500008", 500_000_000n, "Stmt 1 Ntry 8"],
    ]);
    expect(statement.entries[0]).to.deep.include({
      currency: "CNY",
      paidAt: T_0930,
      remittanceInformation: "还款 LOAN-1 第3期",
      endToEndId: "E2E-LOAN-1-0003",
    });
    // Several Ustrd joined; NOTPROVIDED is no end-to-end id.
    expect(statement.entries[1].remittanceInformation).to.equal("Repayment LOAN-2 installment 2");
    expect(statement.entries[1].endToEndId).to.equal(undefined);
  });

  it("ignores the debit, the pending credit and the reversal, with reasons", () => {
    expect(statement.ignored).to.deep.equal([
      { reference: "ICBC2026112500003", reason: "not a credit (CdtDbtInd DBIT)" },
      { reference: "ICBC2026112500004", reason: "not booked (status PDNG)" },
      { reference: "ICBC2026112500009", reason: "reversal (RvslInd true)" },
    ]);
  });

  it("returns the too-precise amount as invalid, with the entry", () => {
    expect(statement.invalid).to.have.length(1);
    expect(statement.invalid[0]).to.include({ reference: "ICBC2026112500007", position: "Stmt 1 Ntry 7" });
    expect(statement.invalid[0].error).to.match(/12\.3456789 has 7 fraction digits, more than the token's 6/);
    expect(JSON.parse(statement.invalid[0].raw)).to.have.property("AcctSvcrRef", "ICBC2026112500007");
  });
});

describe("parseCamt053: camt.053.001.02 (BOC fixture, prefixed elements)", () => {
  const statement = parse(fixture("boc-camt053-001.02.xml").toString("utf8"));

  it("reads the version and the payments, amounts from AmtDtls/TxAmt, a booking date as midnight UTC", () => {
    expect(statement.format).to.equal("camt.053.001.02");
    expect(statement.statementId).to.equal("BOC-BJ-3344-20261125");
    expect(statement.account).to.equal("334455667788");
    expect(statement.entries.map((entry) => [entry.id, entry.amount, entry.paidAt])).to.deep.equal([
      ["BOC2026112500101", 1_234_560_000n, T_0930],
      ["BOC2026112500102-A", 1_000_000_000n, BigInt(Date.UTC(2026, 10, 25) / 1000)],
      ["BOC2026112500102-B", 2_000_000_000n, BigInt(Date.UTC(2026, 10, 25) / 1000)],
      ["BOC2026112500105", 450_000_000n, 1_795_576_271n],
      ["BOC2026112500106", 610_000_000n, 1_795_577_400n],
    ]);
    expect(statement.ignored.map((entry) => entry.reason)).to.deep.equal([
      "not a credit (CdtDbtInd DBIT)",
      "not booked (status INFO)",
    ]);
    expect(statement.invalid.map((entry) => entry.error)).to.deep.equal([
      'Stmt 1 Ntry 7: amount must be positive, got "-50.00"',
    ]);
  });
});

describe("parseCamt053: entries", () => {
  it("reads an IBAN account, and falls back to Ntry/Amt and Ntry/AcctSvcrRef for a single transaction", () => {
    const statement = parse(
      camtDocument(credit("REF-1", "10.5"), { account: "<Acct><Id><IBAN>CN0012345678</IBAN></Id></Acct>" }),
    );
    expect(statement.account).to.equal("CN0012345678");
    expect(statement.entries[0]).to.deep.include({ id: "REF-1", amount: 10_500_000n, remittanceInformation: "LOAN-1" });
  });

  it("quarantines negative, zero, overflowing, too precise and non-numeric amounts, entry by entry", () => {
    const statement = parse(
      camtDocument(
        [
          credit("OK-1", "1.00"),
          credit("NEG", "-1.00"),
          credit("ZERO", "0.00"),
          credit("BIG", (2n ** 128n).toString().replace(/(\d{6})$/, ".$1")),
          credit("FINE", "0.0000001"),
          credit("TEXT", "ten"),
          credit("OK-2", "2.00"),
        ].join(""),
      ),
    );
    expect(statement.entries.map((entry) => entry.id)).to.deep.equal(["OK-1", "OK-2"]);
    expect(statement.invalid.map((entry) => [entry.reference, entry.error])).to.deep.equal([
      ["NEG", 'Stmt 1 Ntry 2: amount must be positive, got "-1.00"'],
      ["ZERO", "Stmt 1 Ntry 3: amount must be positive, got zero"],
      ["BIG", `Stmt 1 Ntry 4: amount must be below 2^128, got ${2n ** 128n}`],
      ["FINE", "Stmt 1 Ntry 5: amount 0.0000001 has 7 fraction digits, more than the token's 6 decimals"],
      ["TEXT", 'Stmt 1 Ntry 6: amount must be a decimal number such as 1234.56, got "ten"'],
    ]);
  });

  it("quarantines an entry without a reference, an amount or a booking date", () => {
    const statement = parse(
      camtDocument(
        [
          credit("", "1.00"),
          `<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><AcctSvcrRef>NO-AMT</AcctSvcrRef></Ntry>`,
          `<Ntry><Amt Ccy="CNY">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><AcctSvcrRef>NO-DATE</AcctSvcrRef></Ntry>`,
        ].join(""),
      ),
    );
    expect(statement.entries).to.deep.equal([]);
    expect(statement.invalid.map((entry) => entry.error)).to.deep.equal([
      "Stmt 1 Ntry 1: no bank reference (TxDtls/Refs/AcctSvcrRef or Ntry/AcctSvcrRef)",
      "Stmt 1 Ntry 2: no amount (TxDtls/Amt, TxDtls/AmtDtls/TxAmt/Amt or Ntry/Amt)",
      "Stmt 1 Ntry 3: bookedAt is required",
    ]);
  });

  it("needs each transaction's amount in a batch entry", () => {
    const batch = `<Ntry><Amt Ccy="CNY">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>B-1</AcctSvcrRef><NtryDtls>
      <TxDtls><AmtDtls><TxAmt><Amt Ccy="CNY">1.00</Amt></TxAmt></AmtDtls></TxDtls><TxDtls></TxDtls></NtryDtls></Ntry>`;
    const statement = parse(camtDocument(batch, { namespace: NS_02 }));
    expect(statement.entries.map((entry) => [entry.id, entry.amount])).to.deep.equal([["B-1/1", 1_000_000n]]);
    expect(statement.invalid.map((entry) => [entry.reference, entry.position])).to.deep.equal([
      ["B-1/2", "Stmt 1 Ntry 1 TxDtls 2"],
    ]);
  });
});

describe("parseCamt053: refused files", () => {
  const refused = (xml: string) => {
    try {
      parse(xml);
    } catch (error) {
      expect(error).to.be.instanceOf(StatementError);
      return (error as Error).message;
    }
    throw new Error("expected a StatementError");
  };

  it("refuses malformed XML with the line and column", () => {
    expect(refused(fixture("malformed.xml").toString("utf8"))).to.equal(
      "malformed XML at line 9, column 7: Expected closing tag 'Ntry' (opened in line 6, col 7) instead of closing tag 'Amt'.",
    );
  });

  it("refuses a truncated file, saying where it ends", () => {
    expect(refused(fixture("truncated.xml").toString("utf8"))).to.match(
      /^malformed XML at line 66, column \d+: .* \(the file ends there: truncated\?\)$/,
    );
    expect(refused(camtDocument(credit("R", "1")).slice(0, -"</Stmt></BkToCstmrStmt></Document>".length))).to.match(
      /unclosed elements <Document>, <BkToCstmrStmt>, <Stmt> \(truncated\?\)/,
    );
  });

  it("refuses another namespace, or none, naming the ones read", () => {
    expect(refused(fixture("wrong-namespace.xml").toString("utf8"))).to.equal(
      'unsupported XML namespace "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08": expected ' +
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 or urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
    );
    expect(refused("<Document><BkToCstmrStmt/></Document>")).to.match(/^unsupported XML namespace \(none\)/);
    expect(refused("<Invoice/>")).to.equal("not a camt.053 statement: no <Document> root element");
    expect(refused(camtDocument("").replace(/<Stmt>.*<\/Stmt>/s, ""))).to.match(/holds no BkToCstmrStmt\/Stmt/);
  });
});
