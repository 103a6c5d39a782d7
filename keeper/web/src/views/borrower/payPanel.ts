/**
 * Paying an installment from the wallet: the amount due now (read on chain, editable), then the token's `approve`
 * when the allowance is short, then `repay`. An amount above the wallet's balance is refused before anything is sent. Two prompts at most; the chain's waterfall credits penalty, interest and
 * principal in that order.
 */
import { erc20Abi, formatUnits, parseUnits, type Address } from "viem";
import type { LoanJson } from "../../api.ts";
import { ChainWriteError, loanBookAbi, type BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { actionPanel } from "../actionPanel.ts";
import { formatAmount, type ViewContext } from "../context.ts";

export async function payPanel(context: ViewContext, book: BookChain, loan: LoanJson): Promise<HTMLElement> {
  const { t, display } = context;
  const loanId = BigInt(loan.id);
  const borrower = loan.borrower as Address;
  const [due, template] = await Promise.all([
    book.read({ abi: loanBookAbi, functionName: "amountDue", args: [loanId] }) as Promise<bigint>,
    book.read({ abi: loanBookAbi, functionName: "templateOf", args: [BigInt(loan.templateId)] }) as Promise<{
      token: Address;
    }>,
  ]);
  const input = h("input", {
    type: "text",
    inputmode: "decimal",
    "data-testid": "pay-amount",
    "aria-label": t("payAmount"),
    value: formatUnits(due, display.tokenDecimals),
  });
  return actionPanel(context, {
    name: "pay",
    title: `${t("pay")} · ${t("amountDueNow")} ${formatAmount(context, due)}`,
    body: [h("label", {}, t("payAmount"), input)],
    button: t("pay"),
    async run() {
      const amount = parseUnits(input.value.trim(), display.tokenDecimals);
      if (amount <= 0n) throw new ChainWriteError("zeroAmount", t("payAmount"));
      const balance = (await book.read({
        abi: erc20Abi,
        address: template.token,
        functionName: "balanceOf",
        args: [borrower],
      })) as bigint;
      if (balance < amount) throw new ChainWriteError("insufficientBalance", t("insufficientBalance"));
      const allowance = (await book.read({
        abi: erc20Abi,
        address: template.token,
        functionName: "allowance",
        args: [borrower, book.loanBook],
      })) as bigint;
      if (allowance < amount)
        await book.write(borrower, {
          abi: erc20Abi,
          address: template.token,
          functionName: "approve",
          args: [book.loanBook, amount],
        });
      const receipt = await book.write(borrower, { abi: loanBookAbi, functionName: "repay", args: [loanId, amount] });
      return receipt.transactionHash;
    },
  });
}
