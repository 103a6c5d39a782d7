import { describe, it } from "node:test";
import { expect } from "chai";
import { schedule } from "../../../../src/core/scheduleMath.ts";
import { TEMPLATE_DEFAULTS, templateTermsOf, type TemplateFormValues } from "./templateTerms.ts";

const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const values = (changes: Partial<TemplateFormValues> = {}): TemplateFormValues => ({
  ...TEMPLATE_DEFAULTS,
  token: TOKEN,
  ...changes,
});

describe("templateTermsOf", () => {
  it("turns the defaults into the demo's consumer annuity, in basis points, seconds and token units", () => {
    const result = templateTermsOf(values(), 6);
    expect(result.invalid).to.deep.equal([]);
    expect(result.params).to.deep.equal({
      token: TOKEN,
      kind: 1,
      rateBps: 1_800,
      count: 12,
      intervalSeconds: 30 * 86_400,
      minPrincipal: 1_000_000_000n,
      maxPrincipal: 5_000_000_000n,
      graceSeconds: 3 * 86_400,
      penaltyRateBps: 1_825,
      penaltyCapBps: 1_000,
      flatFee: 5_000_000n,
      defaultDaysPastDue: 30,
      defaultMissedInstallments: 0,
      requiresNotary: true,
      collateralKind: 0,
      prepaymentRule: 1,
      commitmentPolicy: { maxInstallments: 6, maxSpanDays: 180, minFirstPaymentBps: 1_000, graceSeconds: 3 * 86_400 },
      objectionWindowSeconds: 5 * 86_400,
    });
    expect(result.preview).to.include({ kind: "annuity", principal: 1_000_000_000n, rateBps: 1_800, count: 12 });
    // The preview is the contract's schedule: 12 installments repaying the principal exactly.
    const table = schedule(result.preview!);
    expect(table).to.have.length(12);
    expect(table.reduce((sum, row) => sum + row.principal, 0n)).to.equal(1_000_000_000n);
  });

  it("reads percentages to the basis point and amounts to the token's decimals", () => {
    const result = templateTermsOf(values({ ratePercent: "9.6", flatFee: "0.5", kind: "bullet" }), 6);
    const { params } = result;
    expect(params && [params.rateBps, params.flatFee, params.kind]).to.deep.equal([960, 500_000n, 4]);
  });

  /** The case, the changes, the invalid fields, and whether the preview can still be drawn. */
  const invalid: [string, Partial<TemplateFormValues>, string[], boolean][] = [
    ["a rate with three decimals", { ratePercent: "1.234" }, ["ratePercent"], false],
    ["a negative count", { count: "-1" }, ["count"], false],
    ["a count beyond a uint16", { count: "70000" }, ["count"], false],
    ["an amount finer than the token", { flatFee: "0.0000001" }, ["flatFee"], true],
    ["words", { intervalDays: "thirty", maxPrincipal: "lots" }, ["intervalDays", "maxPrincipal"], false],
    ["a custom plan (not offered)", { kind: "custom" }, ["kind"], false],
    ["no token", { token: "" }, ["token"], true],
    ["an unknown prepayment rule", { prepaymentRule: "None" }, ["prepaymentRule"], true],
  ];
  for (const [name, changes, fields, previewed] of invalid) {
    it(`names the invalid fields: ${name}`, () => {
      const result = templateTermsOf(values(changes), 6);
      expect(result.params).to.equal(null);
      expect([...result.invalid].sort()).to.deep.equal([...fields].sort());
      expect(result.preview !== null).to.equal(previewed);
    });
  }
});
