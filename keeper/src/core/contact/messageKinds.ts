/**
 * The kinds of message the keeper sends a borrower: the reminders and the default notice that `decide` schedules
 * (keeper/src/core/decisions.ts), the margin call the collateral watcher schedules, and the two letters of the enforcement path that the lender sends on its own
 * decision.
 */
import type { ReminderKind } from "../decisions.ts";

export const MESSAGE_KINDS = [
  "remindBeforeDue",
  "remindDueToday",
  "remindLate1",
  "remindLate7",
  "defaultNotice",
  "litigationRiskNotice",
  "debtCollectionLetter",
  "marginCallNotice",
] as const;

export type MessageKind =
  | ReminderKind
  | "defaultNotice"
  | "litigationRiskNotice"
  | "debtCollectionLetter"
  /** The collateral's value fell to the template's warning loan-to-value (`runtime/collateralWatcher.ts`). */
  | "marginCallNotice";

export type { Locale } from "./formatLocalTime.ts";
export const LOCALES = ["zh", "en"] as const;

/** The placeholders a template may use, each filled by `renderMessage`. */
export type Placeholder =
  | "borrower"
  | "lender"
  | "loanRef"
  | "amount"
  | "dueDate"
  | "dueDay"
  | "daysBeforeDue"
  | "daysLate"
  | "payment"
  | "contact"
  | "respondBy"
  | "certificateRef";

/** A message's text with `{placeholder}` marks. */
export interface MessageTemplate {
  readonly subject: string;
  readonly body: string;
}

/** One template per kind. */
export type TemplateSet = Readonly<Record<MessageKind, MessageTemplate>>;
