import { describe, it } from "node:test";
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, zeroAddress } from "viem";

import { MathRuleError } from "../../keeper/src/core/mathError.ts";
import { validateTerms } from "../../keeper/src/core/scheduleMath.ts";
import {
  DAY,
  PRINCIPAL,
  bookEventsOf,
  documentHash,
  PrepaymentRule,
  Status,
  loadLoanBook,
  kind,
  originateLoan,
  publishTemplate,
  revertOf,
  scheduleTermsOf,
  signedOrigination,
  templateParams,
  type CustomPlan,
  type TemplateParams,
} from "../support/loanBookFixture.ts";

const MAX_PRINCIPAL = 2n ** 96n - 1n;
const MAX_CUSTOM_TERM = 100 * 365 * DAY;
const NO_PLAN: CustomPlan = { dueOffsets: [], principals: [] };

const setup = loadLoanBook;

/** A valid custom plan of three installments adding up to PRINCIPAL, with the template overrides it needs. */
function customTemplate(
  plan: CustomPlan = {
    dueOffsets: [30 * DAY, 60 * DAY, 90 * DAY],
    principals: [300_000_000n, 300_000_000n, 400_000_000n],
  },
) {
  const sum = plan.principals.reduce((total, amount) => total + amount, 0n);
  return {
    overrides: {
      kind: kind("custom"),
      count: plan.dueOffsets.length,
      intervalSeconds: 0,
      minPrincipal: sum,
      maxPrincipal: sum,
    } satisfies Partial<TemplateParams>,
    plan,
  };
}

/** The error the TypeScript mirror names for the schedule terms a template's largest loan would have. */
function mirrorError(params: TemplateParams, plan: CustomPlan) {
  try {
    validateTerms(scheduleTermsOf(params, params.maxPrincipal, plan));
  } catch (error) {
    if (error instanceof MathRuleError) return { errorName: error.errorName, args: [...error.args] };
    throw error;
  }
  return undefined;
}

interface BadTemplate {
  name: string;
  overrides: Partial<TemplateParams>;
  plan?: CustomPlan;
  errorName: string;
  /** Expected arguments; `fromMirror` takes them from the TypeScript mirror's MathRuleError instead. */
  args: readonly unknown[] | "fromMirror";
}

const custom = customTemplate();

