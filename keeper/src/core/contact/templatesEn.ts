/**
 * The English texts. Professional and lawful: they state the facts (amount, due date in the borrower's zone, the
 * loan reference), how to pay and how to object, and the consequences the loan agreement provides, never a threat.
 * `{name}` marks are filled by `renderMessage`; see `Placeholder`.
 */
import type { TemplateSet } from "./messageKinds.ts";

const IF_PAID = "If you have already paid, please disregard this message.";
const QUERIES =
  "If you have any question about this message or dispute the amount, please contact us via {contact}, quoting " +
  "{loanRef}. While an objection is under review we will not contact you about this loan except to answer it.";
const SIGN_OFF = "Kind regards,\n{lender}";

export const TEMPLATES_EN: TemplateSet = {
  remindBeforeDue: {
    subject: "Payment reminder: loan {loanRef} is due on {dueDay}",
    body: [
      "Dear {borrower},",
      "This is a friendly reminder that the next payment on your loan {loanRef} with {lender} falls due in " +
        "{daysBeforeDue} days.",
      "Amount due: {amount}\nDue by: {dueDate}",
      "Please make sure the funds are available by then.\nHow to pay: {payment}",
      `${IF_PAID} ${QUERIES}`,
      SIGN_OFF,
    ].join("\n\n"),
  },
  remindDueToday: {
    subject: "Payment reminder: loan {loanRef} is due today",
    body: [
      "Dear {borrower},",
      "The payment on your loan {loanRef} with {lender} is due today.",
      "Amount due: {amount}\nDue by: {dueDate}",
      "How to pay: {payment}",
      `${IF_PAID} ${QUERIES}`,
      SIGN_OFF,
    ].join("\n\n"),
  },
  remindLate1: {
    subject: "Overdue payment: loan {loanRef}",
    body: [
      "Dear {borrower},",
      "Our records show that the payment on your loan {loanRef} with {lender}, due by {dueDate}, has not been " +
        "received, and the loan is now overdue.",
      "Amount now due: {amount}",
      "Under your loan agreement, late interest may accrue on overdue amounts. Please pay as soon as possible.\n" +
        "How to pay: {payment}",
      `${IF_PAID} ${QUERIES}`,
      SIGN_OFF,
    ].join("\n\n"),
  },
  remindLate7: {
    subject: "Payment {daysLate} days overdue: loan {loanRef}",
    body: [
      "Dear {borrower},",
      "The payment on your loan {loanRef} with {lender}, due by {dueDate}, remains unpaid {daysLate} days after " +
        "its due date.",
      "Amount now due: {amount}",
      "Please pay as soon as possible. If the payment remains outstanding, the lender may exercise its rights under " +
        "the loan agreement, which may include declaring the loan in default and the whole balance due. If you are " +
        "having difficulty paying, please contact us to discuss a repayment arrangement.\nHow to pay: {payment}",
      `${IF_PAID} ${QUERIES}`,
      SIGN_OFF,
    ].join("\n\n"),
  },
  defaultNotice: {
    subject: "Notice of default: loan {loanRef}",
    body: [
      "Dear {borrower},",
      "As the payments due under your loan agreement {loanRef} with {lender} have not been made, the loan is in " +
        "default under the terms of the agreement, and the whole outstanding balance has become due.",
      "Outstanding balance: {amount}\nDue since: {dueDate}",
      "Please pay the outstanding balance in full by {respondBy}.\nHow to pay: {payment}",
      "If you dispute the default or the amount, you may object by {respondBy} via {contact}, quoting {loanRef}. " +
        "We will review your objection and reply to you; while it is under review we will not contact you about " +
        "this loan except to answer it.",
      IF_PAID,
      SIGN_OFF,
    ].join("\n\n"),
  },
  litigationRiskNotice: {
    subject: "Notice of enforcement risk: loan {loanRef}",
    body: [
      "Dear {borrower},",
      "Your loan agreement {loanRef} with {lender} was notarized as a debt instrument with compulsory enforcement " +
        "effect, and the notary office has issued an execution certificate for the debt (No. {certificateRef}).",
      "Outstanding debt: {amount}\nDue since: {dueDate}",
      "If the debt is not paid by {respondBy}, the lender may apply to the competent people's court for compulsory " +
        "enforcement on the basis of the notarized instrument and the execution certificate.",
      "How to pay: {payment}",
      "This notice informs you of that possibility; it does not affect any of your rights under the law. If you " +
        "dispute the debt or the certificate, you may object via {contact}, quoting {loanRef}, or through the " +
        "procedures provided by law.",
      IF_PAID,
      SIGN_OFF,
    ].join("\n\n"),
  },
  marginCallNotice: {
    subject: "Margin call: the collateral of loan {loanRef}",
    body: [
      "Dear {borrower},",
      "The value of the collateral securing your loan {loanRef} with {lender} has fallen, and the loan now stands at " +
        "or above the warning loan-to-value set in your loan agreement.",
      "Amount owed as of {dueDate}: {amount}",
      "To keep the loan in good standing, please repay part of it or provide further collateral by {respondBy}.\n" +
        "How to pay: {payment}",
      "If the value falls to the default loan-to-value of your agreement, the loan may be declared in default and " +
        "the whole balance become due. If you believe the valuation is wrong, contact us via {contact}, quoting " +
        "{loanRef}.",
      "{lender}",
    ].join("\n\n"),
  },
  debtCollectionLetter: {
    subject: "Letter of demand for payment: loan {loanRef}",
    body: [
      "To: {borrower}\nRe: Loan {loanRef}",
      "The whole debt under your loan {loanRef} with {lender} has been due since {dueDate}. The amount outstanding " +
        "is {amount}.",
      "We hereby formally demand that you pay the whole outstanding debt of {amount} by {respondBy}.\n" +
        "How to pay: {payment}",
      "If you have already paid, or you dispute the debt, please contact us via {contact} by {respondBy}, quoting " +
        "{loanRef} and providing any supporting evidence; we will review it promptly.",
      "We reserve all rights of the lender under the loan agreement and the law.",
      "Yours faithfully,\n{lender}",
    ].join("\n\n"),
  },
};
