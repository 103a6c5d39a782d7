/** A real message for the channel tests: rendered, hashed, addressed. Test support only. */
import { contentHashOf, recipientHashOf } from "../../core/contact/contentHash.ts";
import { renderMessage } from "../../core/contact/templates.ts";
import type { OutgoingMessage } from "./channel.ts";

export const RECIPIENT = "+86 138 0000 0000";
export const SALT = `0x${"42".repeat(32)}` as const;

/** A `remindLate1` in Chinese for LOAN-7, with the given id. */
export function fixtureMessage(id = "loan-7/installment-2/remindLate1"): OutgoingMessage {
  const { subject, body } = renderMessage({
    kind: "remindLate1",
    locale: "zh",
    loanId: 7n,
    amountDue: 91_666_667n,
    decimals: 6,
    currency: "USDC",
    dueTime: 1_795_967_999n,
    timeZone: "Asia/Shanghai",
    lenderName: "示例小额贷款有限公司",
    paymentInstructions: "转账至还款地址，附言 LOAN-7",
    contactInstructions: "客服电话 400-000-0000",
  });
  const recipientHash = recipientHashOf(RECIPIENT, SALT);
  const contentHash = contentHashOf({ kind: "remindLate1", locale: "zh", loanId: 7n, recipientHash, subject, body });
  return {
    id,
    kind: "remindLate1",
    locale: "zh",
    loanId: 7n,
    recipient: RECIPIENT,
    recipientHash,
    subject,
    body,
    contentHash,
  };
}
