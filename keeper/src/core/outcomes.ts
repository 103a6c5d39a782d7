/**
 * What the keeper does when the chain refuses an action: the contract's custom errors, from a simulation or from a
 * batch's skip event, mapped to outcomes. Pure; the executor applies them.
 */

/**
 * - `retryAt`: not yet; the chain says from when (`at`, chain time): plan it again then.
 * - `retryLater`: not now, for a reason that passes (paused, funds short): try again after `after` seconds.
 * - `drop`: nothing to do: the chain already holds the fact, or it no longer applies. Done, without a transaction.
 * - `fail`: the action itself is wrong (a bad signature, an unknown loan): stop and tell an operator.
 */
export type Outcome =
  | { readonly kind: "retryAt"; readonly at: bigint }
  | { readonly kind: "retryLater"; readonly after: bigint }
  | { readonly kind: "drop" }
  | { readonly kind: "fail" };

/** How long to wait before trying an action LoanBook refused while paused (seconds). */
export const PAUSED_RETRY_SECONDS = 300n;
/** How long to wait before debiting a borrower whose balance or allowance fell short (seconds). */
export const FUNDS_RETRY_SECONDS = 3_600n;

/** Errors that mean the fact the action would create already holds, or the action no longer applies. */
const DROP = new Set([
  "LoanBook_AlreadyDefaulted",
  "LoanBook_LoanRepaid",
  "LoanBook_WrongStatus",
  "LoanBook_BankReferenceUsed",
  "LoanBook_AutoDebitOff",
  "LoanBook_NothingDue",
  // This keeper anchored the root already (anchors are per anchorer): the contact log batch is on chain.
  "EvidenceAnchor_AlreadyAnchored",
  // The margin call of this observation was made (by anyone), or the loan is no longer at its warning.
  "CollateralWatch_AlreadyCalled",
  "CollateralWatch_NoMarginCall",
  // The loan is enrolled already (by this keeper's earlier transaction, or the lender).
  "DefaultRegistry_AlreadyEnrolled",
]);

/**
 * The outcome of the contract's error `name` (with its decoded `args`) for an action.
 *
 * @example
 * outcomeOf("LoanBook_DefaultNotYetTriggered", [7n, 1_767_225_600n]); // { kind: "retryAt", at: 1_767_225_600n }
 */
export function outcomeOf(name: string, args: readonly unknown[] = []): Outcome {
  switch (name) {
    case "LoanBook_DefaultNotYetTriggered":
    case "LoanBook_CommitmentNotBreached": {
      // (loanId, eligibleAt | breachableAt); 0: it never will be with these facts.
      const at = args[1];
      return typeof at === "bigint" && at !== 0n ? { kind: "retryAt", at } : { kind: "drop" };
    }
    case "EnforcedPause":
      return { kind: "retryLater", after: PAUSED_RETRY_SECONDS };
    case "LoanBook_InsufficientFunds":
      return { kind: "retryLater", after: FUNDS_RETRY_SECONDS };
    default:
      return DROP.has(name) ? { kind: "drop" } : { kind: "fail" };
  }
}

/** `DefaultSkipped(loanId, eligibleAt)` of `declareDefaults`: not yet (or never, at 0). */
export function defaultSkippedOutcome(eligibleAt: bigint): Outcome {
  return eligibleAt !== 0n ? { kind: "retryAt", at: eligibleAt } : { kind: "drop" };
}
