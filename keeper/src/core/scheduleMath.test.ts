import { describe, it } from "node:test";
import { expect } from "chai";

import { MathRuleError } from "./mathError.ts";
import { annuityPayment, installmentAt, schedule, type ScheduleTerms } from "./scheduleMath.ts";

const DAY = 86_400;
const base: ScheduleTerms = {
  kind: "annuity",
  principal: 1_000_000n,
  rateBps: 1200,
  intervalSeconds: 30 * DAY,
  count: 12,
  dueOffsets: [],
  principals: [],
};

function errorOf(run: () => unknown): { errorName: string; args: readonly bigint[] } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof MathRuleError) return { errorName: error.errorName, args: error.args };
    throw error;
  }
}

describe("scheduleMath: refused terms", () => {
  const cases: { name: string; terms: Partial<ScheduleTerms>; errorName: string; args: bigint[] }[] = [
    { name: "zero principal", terms: { principal: 0n }, errorName: "ScheduleMath_ZeroPrincipal", args: [] },
    {
      name: "rate above 100% a year",
      terms: { rateBps: 10_001 },
      errorName: "ScheduleMath_RateTooHigh",
      args: [10_001n, 10_000n],
    },
    { name: "no installment", terms: { count: 0 }, errorName: "ScheduleMath_CountOutOfRange", args: [0n, 360n] },
    {
      name: "361 installments",
      terms: { count: 361 },
      errorName: "ScheduleMath_CountOutOfRange",
      args: [361n, 360n],
    },
    {
      name: "interval under a day",
      terms: { intervalSeconds: DAY - 1 },
      errorName: "ScheduleMath_IntervalOutOfRange",
      args: [BigInt(DAY - 1), BigInt(DAY), BigInt(365 * DAY)],
    },
    {
      name: "interval over a year",
      terms: { intervalSeconds: 365 * DAY + 1 },
      errorName: "ScheduleMath_IntervalOutOfRange",
      args: [BigInt(365 * DAY + 1), BigInt(DAY), BigInt(365 * DAY)],
    },
    {
      name: "a plan on a regular schedule",
      terms: { dueOffsets: [DAY], principals: [1_000_000n] },
      errorName: "ScheduleMath_PlanLengthMismatch",
      args: [0n, 1n, 1n],
    },
    {
      name: "custom with an interval",
      terms: { kind: "custom", count: 1, dueOffsets: [DAY], principals: [1_000_000n] },
      errorName: "ScheduleMath_IntervalOutOfRange",
      args: [BigInt(30 * DAY), 0n, 0n],
    },
    {
      name: "custom plan shorter than its count",
      terms: { kind: "custom", intervalSeconds: 0, count: 2, dueOffsets: [DAY], principals: [1_000_000n] },
      errorName: "ScheduleMath_PlanLengthMismatch",
      args: [2n, 1n, 1n],
    },
    {
      name: "custom due offsets not increasing",
      terms: {
        kind: "custom",
        intervalSeconds: 0,
        count: 2,
        dueOffsets: [2 * DAY, 2 * DAY],
        principals: [500_000n, 500_000n],
      },
      errorName: "ScheduleMath_DueOffsetNotIncreasing",
      args: [1n, BigInt(2 * DAY), BigInt(2 * DAY)],
    },
    {
      name: "custom first due offset at the start",
      terms: { kind: "custom", intervalSeconds: 0, count: 1, dueOffsets: [0], principals: [1_000_000n] },
      errorName: "ScheduleMath_DueOffsetNotIncreasing",
      args: [0n, 0n, 0n],
    },
    {
      name: "custom principals not summing to the principal",
      terms: { kind: "custom", intervalSeconds: 0, count: 1, dueOffsets: [DAY], principals: [999_999n] },
      errorName: "ScheduleMath_PlanSumMismatch",
      args: [999_999n, 1_000_000n],
    },
  ];
  for (const { name, terms, errorName, args } of cases) {
    it(`refuses ${name} with ${errorName}`, () => {
      expect(errorOf(() => schedule({ ...base, ...terms }))).to.deep.equal({ errorName, args });
    });
  }

  it("refuses installment numbers outside the table", () => {
    for (const number of [0, 13]) {
      expect(errorOf(() => installmentAt(base, number))).to.deep.equal({
        errorName: "ScheduleMath_InstallmentOutOfRange",
        args: [BigInt(number), 12n],
      });
    }
  });

  it("refuses values that do not fit the Solidity types", () => {
    expect(() => schedule({ ...base, principal: 1n << 128n })).to.throw(RangeError, /principal/);
    expect(() => schedule({ ...base, count: 1.5 })).to.throw(RangeError, /count/);
    expect(() => schedule({ ...base, rateBps: -1 })).to.throw(RangeError, /rateBps/);
  });
});

describe("scheduleMath: tables", () => {
  it("repays exactly the principal, every kind", () => {
    const kinds: ScheduleTerms[] = [
      base,
      { ...base, kind: "equalPrincipal" },
      { ...base, kind: "interestOnly" },
      { ...base, kind: "bullet" },
      {
        ...base,
        kind: "custom",
        intervalSeconds: 0,
        count: 2,
        dueOffsets: [10 * DAY, 40 * DAY],
        principals: [1n, 999_999n],
      },
    ];
    for (const terms of kinds) {
      const table = schedule(terms);
      expect(
        table.reduce((sum, row) => sum + row.principal, 0n),
        terms.kind,
      ).to.equal(terms.principal);
      expect(table.at(-1)?.balanceAfter, terms.kind).to.equal(0n);
    }
  });

  it("pays the annuity's equal installment until the last", () => {
    const payment = annuityPayment(base.principal, base.rateBps, base.intervalSeconds, base.count);
    const table = schedule(base);
    for (const row of table.slice(0, -1)) expect(row.total).to.equal(payment);
  });

  it("dates a bullet at maturity", () => {
    expect(schedule({ ...base, kind: "bullet" }).map((row) => row.dueOffset)).to.deep.equal([12 * 30 * DAY]);
  });
});
