/** The lender pages' English strings (merged into `en.ts`). */
export const lenderEn = {
  lenderTitle: "Portfolio overview",
  lenderIntro: "Loans in the book, by status as of the keeper's last block.",
  loansByStatus: "Loans by status",
  totalLoans: "Loans in all",
} as const;
