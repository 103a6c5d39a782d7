import { lenderEn } from "./lenderEn.ts";

/** The app's English strings: the reference every other language must match key for key. */
export const en = {
  ...lenderEn,
  productName: "LoanBook",
  language: "Language",
  connectWallet: "Connect wallet",
  connecting: "Connecting…",
  noWallet: "No wallet found: install a browser wallet to connect.",
  connectedAs: "Connected",
  chain: "Chain",
  navLender: "Lender",
  navBorrower: "Borrower",
  navNotary: "Notary",
  borrowerTitle: "My loans",
  connectFirst: "Connect your wallet to see your loans.",
  noLoans: "No loans for this address.",
  loan: "Loan",
  status: "Status",
  principal: "Principal",
  nextDue: "Next due",
  amountDue: "Amount due",
  nothingDue: "Nothing due",
  notaryTitle: "Notarizations",
  notaryIntro: "Loans waiting for a notary's signature will be listed here.",
  nothingToNotarize: "Nothing to notarize.",
  loading: "Loading…",
  loadFailed: "Could not load",
  statusNone: "None",
  statusActive: "Active",
  statusLate: "Late",
  statusDefaulted: "Defaulted",
  statusRepaid: "Repaid",
  statusCertified: "Certified",
  statusCommitted: "Committed",
  statusDisputed: "Disputed",
  statusSettled: "Settled",
  statusWrittenOff: "Written off",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Readonly<Record<MessageKey, string>>;