const BAD_TEMPLATES: BadTemplate[] = [
  { name: "zero token", overrides: { token: zeroAddress }, errorName: "LoanBook_ZeroToken", args: [] },
  {
    name: "minimum principal 0",
    overrides: { minPrincipal: 0n },
    errorName: "LoanBook_InvalidPrincipalBounds",
    args: [0n, 10_000_000_000n],
  },
  {
    name: "minimum above maximum",
    overrides: { minPrincipal: 2_000n, maxPrincipal: 1_999n },
    errorName: "LoanBook_InvalidPrincipalBounds",
    args: [2_000n, 1_999n],
  },
  {
    name: "maximum above 2^96 - 1 (installments would overflow the packed loan)",
    overrides: { maxPrincipal: MAX_PRINCIPAL + 1n },
    errorName: "LoanBook_InvalidPrincipalBounds",
    args: [100_000_000n, MAX_PRINCIPAL + 1n],
  },
  {
    name: "custom plan with minimum and maximum not equal",
    overrides: { ...custom.overrides, minPrincipal: PRINCIPAL - 1n },
    plan: custom.plan,
    errorName: "LoanBook_InvalidPrincipalBounds",
    args: [PRINCIPAL - 1n, PRINCIPAL],
  },
  {
    name: "neither default trigger",
    overrides: { defaultDaysPastDue: 0, defaultMissedInstallments: 0 },
    errorName: "LoanBook_NoDefaultTrigger",
    args: [],
  },
  {
    name: "no prepayment rule",
    overrides: { prepaymentRule: PrepaymentRule.None },
    errorName: "LoanBook_NoPrepaymentRule",
    args: [],
  },
  {
    name: "custom plan longer than 100 years",
    ...customTemplate({ dueOffsets: [DAY, MAX_CUSTOM_TERM + 1], principals: [PRINCIPAL / 2n, PRINCIPAL / 2n] }),
    errorName: "LoanBook_PlanTooLong",
    args: [BigInt(MAX_CUSTOM_TERM + 1), BigInt(MAX_CUSTOM_TERM)],
  },
  { name: "kind None", overrides: { kind: 0 }, errorName: "ScheduleMath_UnknownKind", args: "fromMirror" },
  {
    name: "rate above 100%",
    overrides: { rateBps: 10_001 },
    errorName: "ScheduleMath_RateTooHigh",
    args: "fromMirror",
  },
  { name: "zero installments", overrides: { count: 0 }, errorName: "ScheduleMath_CountOutOfRange", args: "fromMirror" },
  {
    name: "361 installments",
    overrides: { count: 361 },
    errorName: "ScheduleMath_CountOutOfRange",
    args: "fromMirror",
  },
  {
    name: "interval below one day",
    overrides: { intervalSeconds: DAY - 1 },
    errorName: "ScheduleMath_IntervalOutOfRange",
    args: "fromMirror",
  },
  {
    name: "interval above 365 days",
    overrides: { intervalSeconds: 365 * DAY + 1 },
    errorName: "ScheduleMath_IntervalOutOfRange",
    args: "fromMirror",
  },
  {
    name: "custom plan with an interval",
    overrides: { ...custom.overrides, intervalSeconds: 30 * DAY },
    plan: custom.plan,
    errorName: "ScheduleMath_IntervalOutOfRange",
    args: "fromMirror",
  },
  {
    name: "regular schedule with a plan",
    overrides: {},
    plan: { dueOffsets: [30 * DAY], principals: [PRINCIPAL] },
    errorName: "ScheduleMath_PlanLengthMismatch",
    args: "fromMirror",
  },
  {
    name: "custom plan shorter than its count",
    overrides: { ...custom.overrides, count: 4 },
    plan: custom.plan,
    errorName: "ScheduleMath_PlanLengthMismatch",
    args: "fromMirror",
  },
  {
    name: "custom plan with more principals than due offsets",
    overrides: custom.overrides,
    plan: { dueOffsets: custom.plan.dueOffsets, principals: [...custom.plan.principals, 0n] },
    errorName: "ScheduleMath_PlanLengthMismatch",
    args: "fromMirror",
  },
  {
    name: "custom plan with a first due offset of 0",
    ...customTemplate({ dueOffsets: [0, 30 * DAY], principals: [PRINCIPAL / 2n, PRINCIPAL / 2n] }),
    errorName: "ScheduleMath_DueOffsetNotIncreasing",
    args: "fromMirror",
  },
  {
    name: "custom plan with due offsets not increasing",
    ...customTemplate({ dueOffsets: [30 * DAY, 30 * DAY], principals: [PRINCIPAL / 2n, PRINCIPAL / 2n] }),
    errorName: "ScheduleMath_DueOffsetNotIncreasing",
    args: "fromMirror",
  },
  {
    name: "custom plan whose principals do not add up to the principal",
    overrides: { ...custom.overrides, minPrincipal: PRINCIPAL + 1n, maxPrincipal: PRINCIPAL + 1n },
    plan: custom.plan,
    errorName: "ScheduleMath_PlanSumMismatch",
    args: "fromMirror",
  },
];

