/**
 * The new-template form's values (text, as typed: percentages, days, whole tokens) turned into what
 * `publishTemplate` takes (`ILoanBookTypes.TemplateParams`: basis points, seconds, token units) and into the schedule
 * terms of the live preview (`scheduleMath.ts`, the contract's own math). Pure: no DOM, no chain.
 */
import { isAddress, parseUnits, type Address, type ContractFunctionArgs } from "viem";
import { kindId, SECONDS_PER_DAY, type ScheduleKind, type ScheduleTerms } from "../../../../src/core/scheduleMath.ts";
import type { loanBookAbi } from "../../chain.ts";

/** `ILoanBookTypes.TemplateParams`, as viem types `publishTemplate`'s first argument. */
export type TemplateParams = ContractFunctionArgs<typeof loanBookAbi, "nonpayable", "publishTemplate">[0];

/** The kinds the form offers: a custom plan needs a table of its own, which this form does not take. */
export const FORM_KINDS = ["annuity", "equalPrincipal", "interestOnly", "bullet"] as const satisfies ScheduleKind[];
/** `Loans.CollateralKind` and `Loans.PrepaymentRule` by name (their `None = 0` is not offered for the rule). */
export const COLLATERAL_KINDS = { None: 0, ERC20: 1, ERC721: 2, OffChain: 3 } as const;
export const PREPAYMENT_RULES = { ShortenTerm: 1, LowerInstallments: 2 } as const;

export interface TemplateFormValues {
  readonly kind: string;
  /** Percent a year, up to two decimals. */
  readonly ratePercent: string;
  readonly count: string;
  readonly intervalDays: string;
  /** Whole tokens (decimals allowed up to the token's). */
  readonly minPrincipal: string;
  readonly maxPrincipal: string;
  /** The principal the preview is drawn for. */
  readonly previewPrincipal: string;
  readonly graceDays: string;
  readonly penaltyRatePercent: string;
  readonly penaltyCapPercent: string;
  readonly flatFee: string;
  readonly defaultDaysPastDue: string;
  readonly defaultMissedInstallments: string;
  readonly requiresNotary: boolean;
  readonly collateralKind: string;
  readonly prepaymentRule: string;
  readonly commitmentMaxInstallments: string;
  readonly commitmentMaxSpanDays: string;
  readonly commitmentMinFirstPaymentPercent: string;
  readonly commitmentGraceDays: string;
  readonly objectionWindowDays: string;
  readonly token: string;
}

/** A consumer annuity: 18% a year, 12 monthly installments (the demo's first template). */
export const TEMPLATE_DEFAULTS: TemplateFormValues = {
  kind: "annuity",
  ratePercent: "18",
  count: "12",
  intervalDays: "30",
  minPrincipal: "1000",
  maxPrincipal: "5000",
  previewPrincipal: "1000",
  graceDays: "3",
  penaltyRatePercent: "18.25",
  penaltyCapPercent: "10",
  flatFee: "5",
  defaultDaysPastDue: "30",
  defaultMissedInstallments: "0",
  requiresNotary: true,
  collateralKind: "None",
  prepaymentRule: "ShortenTerm",
  commitmentMaxInstallments: "6",
  commitmentMaxSpanDays: "180",
  commitmentMinFirstPaymentPercent: "10",
  commitmentGraceDays: "3",
  objectionWindowDays: "5",
  token: "",
};

export type TemplateField = keyof TemplateFormValues;

export interface TemplateTermsResult {
  /** What `publishTemplate` takes; null while a field is invalid. */
  readonly params: TemplateParams | null;
  /** The preview's schedule terms; null while a field that shapes the schedule is invalid. */
  readonly preview: ScheduleTerms | null;
  /** The fields that are not valid numbers, choices or an address. */
  readonly invalid: readonly TemplateField[];
}

/** The fields the preview's schedule is drawn from. */
export const SCHEDULE_FIELDS: readonly TemplateField[] = [
  "kind",
  "ratePercent",
  "count",
  "intervalDays",
  "previewPrincipal",
];

