import { describe, it } from "node:test";
import { expect } from "chai";
import {
  bankPaymentSchema,
  matchLoanReference,
  placePayment,
  samePayment,
  sameReportedPayment,
} from "./bankPayment.ts";

const PAYMENT = {
  id: "2026112500001234",
  amount: "91666667",
  currency: "USDC",
  bookedAt: "2026-11-25T09:30:00+08:00",
  remittanceInformation: "Repayment LOAN-7 November",
  endToEndId: "E2E-LOAN-7-3",
};

/** The messages of the schema's issues for this body. */
const issuesOf = (body: unknown): string[] => {
  const result = bankPaymentSchema.safeParse(body);
  expect(result.success, JSON.stringify(body)).to.equal(false);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe("bankPaymentSchema", () => {
  it("parses a payment: the amount as a bigint, bookedAt as unix seconds", () => {
    const payment = bankPaymentSchema.parse(PAYMENT);
    expect(payment.amount).to.equal(91_666_667n);
    expect(payment.paidAt).to.equal(BigInt(Date.UTC(2026, 10, 25, 1, 30) / 1000));
    expect(bankPaymentSchema.parse({ ...PAYMENT, amount: (2n ** 128n - 1n).toString() }).amount).to.equal(
      2n ** 128n - 1n,
    );
    const minimal = bankPaymentSchema.parse({ id: "T", amount: "1", bookedAt: "2026-11-25T01:30:00Z" });
    expect(minimal.remittanceInformation).to.equal(undefined);
  });

  it("refuses each bad amount with its own message", () => {
    const table: [unknown, RegExp][] = [
      ["-5", /amount must be positive, got "-5"/],
      ["0", /amount must be positive, got zero/],
      ["000", /got zero/],
      ["1.5", /digits only/],
      ["1e3", /digits only/],
      [" 12", /digits only/],
      ["", /digits only/],
      ["012", /leading zeros, got "012"/],
      [(2n ** 128n).toString(), /below 2\^128/],
      ["9".repeat(80), /below 2\^128/],
      [100, /amount must be a string/],
    ];
    for (const [amount, message] of table) {
      expect(issuesOf({ ...PAYMENT, amount }), String(amount))
        .to.have.length(1)
        .and.satisfy((m: string[]) => message.test(m[0]));
    }
  });

  it("refuses a missing or bad id and bookedAt, and a bookedAt without an offset", () => {
    expect(issuesOf({ ...PAYMENT, id: undefined })[0]).to.include("id (the bank's transaction id) is required");
    expect(issuesOf({ ...PAYMENT, id: "has space" })[0]).to.include("printable ASCII");
    expect(issuesOf({ ...PAYMENT, bookedAt: "2026-11-25T09:30:00" })[0]).to.include("with an offset");
    expect(issuesOf({ ...PAYMENT, bookedAt: "yesterday" })[0]).to.include("ISO-8601");
    expect(issuesOf([])).to.have.length(1);
  });
});

describe("matchLoanReference", () => {
  it("finds LOAN-<id> case-insensitively, as a word, in both fields", () => {
    const table: [string | undefined, string | undefined, ReturnType<typeof matchLoanReference>][] = [
      ["Repayment LOAN-7", undefined, { kind: "matched", loanId: 7n }],
      ["loan-7", undefined, { kind: "matched", loanId: 7n }],
      [undefined, "E2E-LOAN-12-3", { kind: "matched", loanId: 12n }],
      ["LOAN-7", "loan-007", { kind: "matched", loanId: 7n }],
      ["LOAN-7 and LOAN-7 again", undefined, { kind: "matched", loanId: 7n }],
      ["(LOAN-9).", undefined, { kind: "matched", loanId: 9n }],
      ["LOAN-7B", "XLOAN-7", { kind: "unmatched" }],
      ["LOAN 7, LOAN-", undefined, { kind: "unmatched" }],
      [undefined, undefined, { kind: "unmatched" }],
      ["LOAN-9 LOAN-7", undefined, { kind: "ambiguous", loanIds: [7n, 9n] }],
      ["LOAN-7", "LOAN-8", { kind: "ambiguous", loanIds: [7n, 8n] }],
    ];
    for (const [remittanceInformation, endToEndId, expected] of table) {
      expect(
        matchLoanReference({ remittanceInformation, endToEndId }),
        `${remittanceInformation} / ${endToEndId}`,
      ).to.deep.equal(expected);
    }
  });
});

describe("placePayment", () => {
  const known = (id: bigint) => id === 7n;

  it("matches a followed loan, and gives a reason for every other case", () => {
    expect(placePayment({ remittanceInformation: "LOAN-7" }, known)).to.deep.equal({
      loanId: 7n,
      loanReference: "LOAN-7",
      reason: null,
    });
    const table: [string, string, RegExp][] = [
      ["nothing", "", /no loan reference/],
      ["LOAN-8", "LOAN-8", /unknown loan: no loan 8/],
      [`LOAN-${2n ** 64n}`, `LOAN-${2n ** 64n}`, /unknown loan/],
      ["LOAN-7 LOAN-8", "LOAN-7,LOAN-8", /ambiguous: several loan references \(LOAN-7,LOAN-8\)/],
    ];
    for (const [text, loanReference, reason] of table) {
      const placement = placePayment({ remittanceInformation: text }, known);
      expect(placement.loanId, text).to.equal(null);
      expect(placement.loanReference, text).to.equal(loanReference);
      expect(placement.reason, text).to.match(reason);
    }
  });
});

describe("samePayment", () => {
  it("is true for a redelivery in another time zone and false for any changed field", () => {
    const first = bankPaymentSchema.parse(PAYMENT);
    expect(samePayment(first, bankPaymentSchema.parse({ ...PAYMENT, bookedAt: "2026-11-25T01:30:00Z" }))).to.equal(
      true,
    );
    for (const change of [{ amount: "91666668" }, { remittanceInformation: "LOAN-8" }, { endToEndId: undefined }]) {
      expect(samePayment(first, bankPaymentSchema.parse({ ...PAYMENT, ...change })), JSON.stringify(change)).to.equal(
        false,
      );
    }
  });
});

describe("sameReportedPayment", () => {
  const webhook = bankPaymentSchema.parse(PAYMENT);

  it("is true for the statement entry of a webhook's payment: other currency, texts absent or re-spaced", () => {
    const table: Record<string, unknown>[] = [
      {},
      { currency: "CNY" },
      { currency: undefined },
      { bookedAt: "2026-11-25T01:30:00Z" },
      { endToEndId: undefined },
      { remittanceInformation: undefined, endToEndId: undefined },
      { remittanceInformation: "Repayment  LOAN-7\n November " },
    ];
    for (const change of table) {
      const statement = bankPaymentSchema.parse({ ...PAYMENT, ...change });
      expect(sameReportedPayment(webhook, statement), JSON.stringify(change)).to.equal(true);
      expect(sameReportedPayment(statement, webhook), JSON.stringify(change)).to.equal(true);
    }
  });

  it("is false when the reference, amount or booking second differ, or a text contradicts the other", () => {
    const table: Record<string, unknown>[] = [
      { id: "2026112500001235" },
      { amount: "91666668" },
      { bookedAt: "2026-11-25T09:30:01+08:00" },
      { remittanceInformation: "Repayment LOAN-8 November" },
      { endToEndId: "E2E-LOAN-7-4" },
    ];
    for (const change of table) {
      const statement = bankPaymentSchema.parse({ ...PAYMENT, ...change });
      expect(sameReportedPayment(webhook, statement), JSON.stringify(change)).to.equal(false);
    }
  });
});
