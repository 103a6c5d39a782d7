/** The lender pages' Chinese strings (merged into `zh.ts`). */
import type { lenderEn } from "./lenderEn.ts";

export const lenderZh: Readonly<Record<keyof typeof lenderEn, string>> = {
  lenderTitle: "资产组合概览",
  lenderIntro: "账簿中的贷款，按守护程序最新区块时的状态统计。",
  loansByStatus: "各状态贷款数",
  totalLoans: "贷款总数",
};
