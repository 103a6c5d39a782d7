/**
 * The messages the keeper sends a borrower, rendered from the templates in Chinese (`templatesZh.ts`) and English
 * (`templatesEn.ts`). Every fact comes from the caller: the amount in token base units (shown exactly, see
 * `formatAmount`), the due time in unix seconds (shown in the borrower's zone, see `formatLocalDateTime`), the loan
 * (`LOAN-<id>`, as the bank transfer reference and the lender's records write it). A placeholder whose value is
 * missing or empty throws a `MissingPlaceholderError`: a message never says "undefined". Pure.
 */
import { REMIND_BEFORE_DUE_DAYS, REMIND_LATE7_DAYS } from "../decisions.ts";
import { formatAmount } from "./formatAmount.ts";
import { formatLocalDate, formatLocalDateTime, type Locale } from "./formatLocalTime.ts";
import { assertTimeZone } from "./localTime.ts";
import {
  LOCALES,
  MESSAGE_KINDS,
  type MessageKind,
  type MessageTemplate,
  type Placeholder,
  type TemplateSet,
} from "./messageKinds.ts";
import { TEMPLATES_EN } from "./templatesEn.ts";
import { TEMPLATES_ZH } from "./templatesZh.ts";

export { LOCALES, MESSAGE_KINDS, type Locale, type MessageKind, type Placeholder };

export const TEMPLATES: Readonly<Record<Locale, TemplateSet>> = { zh: TEMPLATES_ZH, en: TEMPLATES_EN };

/** How the borrower is addressed when no name is given. */
const DEFAULT_SALUTATION: Readonly<Record<Locale, string>> = { zh: "借款人", en: "borrower" };

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** Thrown when a template needs a value the caller did not give (or gave empty). */
export class MissingPlaceholderError extends Error {
  override readonly name = "MissingPlaceholderError";
  readonly placeholder: string;

  constructor(placeholder: string, where: string) {
    super(`No value for {${placeholder}} in ${where}: pass it to renderMessage`);
    this.placeholder = placeholder;
  }
}

export interface RenderMessageParameters {
  readonly kind: MessageKind;
  readonly locale: Locale;
  readonly loanId: bigint;
  /** For reminders, what is due for the installment; for the notices and letters, the whole debt. Base units. */
  readonly amountDue: bigint;
  /** The token's decimals. */
  readonly decimals: number;
  /** The currency as the borrower knows it ("USDC", "CNY"). */
  readonly currency: string;
  /** For reminders, the installment's due time; for the notices and letters, when the whole debt fell due. */
  readonly dueTime: bigint;
  /** The borrower's IANA time zone: every date is shown there. */
  readonly timeZone: string;
  readonly lenderName: string;
  /** How to pay: account, reference to quote, or a link. */
  readonly paymentInstructions: string;
  /** How to object or reach the lender: phone line, e-mail, address. */
  readonly contactInstructions: string;
  /** How to address the borrower; default "借款人" / "borrower". */
  readonly borrowerName?: string;
  /** The deadline to pay or object: required by `defaultNotice`, `litigationRiskNotice`, `debtCollectionLetter`,
   * `marginCallNotice`. */
  readonly respondBy?: bigint;
  /** The notary's execution certificate number: required by `litigationRiskNotice`. */
  readonly certificateRef?: string;
}

export interface RenderedMessage {
  readonly subject: string;
  readonly body: string;
}

/**
 * The loan's reference as borrowers see it.
 *
 * @example
 * loanReferenceOf(7n); // "LOAN-7"
 */
export function loanReferenceOf(loanId: bigint): string {
  if (typeof loanId !== "bigint" || loanId < 0n) throw new RangeError(`Loan id ${String(loanId)} is not a bigint ≥ 0`);
  return `LOAN-${loanId}`;
}

/**
 * `template` with each `{name}` replaced by `values[name]`, in one pass (a value containing braces is not read
 * again). Throws a `MissingPlaceholderError` for a name with no value or an empty one.
 *
 * @example
 * fillTemplate("Dear {borrower},", { borrower: "Ms Li" }, "greeting"); // "Dear Ms Li,"
 */
export function fillTemplate(
  template: string,
  values: Partial<Readonly<Record<string, string>>>,
  where: string,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined || value.trim() === "") throw new MissingPlaceholderError(name, where);
    return value;
  });
}

function requireText(name: string, value: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new MissingPlaceholderError(name, "renderMessage");
  return value.trim();
}

function templateOf(kind: MessageKind, locale: Locale): MessageTemplate {
  if (!(LOCALES as readonly string[]).includes(locale)) throw new RangeError(`Unknown locale "${locale}"`);
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) throw new RangeError(`Unknown message kind "${kind}"`);
  return TEMPLATES[locale][kind];
}

/**
 * The subject and body of a message to a borrower, in their language, every fact filled in.
 *
 * @example
 * renderMessage({
 *   kind: "remindBeforeDue", locale: "zh", loanId: 7n, amountDue: 91_666_667n, decimals: 6, currency: "USDC",
 *   dueTime: 1_764_172_799n, timeZone: "Asia/Shanghai", lenderName: "示例小额贷款有限公司",
 *   paymentInstructions: "转账至 0x…，附言 LOAN-7", contactInstructions: "客服电话 400-000-0000",
 * });
 * // { subject: "还款提醒：您的借款LOAN-7将于2025年11月26日到期", body: "尊敬的借款人：\n\n您好！…91.666667 USDC…" }
 */
export function renderMessage(parameters: RenderMessageParameters): RenderedMessage {
  const { kind, locale, timeZone } = parameters;
  const template = templateOf(kind, locale);
  assertTimeZone(timeZone);
  const values: Partial<Record<Placeholder, string>> = {
    borrower: parameters.borrowerName?.trim() || DEFAULT_SALUTATION[locale],
    lender: requireText("lender", parameters.lenderName),
    loanRef: loanReferenceOf(parameters.loanId),
    amount: `${formatAmount(parameters.amountDue, parameters.decimals)} ${requireText("currency", parameters.currency)}`,
    dueDate: formatLocalDateTime(parameters.dueTime, timeZone, locale),
    dueDay: formatLocalDate(parameters.dueTime, timeZone, locale),
    daysBeforeDue: REMIND_BEFORE_DUE_DAYS.toString(),
    daysLate: REMIND_LATE7_DAYS.toString(),
    payment: requireText("payment", parameters.paymentInstructions),
    contact: requireText("contact", parameters.contactInstructions),
    respondBy:
      parameters.respondBy === undefined ? undefined : formatLocalDateTime(parameters.respondBy, timeZone, locale),
    certificateRef: parameters.certificateRef?.trim(),
  };
  const where = `${kind}/${locale}`;
  return { subject: fillTemplate(template.subject, values, where), body: fillTemplate(template.body, values, where) };
}
