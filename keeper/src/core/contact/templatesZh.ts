/**
 * 中文文本：依照国内持牌出借机构的常用表述，语气专业、合法，不含任何威胁性内容；写明金额、借款人所在时区的到期时间、
 * 借款编号、还款方式以及提出异议、联系出借人的方式。`{name}` 标记由 `renderMessage` 填入，见 `Placeholder`。
 */
import type { TemplateSet } from "./messageKinds.ts";

const IF_PAID = "如您已还款，请忽略本通知。";
const QUERIES =
  "如您对本通知内容有疑问或对应还金额有异议，请通过{contact}与我们联系，并注明借款编号{loanRef}。" +
  "异议处理期间，除答复异议外，我们不会就本笔借款与您联系。";

export const TEMPLATES_ZH: TemplateSet = {
  remindBeforeDue: {
    subject: "还款提醒：您的借款{loanRef}将于{dueDay}到期",
    body: [
      "尊敬的{borrower}：",
      "您好！您在{lender}的借款（借款编号：{loanRef}）本期还款将于{daysBeforeDue}天后到期，请您提前做好资金安排，按时足额还款。",
      "本期应还金额：{amount}\n还款截止时间：{dueDate}\n还款方式：{payment}",
      `${IF_PAID}${QUERIES}`,
      "{lender}",
    ].join("\n\n"),
  },
  remindDueToday: {
    subject: "还款提醒：您的借款{loanRef}今日到期",
    body: [
      "尊敬的{borrower}：",
      "您好！您在{lender}的借款（借款编号：{loanRef}）本期还款今日到期，请于还款截止时间前足额还款。",
      "本期应还金额：{amount}\n还款截止时间：{dueDate}\n还款方式：{payment}",
      `${IF_PAID}${QUERIES}`,
      "{lender}",
    ].join("\n\n"),
  },
  remindLate1: {
    subject: "逾期通知：您的借款{loanRef}已逾期",
    body: [
      "尊敬的{borrower}：",
      "您在{lender}的借款（借款编号：{loanRef}）本期应还款项已于{dueDate}到期，截至本通知发出时我们尚未收到您的还款，" +
        "该笔借款已逾期。",
      "当前应还金额：{amount}",
      "根据借款合同约定，逾期款项可能产生逾期利息，请您尽快还款。\n还款方式：{payment}",
      `${IF_PAID}${QUERIES}`,
      "{lender}",
    ].join("\n\n"),
  },
  remindLate7: {
    subject: "逾期通知：您的借款{loanRef}已逾期{daysLate}天",
    body: [
      "尊敬的{borrower}：",
      "您在{lender}的借款（借款编号：{loanRef}）本期应还款项已于{dueDate}到期，至今已逾期{daysLate}天，我们仍未收到您的还款。",
      "当前应还金额：{amount}",
      "请您尽快还款。如逾期持续，出借人可能依照借款合同约定行使相应权利，包括宣布借款违约并要求您提前清偿全部欠款。" +
        "如您还款确有困难，请及时与我们联系，协商还款安排。\n还款方式：{payment}",
      `${IF_PAID}${QUERIES}`,
      "{lender}",
    ].join("\n\n"),
  },
  defaultNotice: {
    subject: "违约通知：借款{loanRef}",
    body: [
      "尊敬的{borrower}：",
      "因您未按借款合同约定履行还款义务，根据合同约定，您在{lender}的借款（借款编号：{loanRef}）已构成违约，" +
        "全部未偿还款项已提前到期。",
      "尚欠全部款项：{amount}\n到期时间：{dueDate}",
      "请您于{respondBy}前清偿全部欠款。\n还款方式：{payment}",
      "如您对违约认定或欠款金额有异议，请于{respondBy}前通过{contact}提出，并注明借款编号{loanRef}，" +
        "我们将依法核实并予以答复；异议处理期间，除答复异议外，我们不会就本笔借款与您联系。",
      IF_PAID,
      "{lender}",
    ].join("\n\n"),
  },
  litigationRiskNotice: {
    subject: "诉讼风险提示：借款{loanRef}",
    body: [
      "尊敬的{borrower}：",
      "您与{lender}签订的借款合同（借款编号：{loanRef}）已依法办理赋予强制执行效力的债权文书公证，" +
        "公证机构已就该笔债务出具执行证书（编号：{certificateRef}）。",
      "尚欠款项：{amount}\n到期时间：{dueDate}",
      "如您未能于{respondBy}前清偿上述欠款，出借人可依法凭公证债权文书及执行证书向有管辖权的人民法院申请强制执行。",
      "还款方式：{payment}",
      "特此提示。本提示不影响您依法享有的各项权利。如您对上述债务或执行证书有异议，可通过{contact}与我们联系" +
        "（请注明借款编号{loanRef}），或依照法律规定的程序提出。",
      IF_PAID,
      "{lender}",
    ].join("\n\n"),
  },
  marginCallNotice: {
    subject: "补充担保通知：借款{loanRef}",
    body: [
      "尊敬的{borrower}：",
      "您在{lender}的借款（借款编号：{loanRef}）的担保物价值已下降，目前贷款价值比已达到借款合同约定的预警线。",
      "截至{dueDate}您的欠款：{amount}",
      "为保持借款正常状态，请于{respondBy}前部分还款或追加担保物。\n还款方式：{payment}",
      "如担保物价值继续下降至合同约定的违约线，借款可被宣布违约，全部欠款将提前到期。如您对估值有异议，请通过{contact}" +
        "与我们联系，注明借款编号{loanRef}。",
      "{lender}",
    ].join("\n\n"),
  },
  debtCollectionLetter: {
    subject: "催收函：借款{loanRef}",
    body: [
      "致：{borrower}\n事由：关于借款{loanRef}的催收函",
      "您在{lender}的借款（借款编号：{loanRef}）已于{dueDate}全部到期，截至本函发出之日，您尚欠全部债务共计{amount}。",
      "现特函正式要求您于{respondBy}前一次性清偿上述全部欠款{amount}。\n还款方式：{payment}",
      "如您已清偿，或对上述债务有异议，请于{respondBy}前通过{contact}与我们联系，注明借款编号{loanRef}并提供相关凭证，" +
        "我们将及时核实处理。",
      "我方保留依照借款合同及相关法律规定依法主张权利的权利。",
      "特此函告。\n\n{lender}",
    ].join("\n\n"),
  },
};
