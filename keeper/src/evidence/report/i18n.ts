/**
 * Every string of the report, in English and in Chinese. `ReportText` names each key once, so a key missing in one
 * language does not type check; `i18n.test.ts` also checks that no text is empty and every known event is named.
 */
import type { SignatureKind } from "../manifest.ts";
import type { Stage } from "./stages.ts";

/** The report's languages. */
export const REPORT_LOCALES = ["en", "zh"] as const;
export type ReportLocale = (typeof REPORT_LOCALES)[number];

export interface ReportText {
  /** The `lang` attribute of the document. */
  readonly htmlLang: string;
  readonly title: (loanId: string) => string;
  readonly summary: string;
  readonly chainId: string;
  readonly loanBook: string;
  readonly enforcementModule: string;
  readonly token: string;
  readonly lender: string;
  readonly borrower: string;
  readonly notary: string;
  readonly claimHolder: string;
  readonly readAt: string;
  readonly logsFrom: string;
  readonly terms: string;
  readonly value: string;
  readonly timeline: string;
  readonly timelineCaption: string;
  readonly events: string;
  readonly eventCount: (count: number) => string;
  readonly time: string;
  readonly event: string;
  readonly block: string;
  readonly transaction: string;
  readonly logIndex: string;
  readonly arguments: string;
  readonly documents: string;
  readonly role: string;
  readonly hash: string;
  readonly namedBy: string;
  readonly signatures: string;
  readonly kind: string;
  readonly signer: string;
  readonly approval: string;
  readonly ownTransaction: string;
  readonly signedTypedData: string;
  readonly none: string;
  readonly howToVerify: string;
  readonly howToVerifyText: string;
  readonly stages: Readonly<Record<Stage, string>>;
  readonly eventNames: Readonly<Record<string, string>>;
  readonly signatureKinds: Readonly<Record<SignatureKind, string>>;
}

const en: ReportText = {
  htmlLang: "en",
  title: (loanId) => `Evidence report: loan ${loanId}`,
  summary: "Loan and contracts",
  chainId: "Chain id",
  loanBook: "Loan book contract",
  enforcementModule: "Enforcement module",
  token: "Token",
  lender: "Lender",
  borrower: "Borrower",
  notary: "Notary",
  claimHolder: "Claim holder",
  readAt: "Read at block",
  logsFrom: "Logs searched from block",
  terms: "Terms (the loan book's views at the read block)",
  value: "Value",
  timeline: "Timeline",
  timelineCaption: "One mark per event, numbered as in the table, on a time axis (UTC), one lane per stage.",
  events: "Events",
  eventCount: (count) => `${count} events of the loan, in chain order.`,
  time: "Time (UTC)",
  event: "Event",
  block: "Block",
  transaction: "Transaction",
  logIndex: "Log index",
  arguments: "Arguments",
  documents: "Documents",
  role: "Role",
  hash: "Keccak-256 hash",
  namedBy: "Named by event",
  signatures: "Signatures and approvals",
  kind: "Kind",
  signer: "Signer",
  approval: "Approval",
  ownTransaction: "sent the transaction itself",
  signedTypedData: "EIP-712 signature",
  none: "none",
  howToVerify: "How to verify",
  howToVerifyText:
    "This report is derived from manifest.json and proves nothing by itself. In the package folder, " +
    "`sha256sum -c SHA256SUMS` checks that no file (this report included) was changed; " +
    "`loanbook evidence verify DIR --rpc URL` re-checks every event, receipt, block, signature and term against any " +
    "node of the chain (docs/evidence.md shows the same checks with curl and jq).",
  stages: {
    origination: "Origination",
    payment: "Payments",
    default: "Late / default",
    certificate: "Certificate",
    commitment: "Commitment",
    breach: "Breach",
    settlement: "Settlement",
    writeOff: "Write-off",
    recovery: "Recovery",
    other: "Other",
  },
  eventNames: {
    LoanOriginated: "Loan originated",
    Transfer: "Claim token transferred",
    Approval: "Claim token approved",
    CollateralPledged: "Collateral pledged",
    AutoDebitSet: "Auto-debit set",
    RepaymentMade: "Repayment made",
    BankPaymentRecorded: "Bank payment recorded",
    DebtRepaid: "Debt repaid",
    PenaltyWaived: "Penalty waived",
    LoanDefaulted: "Loan defaulted",
    DefaultSkipped: "Default skipped",
    ActionSkipped: "Action skipped",
    ObjectionFiled: "Objection filed",
    ObjectionResolved: "Objection resolved",
    DefaultCertified: "Default certified",
    CommitmentAccepted: "Commitment accepted",
    CommitmentBreached: "Commitment breached",
    LoanRepaid: "Loan repaid",
    LoanSettled: "Loan settled",
    CollateralReleased: "Collateral released",
    LoanWrittenOff: "Loan written off",
    RecoveryStageAdvanced: "Recovery stage advanced",
    CollateralEnforced: "Collateral enforced",
    CollateralSold: "Collateral sold at auction",
    CollateralDefaultTriggered: "Default on the collateral's value or tracker",
  },
  signatureKinds: {
    LoanAcceptance: "Loan acceptance",
    Notarization: "Notarization",
    ExecutionCertificate: "Execution certificate",
    RepaymentCommitment: "Repayment commitment",
    CommitmentAcceptance: "Commitment acceptance",
    BankPayment: "Bank payment",
  },
};

