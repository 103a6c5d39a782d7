/**
 * Test helpers for statements: the fixture files under test/fixtures/bank, and a camt.053 document around entries
 * written inline.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** test/fixtures/bank, from the repository root. */
export const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/bank/", import.meta.url));

/** A fixture file's bytes. */
export const fixture = (name: string): Buffer => readFileSync(FIXTURES + name);

export const NS_02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";
export const NS_08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";

/** A camt.053 document of one statement holding `entries` (XML text). */
export function camtDocument(entries: string, { namespace = NS_08, account = "", id = "STMT-1" } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${namespace}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>${id}</Id>${account}${entries}</Stmt></BkToCstmrStmt></Document>`;
}

/** A booked credit (camt.053.001.08) of `amount` with one transaction. */
export function credit(reference: string, amount: string, remittance = "LOAN-1"): string {
  return `<Ntry><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-11-25T09:30:00+08:00</DtTm></BookgDt><AcctSvcrRef>${reference}</AcctSvcrRef>
<NtryDtls><TxDtls><RmtInf><Ustrd>${remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`;
}