describe("LoanBook.publishTemplate", () => {
  describe("refuses bad input with the error that explains it", () => {
    for (const bad of BAD_TEMPLATES) {
      it(`${bad.name}: ${bad.errorName}`, async () => {
        const { book, token, lender } = await setup();
        const params = templateParams(token.address, bad.overrides);
        const plan = bad.plan ?? NO_PLAN;
        const before = await book.read.templateCount();
        const reverted = await revertOf(() =>
          book.write.publishTemplate([params, plan.dueOffsets, plan.principals], { account: lender.account }),
        );
        let expectedArgs = bad.args;
        if (expectedArgs === "fromMirror") {
          const mirrored = mirrorError(params, plan);
          expect(mirrored?.errorName, "the mirror refuses the same terms").to.equal(bad.errorName);
          expectedArgs = mirrored?.args ?? [];
        }
        expect(reverted).to.deep.equal({ errorName: bad.errorName, args: expectedArgs });
        expect(await book.read.templateCount()).to.equal(before);
      });
    }
  });

  it("accepts the limits themselves: maximum principal 2^96 - 1, a custom plan of exactly 100 years", async () => {
    const fixture = await setup();
    const largest = await publishTemplate(fixture, { maxPrincipal: MAX_PRINCIPAL });
    expect((await fixture.book.read.templateOf([largest])).maxPrincipal).to.equal(MAX_PRINCIPAL);
    const longest = customTemplate({ dueOffsets: [DAY, MAX_CUSTOM_TERM], principals: [1n, PRINCIPAL - 1n] });
    const longestId = await publishTemplate(fixture, longest.overrides, longest.plan);
    const plan = await fixture.book.read.planOf([longestId]);
    expect(plan.map((entry) => [entry.dueOffset, entry.principal])).to.deep.equal([
      [DAY, 1n],
      [MAX_CUSTOM_TERM, PRINCIPAL - 1n],
    ]);
  });

  it("stores the terms and emits TemplatePublished with the hash of the ABI-encoded parameters and plan", async () => {
    const fixture = await setup();
    const { book, token, lender } = fixture;
    const { overrides, plan } = customTemplate();
    const params = templateParams(token.address, { ...overrides, graceSeconds: 5 * DAY });
    const hash = await book.write.publishTemplate([params, plan.dueOffsets, plan.principals], {
      account: lender.account,
    });
    const templateId = await book.read.templateCount();
    const publish = book.abi.find((item) => item.type === "function" && item.name === "publishTemplate");
    if (publish?.type !== "function") throw new Error("publishTemplate is missing from the ABI");
    const termsHash = keccak256(encodeAbiParameters(publish.inputs, [params, plan.dueOffsets, plan.principals]));
    const events = await bookEventsOf(fixture, hash);
    expect(events.filter((event) => event.eventName === "TemplatePublished").map((event) => event.args)).to.deep.equal([
      { templateId, lender: getAddress(lender.account.address), termsHash },
    ]);
    const stored = await book.read.templateOf([templateId]);
    expect(stored).to.deep.include({
      token: getAddress(token.address),
      kind: params.kind,
      count: params.count,
      intervalSeconds: 0,
      graceSeconds: 5 * DAY,
      minPrincipal: PRINCIPAL,
      maxPrincipal: PRINCIPAL,
      lender: getAddress(lender.account.address),
      retired: false,
    });
  });
});

describe("LoanBook.retireTemplate", () => {
  async function withLoan() {
    const fixture = await setup();
    const loanId = await originateLoan(fixture);
    return { ...fixture, fixture, loanId };
  }

  it("refuses new loans with LoanBook_TemplateRetired while existing loans keep working", async () => {
    const { fixture, book, lender, borrower, publicClient, viem, loanId } = await withLoan();
    await viem.assertions.emitWithArgs(
      book.write.retireTemplate([1n], { account: lender.account }),
      book,
      "TemplateRetired",
      [1n, getAddress(lender.account.address)],
    );
    expect((await book.read.templateOf([1n])).retired).to.equal(true);

    const params = await signedOrigination(fixture, { document: documentHash("after retirement") });
    expect(await revertOf(() => book.write.originate([params], { account: lender.account }))).to.deep.equal({
      errorName: "LoanBook_TemplateRetired",
      args: [1n],
    });
    expect(await book.read.loanCount()).to.equal(loanId);

    // The loan made before keeps its schedule: it repays, reports and can still be declared in default.
    const first = await book.read.currentInstallment([loanId]);
    const hash = await book.write.repay([loanId, first.principal + first.interest], { account: borrower.account });
    await publicClient.waitForTransactionReceipt({ hash });
    expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    const eligibleAt = await book.read.defaultEligibleAt([loanId]);
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt);
    await book.write.declareDefault([loanId], { account: fixture.stranger.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt + 1n);
    const payoff = await book.read.payoffAmount([loanId], { blockTag: "pending" });
    await book.write.repay([loanId, payoff], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
  });

  it("refuses to retire twice, someone else's template, or an unknown one", async () => {
    const { book, lender, otherLender } = await setup();
    expect(await revertOf(() => book.write.retireTemplate([1n], { account: otherLender.account }))).to.deep.equal({
      errorName: "LoanBook_NotTemplateLender",
      args: [1n, getAddress(otherLender.account.address), getAddress(lender.account.address)],
    });
    expect(await revertOf(() => book.write.retireTemplate([2n], { account: lender.account }))).to.deep.equal({
      errorName: "LoanBook_UnknownTemplate",
      args: [2n],
    });
    await book.write.retireTemplate([1n], { account: lender.account });
    expect(await revertOf(() => book.write.retireTemplate([1n], { account: lender.account }))).to.deep.equal({
      errorName: "LoanBook_TemplateRetired",
      args: [1n],
    });
  });
});