const zh: ReportText = {
  htmlLang: "zh-CN",
  title: (loanId) => `证据报告：贷款 ${loanId}`,
  summary: "贷款与合约",
  chainId: "链 ID",
  loanBook: "贷款簿合约",
  enforcementModule: "执行模块",
  token: "代币",
  lender: "出借人",
  borrower: "借款人",
  notary: "公证人",
  claimHolder: "债权持有人",
  readAt: "读取区块",
  logsFrom: "日志检索起始区块",
  terms: "条款（读取区块时贷款簿的视图）",
  value: "值",
  timeline: "时间线",
  timelineCaption: "每个事件一个标记，编号与表格一致；横轴为时间（UTC），每个阶段一行。",
  events: "事件",
  eventCount: (count) => `该贷款共 ${count} 个事件，按链上顺序排列。`,
  time: "时间（UTC）",
  event: "事件",
  block: "区块",
  transaction: "交易",
  logIndex: "日志序号",
  arguments: "参数",
  documents: "文件",
  role: "用途",
  hash: "Keccak-256 哈希",
  namedBy: "引用事件",
  signatures: "签名与批准",
  kind: "类型",
  signer: "签署人",
  approval: "批准方式",
  ownTransaction: "本人发送交易",
  signedTypedData: "EIP-712 签名",
  none: "无",
  howToVerify: "如何核验",
  howToVerifyText:
    "本报告由 manifest.json 生成，其本身不具证明力。在证据包目录中，" +
    "`sha256sum -c SHA256SUMS` 核对所有文件（包括本报告）未被改动；" +
    "`loanbook evidence verify DIR --rpc URL` 可对照该链的任一节点，重新核验每个事件、回执、区块、签名和条款" +
    "（docs/evidence.md 说明了如何仅用 curl 和 jq 完成同样的核验）。",
  stages: {
    origination: "放款",
    payment: "还款",
    default: "逾期 / 违约",
    certificate: "执行证书",
    commitment: "还款承诺",
    breach: "违反承诺",
    settlement: "结清",
    writeOff: "核销",
    recovery: "追偿",
    other: "其他",
  },
  eventNames: {
    LoanOriginated: "贷款发放",
    Transfer: "债权凭证转让",
    Approval: "债权凭证授权",
    CollateralPledged: "抵押物质押",
    AutoDebitSet: "自动扣款设置",
    RepaymentMade: "还款",
    BankPaymentRecorded: "银行付款入账",
    DebtRepaid: "债务偿还",
    PenaltyWaived: "罚息减免",
    LoanDefaulted: "贷款违约",
    DefaultSkipped: "未宣告违约",
    ActionSkipped: "操作未执行",
    ObjectionFiled: "提出异议",
    ObjectionResolved: "异议处理",
    DefaultCertified: "违约公证",
    CommitmentAccepted: "还款承诺生效",
    CommitmentBreached: "违反还款承诺",
    LoanRepaid: "贷款还清",
    LoanSettled: "贷款结清",
    CollateralReleased: "抵押物解除",
    LoanWrittenOff: "贷款核销",
    RecoveryStageAdvanced: "追偿阶段推进",
    CollateralEnforced: "抵押物执行",
    CollateralSold: "抵押物拍卖成交",
    CollateralDefaultTriggered: "因抵押物价值或定位异常违约",
  },
  signatureKinds: {
    LoanAcceptance: "借款确认",
    Notarization: "公证",
    ExecutionCertificate: "执行证书",
    RepaymentCommitment: "还款承诺",
    CommitmentAcceptance: "承诺接受",
    BankPayment: "银行付款",
  },
};

/** The report's text in each language. */
export const REPORT_TEXT: Readonly<Record<ReportLocale, ReportText>> = { en, zh };

/**
 * The event's name in the report's language; its Solidity name when the report does not know it.
 *
 * @example
 * eventLabel(REPORT_TEXT.zh, "LoanDefaulted"); // "贷款违约"
 */
export function eventLabel(text: ReportText, eventName: string): string {
  return Object.hasOwn(text.eventNames, eventName) ? text.eventNames[eventName] : eventName;
}
