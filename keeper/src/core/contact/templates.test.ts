import { describe, it } from "node:test";
import { expect } from "chai";
import {
  fillTemplate,
  loanReferenceOf,
  LOCALES,
  MESSAGE_KINDS,
  MissingPlaceholderError,
  renderMessage,
  TEMPLATES,
  type MessageKind,
  type RenderMessageParameters,
} from "./templates.ts";
import { UnknownTimeZoneError } from "./localTime.ts";

/** 2026-11-29T15:59:59Z: 23:59:59 on 2026-11-29 in Shanghai, 10:59:59 EST in New York. */
const DUE = 1_795_967_999n;
/** 2026-12-13T15:59:59Z. */
const RESPOND_BY = 1_797_177_599n;

const base: RenderMessageParameters = {
  kind: "remindBeforeDue",
  locale: "zh",
  loanId: 7n,
  amountDue: 1_234_567_890n,
  decimals: 6,
  currency: "USDC",
  dueTime: DUE,
  timeZone: "Asia/Shanghai",
  lenderName: "示例小额贷款有限公司",
  paymentInstructions: "转账至还款地址 0x00000000000000000000000000000000000000aa，附言 LOAN-7",
  contactInstructions: "客服电话 400-000-0000",
  respondBy: RESPOND_BY,
  certificateRef: "(2026)京长安执证字第123号",
};

/** Key facts each kind states in each language, beyond the ones every message states. */
const FACTS: Record<MessageKind, Record<"zh" | "en", string[]>> = {
  remindBeforeDue: { zh: ["还款提醒", "3天后到期", "2026年11月29日到期"], en: ["Payment reminder", "in 3 days"] },
  remindDueToday: { zh: ["还款提醒", "今日到期"], en: ["Payment reminder", "due today"] },
  remindLate1: { zh: ["逾期通知", "已逾期", "逾期利息"], en: ["Overdue payment", "late interest"] },
  remindLate7: { zh: ["逾期通知", "已逾期7天", "协商还款安排"], en: ["7 days overdue", "repayment arrangement"] },
  defaultNotice: {
    zh: ["违约通知", "已构成违约", "2026年12月13日 23:59:59（北京时间）前", "异议"],
    en: ["Notice of default", "in default", "by 2026-12-13 23:59:59", "object"],
  },
  litigationRiskNotice: {
    zh: ["诉讼风险提示", "执行证书", "(2026)京长安执证字第123号", "人民法院申请强制执行", "不影响您依法享有的各项权利"],
    en: ["enforcement", "execution certificate", "(2026)京长安执证字第123号", "people's court", "rights under the law"],
  },
  debtCollectionLetter: {
    zh: ["催收函", "一次性清偿", "2026年12月13日 23:59:59（北京时间）前"],
    en: ["Letter of demand", "formally demand", "by 2026-12-13 23:59:59"],
  },
  marginCallNotice: {
    zh: ["补充担保通知", "预警线", "追加担保物", "2026年12月13日 23:59:59（北京时间）前"],
    en: ["Margin call", "warning loan-to-value", "further collateral", "by 2026-12-13 23:59:59"],
  },
};

/** Words a lawful collection message never uses. */
const THREATS = [
  "police",
  "arrest",
  "jail",
  "prison",
  "family",
  "employer",
  "公安",
  "拘留",
  "坐牢",
  "家人",
  "单位",
  "曝光",
];

