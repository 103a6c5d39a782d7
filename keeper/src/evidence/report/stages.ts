/**
 * The stages of a loan's life the report's timeline figure draws, one lane each, in the order a loan goes through
 * them (the enforcement funnel), and the stage of each loan book event.
 */

/** The timeline's lanes, top to bottom. */
export const STAGES = [
  "origination",
  "payment",
  "default",
  "certificate",
  "commitment",
  "breach",
  "settlement",
  "writeOff",
  "recovery",
  "other",
] as const;

export type Stage = (typeof STAGES)[number];

/** The stage of each event the loan book emits about a loan (`loanLogs.ts`); an unknown name is "other". */
const STAGE_OF_EVENT: Readonly<Record<string, Stage>> = {
  LoanOriginated: "origination",
  Transfer: "origination",
  Approval: "origination",
  CollateralPledged: "origination",
  AutoDebitSet: "origination",
  RepaymentMade: "payment",
  BankPaymentRecorded: "payment",
  DebtRepaid: "payment",
  PenaltyWaived: "payment",
  LoanDefaulted: "default",
  CollateralDefaultTriggered: "default",
  DefaultSkipped: "default",
  ActionSkipped: "default",
  ObjectionFiled: "default",
  ObjectionResolved: "default",
  DefaultCertified: "certificate",
  CommitmentAccepted: "commitment",
  CommitmentBreached: "breach",
  LoanRepaid: "settlement",
  LoanSettled: "settlement",
  CollateralReleased: "settlement",
  LoanWrittenOff: "writeOff",
  RecoveryStageAdvanced: "recovery",
  CollateralEnforced: "recovery",
  CollateralSold: "recovery",
};

/** The loan book events the report knows by name (each has a stage and a name in both languages). */
export const KNOWN_EVENTS = Object.keys(STAGE_OF_EVENT);

/**
 * @example
 * stageOf("DefaultCertified"); // "certificate"
 */
export function stageOf(eventName: string): Stage {
  return Object.hasOwn(STAGE_OF_EVENT, eventName) ? STAGE_OF_EVENT[eventName] : "other";
}
