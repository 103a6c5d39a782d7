/**
 * Proposing a repayment commitment after a default: the borrower picks the number of installments and their interval
 * within the template's policy, sees the plan for the whole debt now (`payoffAmount`), signs it in the wallet as
 * EIP-712 `RepaymentCommitment` (`eth_signTypedData_v4`) and submits it with `submitCommitment`, which the chain
 * accepts by the policy alone. The signature is the borrower's; the transaction only carries it.
 */
import type { Address } from "viem";
import type { LoanJson } from "../../api.ts";
import { loanBookAbi, unorderedNonce, type BookChain } from "../../chain.ts";
import { planCommitment, type CommitmentPlan, type CommitmentPolicyTerms } from "../../commitmentPlan.ts";
import { h } from "../../dom.ts";
import type { MessageKey } from "../../i18n/index.ts";
import { repaymentCommitmentTypedData } from "../../../../src/core/typedData.ts";
import { actionPanel } from "../actionPanel.ts";
import { formatAmount, formatDate, type ViewContext } from "../context.ts";

/** How long the borrower's signature may wait to be submitted (chain seconds). */
const SIGNATURE_VALIDITY_SECONDS = 3_600n;
const DEFAULT_INTERVAL_DAYS = 30;

const PROBLEMS: Readonly<Record<string, MessageKey>> = {
  noDebt: "planNoDebt",
  tooManyInstallments: "planTooMany",
  tooLong: "planTooLong",
  badInput: "planBadInput",
};

export async function commitmentPanel(context: ViewContext, book: BookChain, loan: LoanJson): Promise<HTMLElement> {
  const { t } = context;
  const loanId = BigInt(loan.id);
  const borrower = loan.borrower as Address;
  const template = (await book.read({
    abi: loanBookAbi,
    functionName: "templateOf",
    args: [BigInt(loan.templateId)],
  })) as { commitmentMaxInstallments: number; commitmentMaxSpanDays: number; commitmentMinFirstPaymentBps: number };
  const policy: CommitmentPolicyTerms = {
    maxInstallments: template.commitmentMaxInstallments,
    maxSpanDays: template.commitmentMaxSpanDays,
    minFirstPaymentBps: template.commitmentMinFirstPaymentBps,
  };
  if (policy.maxInstallments === 0) return h("p", { class: "notice" }, t("planNotOffered"));

  const count = h(
    "select",
    { "data-testid": "plan-installments", "aria-label": t("planInstallments") },
    ...Array.from({ length: policy.maxInstallments }, (_, k) => h("option", { value: String(k + 1) }, String(k + 1))),
  );
  count.value = String(Math.min(3, policy.maxInstallments));
  const interval = h("input", {
    type: "number",
    min: "1",
    max: String(policy.maxSpanDays),
    value: String(Math.min(DEFAULT_INTERVAL_DAYS, Math.floor(policy.maxSpanDays / Number(count.value)))),
    "data-testid": "plan-interval",
    "aria-label": t("planIntervalDays"),
  });
  const table = h("div", { class: "plan", "data-testid": "plan" });
  let plan: CommitmentPlan | null = null;
  let chainTime = 0n;
  let total = 0n;

  const draw = () => {
    const planned = planCommitment({
      total,
      installments: Number(count.value),
      intervalDays: Number(interval.value),
      now: chainTime,
      policy,
    });
    if (typeof planned === "string") {
      plan = null;
      table.replaceChildren(h("p", { class: "error" }, t(PROBLEMS[planned]!)));
      return;
    }
    plan = planned;
    table.replaceChildren(
      h("p", {}, `${t("planTotal")}: `, h("strong", { "data-testid": "plan-total" }, formatAmount(context, total))),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, t("dueDate")), h("th", {}, t("amount")))),
        h(
          "tbody",
          {},
          ...planned.amounts.map((amount, k) =>
            h(
              "tr",
              { "data-amount": String(amount) },
              h("td", {}, String(k + 1)),
              h("td", {}, formatDate(context, planned.dueTimes[k]!)),
              h("td", {}, formatAmount(context, amount)),
            ),
          ),
        ),
      ),
    );
  };
  /** The debt and the time now, from the chain: the plan must add up to the debt when it is submitted. */
  const readChain = async () => {
    const [payoff, block] = await Promise.all([
      book.read({ abi: loanBookAbi, functionName: "payoffAmount", args: [loanId] }) as Promise<bigint>,
      book.latestBlockTime(),
    ]);
    total = payoff;
    chainTime = block;
  };
  await readChain();
  draw();
  count.addEventListener("change", draw);
  interval.addEventListener("input", draw);

  return actionPanel(context, {
    name: "commitment",
    title: t("proposePlan"),
    body: [
      h("p", { class: "notice" }, t("planIntro")),
      h("label", {}, t("planInstallments"), count),
      h("label", {}, t("planIntervalDays"), interval),
      table,
    ],
    button: t("signAndSubmit"),
    async run() {
      await readChain();
      draw();
      if (plan === null) throw new Error(t("planBadInput"));
      const params = { loanId, dueTimes: [...plan.dueTimes], amounts: [...plan.amounts] };
      const nonce = unorderedNonce();
      const deadline = chainTime + SIGNATURE_VALIDITY_SECONDS;
      const signature = await book.signTypedData(
        borrower,
        repaymentCommitmentTypedData(book.chainId, book.loanBook, { ...params, nonce, deadline }),
      );
      const receipt = await book.write(borrower, {
        abi: loanBookAbi,
        functionName: "submitCommitment",
        args: [params, { signer: borrower, nonce, deadline, signature }],
      });
      return receipt.transactionHash;
    },
  });
}