describe("renderMessage", () => {
  for (const kind of MESSAGE_KINDS) {
    for (const locale of LOCALES) {
      it(`${kind} in ${locale}: states the amount, due date, loan, how to pay and how to object`, () => {
        const lenderName = locale === "zh" ? base.lenderName : "Example Lending Ltd";
        const { subject, body } = renderMessage({ ...base, kind, locale, lenderName });
        expect(subject.trim()).to.not.equal("");
        expect(body.trim()).to.not.equal("");
        const text = `${subject}\n${body}`;
        for (const bad of ["undefined", "NaN", "null", "{", "}", "[object"]) expect(text).to.not.include(bad);
        for (const word of THREATS) expect(text.toLowerCase()).to.not.include(word.toLowerCase());
        expect(subject).to.include("LOAN-7");
        const dueDate =
          locale === "zh"
            ? "2026年11月29日 23:59:59（北京时间）"
            : "2026-11-29 23:59:59 (Asia/Shanghai time, UTC+08:00)";
        for (const fact of [
          "1,234.56789 USDC",
          "LOAN-7",
          lenderName,
          dueDate,
          base.paymentInstructions,
          base.contactInstructions,
        ]) {
          expect(body).to.include(fact);
        }
        for (const fact of FACTS[kind][locale]) expect(text).to.include(fact);
        if (locale === "zh") expect(body).to.match(/^(尊敬的借款人：|致：借款人)/);
        else expect(body).to.match(/^(Dear borrower,|To: borrower)/);
      });
    }
  }

  it("shows the due date in the borrower's zone, not UTC", () => {
    const table: [string, "zh" | "en", string][] = [
      ["America/New_York", "en", "2026-11-29 10:59:59 (America/New_York time, UTC-05:00)"],
      ["Pacific/Kiritimati", "en", "2026-11-30 05:59:59 (Pacific/Kiritimati time, UTC+14:00)"],
      ["Asia/Kathmandu", "zh", "2026年11月29日 21:44:59（Asia/Kathmandu 当地时间，UTC+05:45）"],
      ["Asia/Shanghai", "zh", "2026年11月29日 23:59:59（北京时间）"],
    ];
    for (const [timeZone, locale, expected] of table) {
      expect(renderMessage({ ...base, kind: "remindDueToday", locale, timeZone }).body).to.include(expected);
    }
    const kiritimati = renderMessage({ ...base, locale: "en", timeZone: "Pacific/Kiritimati" });
    expect(kiritimati.subject).to.equal("Payment reminder: loan LOAN-7 is due on 2026-11-30");
  });

  it("addresses the borrower by name when given", () => {
    expect(renderMessage({ ...base, borrowerName: "李明" }).body).to.match(/^尊敬的李明：/);
    expect(renderMessage({ ...base, locale: "en", borrowerName: "Ms Li" }).body).to.match(/^Dear Ms Li,/);
    expect(renderMessage({ ...base, kind: "debtCollectionLetter", borrowerName: "李明" }).body).to.match(/^致：李明/);
  });

  it("shows amounts exactly from base units", () => {
    const table: [bigint, number, string][] = [
      [91_666_667n, 6, "91.666667 USDC"],
      [100_000_000n, 6, "100.00 USDC"],
      [10n ** 21n, 18, "1,000.00 USDC"],
    ];
    for (const [amountDue, decimals, expected] of table) {
      expect(renderMessage({ ...base, amountDue, decimals }).body).to.include(`：${expected}`);
    }
  });

  it("throws, never prints undefined, when a value a template needs is missing or empty", () => {
    const table: [Partial<RenderMessageParameters>, string][] = [
      [{ kind: "defaultNotice", respondBy: undefined }, "respondBy"],
      [{ kind: "debtCollectionLetter", respondBy: undefined }, "respondBy"],
      [{ kind: "litigationRiskNotice", respondBy: undefined }, "respondBy"],
      [{ kind: "litigationRiskNotice", certificateRef: undefined }, "certificateRef"],
      [{ kind: "litigationRiskNotice", certificateRef: "  " }, "certificateRef"],
      [{ lenderName: "" }, "lender"],
      [{ paymentInstructions: " " }, "payment"],
      [{ contactInstructions: "" }, "contact"],
      [{ currency: "" }, "currency"],
    ];
    for (const [change, placeholder] of table) {
      for (const locale of LOCALES) {
        expect(() => renderMessage({ ...base, ...change, locale }), `${placeholder} ${locale}`)
          .to.throw(MissingPlaceholderError, `{${placeholder}}`)
          .with.property("placeholder", placeholder);
      }
    }
    // A reminder needs neither a deadline nor a certificate.
    expect(renderMessage({ ...base, respondBy: undefined, certificateRef: undefined }).subject).to.include("LOAN-7");
  });

  it("refuses bad facts: unknown zone, kind or locale, negative amount or loan id", () => {
    expect(() => renderMessage({ ...base, timeZone: "Asia/Beijing" })).to.throw(UnknownTimeZoneError);
    expect(() => renderMessage({ ...base, kind: "threat" as MessageKind })).to.throw(RangeError, /kind "threat"/);
    expect(() => renderMessage({ ...base, locale: "fr" as "en" })).to.throw(RangeError, /locale "fr"/);
    expect(() => renderMessage({ ...base, amountDue: -1n })).to.throw(RangeError, /non-negative/);
    expect(() => renderMessage({ ...base, loanId: -1n })).to.throw(RangeError, /Loan id/);
  });
});

describe("the templates", () => {
  it("use only placeholders renderMessage fills, and the same ones in both languages", () => {
    const known = new Set([
      "borrower",
      "lender",
      "loanRef",
      "amount",
      "dueDate",
      "dueDay",
      "daysBeforeDue",
      "daysLate",
    ]);
    for (const name of ["payment", "contact", "respondBy", "certificateRef"]) known.add(name);
    const namesOf = (text: string) => new Set([...text.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]));
    for (const kind of MESSAGE_KINDS) {
      const zh = TEMPLATES.zh[kind];
      const en = TEMPLATES.en[kind];
      for (const name of namesOf(zh.subject + zh.body)) expect(known.has(name), `${kind} zh {${name}}`).to.equal(true);
      expect([...namesOf(zh.subject + zh.body)].sort(), kind).to.deep.equal([...namesOf(en.subject + en.body)].sort());
      for (const text of [zh.body, en.body]) {
        for (const name of ["amount", "loanRef", "dueDate", "payment", "contact", "lender"]) {
          expect(text, `${kind} {${name}}`).to.include(`{${name}}`);
        }
      }
    }
  });
});

describe("fillTemplate and loanReferenceOf", () => {
  it("fills in one pass and throws on a missing value", () => {
    expect(fillTemplate("Dear {borrower},", { borrower: "Ms Li" }, "t")).to.equal("Dear Ms Li,");
    expect(fillTemplate("{a}-{b}", { a: "{b}", b: "x" }, "t")).to.equal("{b}-x");
    expect(() => fillTemplate("{a} {toString}", { a: "1" }, "t")).to.throw(MissingPlaceholderError, "{toString} in t");
    expect(loanReferenceOf(0n)).to.equal("LOAN-0");
    expect(loanReferenceOf(123_456_789n)).to.equal("LOAN-123456789");
  });
});
