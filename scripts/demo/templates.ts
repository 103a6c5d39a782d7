/**
 * The lender's three loan products in the demo, as `publishTemplate` takes them, with the principal range the demo
 * draws from and the day (from origination) each installment falls due.
 *
 * All three are notarized, accept a borrower's repayment commitment by policy (up to 6 installments over 180 days,
 * a first payment of at least 10%, 3 days' grace), and freeze enforcement for 5 days when the borrower objects.
 *
 * Default triggers count days past due only. A missed-installments trigger (say 2) also holds "with fewer
 * installments left than it counts, when all of them are missed" (README, Default): the last installment of every
 * loan would then be defaultable the second after its due time, and a borrower paying it a day late, within grace,
 * would be declared in default by the keeper first.
 */
import type { Address, ContractFunctionArgs } from "viem";
import type { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import { kindId, type ScheduleKind } from "../../keeper/src/core/scheduleMath.ts";

export const DAY = 86_400;
/** One TUSD (the local stack's TestToken has 6 decimals). */
export const TUSD = 1_000_000n;

/** `Loans.CollateralKind`. */
export const CollateralKind = { None: 0, ERC20: 1, ERC721: 2, OffChain: 3 } as const;
/** `Loans.PrepaymentRule`. */
export const PrepaymentRule = { None: 0, ShortenTerm: 1, LowerInstallments: 2 } as const;

/** `ILoanBookTypes.TemplateParams`, as viem types `publishTemplate`'s argument from the generated ABI. */
export type TemplateParams = ContractFunctionArgs<typeof loanBookAbi, "nonpayable", "publishTemplate">[0];

export type TemplateName = "consumerAnnuity" | "businessEqualPrincipal" | "bullet";

export interface DemoTemplate {
  readonly name: TemplateName;
  /** What the table calls it. */
  readonly label: string;
  readonly kind: ScheduleKind;
  /** Installments (a bullet has one). */
  readonly installments: number;
  /** Days from origination to installment `n` (1-based) falling due. */
  dueDay(n: number): number;
  /** Principal drawn in whole steps of `step` from min to max (token units). */
  readonly principal: { readonly min: bigint; readonly max: bigint; readonly step: bigint };
  /** Days past an installment's due date at which the template's default trigger holds. */
  readonly defaultAfterDays: number;
  /** ERC-20 collateral in the loan's token, in bps of the principal (0: none). */
  readonly collateralBps: number;
  /** Share of the book (weights). */
  readonly weight: number;
  params(token: Address): TemplateParams;
}

/** Every template's commitment policy: what a borrower's commitment may be to be accepted without the lender. */
export const COMMITMENT_POLICY = {
  maxInstallments: 6,
  maxSpanDays: 180,
  minFirstPaymentBps: 1_000,
  graceSeconds: 3 * DAY,
};
export const OBJECTION_WINDOW_DAYS = 5;
const MONTH_DAYS = 30;

const common = {
  requiresNotary: true,
  penaltyRateBps: 1_825,
  penaltyCapBps: 1_000,
  commitmentPolicy: COMMITMENT_POLICY,
  objectionWindowSeconds: OBJECTION_WINDOW_DAYS * DAY,
};

export const TEMPLATES: readonly DemoTemplate[] = [
  {
    name: "consumerAnnuity",
    label: "consumer annuity, 12 x 30 days",
    kind: "annuity",
    installments: 12,
    dueDay: (n) => n * MONTH_DAYS,
    principal: { min: 1_000n * TUSD, max: 5_000n * TUSD, step: 100n * TUSD },
    defaultAfterDays: 30,
    collateralBps: 0,
    weight: 50,
    params: (token) => ({
      ...common,
      token,
      kind: kindId("annuity"),
      rateBps: 1_800,
      count: 12,
      intervalSeconds: MONTH_DAYS * DAY,
      minPrincipal: 1_000n * TUSD,
      maxPrincipal: 5_000n * TUSD,
      graceSeconds: 3 * DAY,
      flatFee: 5n * TUSD,
      defaultDaysPastDue: 30,
      defaultMissedInstallments: 0,
      collateralKind: CollateralKind.None,
      prepaymentRule: PrepaymentRule.ShortenTerm,
    }),
  },
  {
    name: "businessEqualPrincipal",
    label: "small business, equal principal, 12 x 30 days, 20% ERC-20 collateral",
    kind: "equalPrincipal",
    installments: 12,
    dueDay: (n) => n * MONTH_DAYS,
    principal: { min: 5_000n * TUSD, max: 20_000n * TUSD, step: 500n * TUSD },
    defaultAfterDays: 45,
    collateralBps: 2_000,
    weight: 30,
    params: (token) => ({
      ...common,
      token,
      kind: kindId("equalPrincipal"),
      rateBps: 960,
      count: 12,
      intervalSeconds: MONTH_DAYS * DAY,
      minPrincipal: 5_000n * TUSD,
      maxPrincipal: 20_000n * TUSD,
      graceSeconds: 5 * DAY,
      flatFee: 20n * TUSD,
      defaultDaysPastDue: 45,
      defaultMissedInstallments: 0,
      collateralKind: CollateralKind.ERC20,
      prepaymentRule: PrepaymentRule.LowerInstallments,
    }),
  },
  {
    name: "bullet",
    label: "bullet, one payment after 180 days",
    kind: "bullet",
    installments: 1,
    // A bullet's one installment is due `count` intervals after the start.
    dueDay: () => 6 * MONTH_DAYS,
    principal: { min: 2_000n * TUSD, max: 10_000n * TUSD, step: 250n * TUSD },
    defaultAfterDays: 30,
    collateralBps: 0,
    weight: 20,
    params: (token) => ({
      ...common,
      token,
      kind: kindId("bullet"),
      rateBps: 1_000,
      count: 6,
      intervalSeconds: MONTH_DAYS * DAY,
      minPrincipal: 2_000n * TUSD,
      maxPrincipal: 10_000n * TUSD,
      graceSeconds: 5 * DAY,
      flatFee: 10n * TUSD,
      defaultDaysPastDue: 30,
      defaultMissedInstallments: 0,
      collateralKind: CollateralKind.None,
      prepaymentRule: PrepaymentRule.ShortenTerm,
    }),
  },
];