const UINT16_MAX = 2 ** 16 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const WHOLE = /^[0-9]{1,10}$/;
const PERCENT = /^([0-9]{1,5})(?:\.([0-9]{1,2}))?$/;
const AMOUNT = /^[0-9]{1,30}(?:\.[0-9]+)?$/;

/**
 * The template and the preview's terms of `values`, and the fields that are not valid numbers (the schedule's own
 * rules, such as the rate's maximum, are the preview's to name: `scheduleMath.ts` throws the contract's error).
 *
 * @example
 * const { preview } = templateTermsOf(TEMPLATE_DEFAULTS, 6);
 * if (preview !== null) schedule(preview);
 */
export function templateTermsOf(values: TemplateFormValues, decimals: number): TemplateTermsResult {
  const invalid: TemplateField[] = [];
  const whole = (field: TemplateField, max: number): number => {
    const text = String(values[field]).trim();
    const value = WHOLE.test(text) ? Number(text) : Number.NaN;
    if (!(value <= max)) invalid.push(field);
    return value;
  };
  const days = (field: TemplateField): number => {
    const seconds = whole(field, Math.floor(UINT32_MAX / SECONDS_PER_DAY)) * SECONDS_PER_DAY;
    return Number.isNaN(seconds) ? 0 : seconds;
  };
  /** Percent to basis points, exactly (`18.25` is 1825). */
  const bps = (field: TemplateField): number => {
    const match = PERCENT.exec(String(values[field]).trim());
    const value = match === null ? Number.NaN : Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
    if (!(value <= UINT16_MAX)) invalid.push(field);
    return value;
  };
  const amount = (field: TemplateField): bigint => {
    const text = String(values[field]).trim();
    const fraction = text.split(".")[1] ?? "";
    if (!AMOUNT.test(text) || fraction.length > decimals) {
      invalid.push(field);
      return 0n;
    }
    return parseUnits(text, decimals);
  };
  const choice = <T extends Record<string, number>>(field: TemplateField, options: T): number => {
    const value = options[String(values[field])];
    if (value === undefined) invalid.push(field);
    return value ?? 0;
  };

  const kind = (FORM_KINDS as readonly string[]).includes(values.kind) ? (values.kind as ScheduleKind) : null;
  if (kind === null) invalid.push("kind");
  const rateBps = bps("ratePercent");
  const count = whole("count", UINT16_MAX);
  const intervalSeconds = days("intervalDays");
  const minPrincipal = amount("minPrincipal");
  const maxPrincipal = amount("maxPrincipal");
  const previewPrincipal = amount("previewPrincipal");
  const token = values.token.trim();
  if (!isAddress(token, { strict: false })) invalid.push("token");
  const params: TemplateParams = {
    token: token as Address,
    kind: kind === null ? 0 : kindId(kind),
    rateBps,
    count,
    intervalSeconds,
    minPrincipal,
    maxPrincipal,
    graceSeconds: days("graceDays"),
    penaltyRateBps: bps("penaltyRatePercent"),
    penaltyCapBps: bps("penaltyCapPercent"),
    flatFee: amount("flatFee"),
    defaultDaysPastDue: whole("defaultDaysPastDue", UINT16_MAX),
    defaultMissedInstallments: whole("defaultMissedInstallments", UINT16_MAX),
    requiresNotary: values.requiresNotary,
    collateralKind: choice("collateralKind", COLLATERAL_KINDS),
    prepaymentRule: choice("prepaymentRule", PREPAYMENT_RULES),
    commitmentPolicy: {
      maxInstallments: whole("commitmentMaxInstallments", UINT16_MAX),
      maxSpanDays: whole("commitmentMaxSpanDays", UINT16_MAX),
      minFirstPaymentBps: bps("commitmentMinFirstPaymentPercent"),
      graceSeconds: days("commitmentGraceDays"),
    },
    objectionWindowSeconds: days("objectionWindowDays"),
  };
  const preview: ScheduleTerms | null = invalid.some((field) => SCHEDULE_FIELDS.includes(field))
    ? null
    : { kind: kind!, principal: previewPrincipal, rateBps, intervalSeconds, count, dueOffsets: [], principals: [] };
  return { params: invalid.length === 0 ? params : null, preview, invalid };
}
