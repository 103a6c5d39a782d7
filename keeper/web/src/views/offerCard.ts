/**
 * A loan offer's terms as the borrower and the notary read them before signing: the product (template), the
 * principal, the parties, the hash of the loan contract and the deadline of the signatures.
 */
import { zeroAddress } from "viem";
import { h } from "../dom.ts";
import type { OfferJson } from "../offers.ts";
import { formatAmount, formatDate, type ViewContext } from "./context.ts";

export function offerTermsList(context: ViewContext, offer: OfferJson): HTMLElement {
  const { t } = context;
  const rows: [string, Node | string][] = [
    [t("template"), `#${offer.templateId}`],
    [t("principal"), formatAmount(context, offer.principal)],
    [t("borrowerAddress"), h("code", { class: "hash" }, offer.borrower)],
    [t("lenderAddress"), h("code", { class: "hash" }, offer.lender)],
    [t("loanContract"), h("code", { class: "hash" }, offer.documentHash)],
    [t("signBefore"), formatDate(context, offer.deadline)],
  ];
  if (offer.collateral.token !== zeroAddress)
    rows.push([t("collateral"), `${offer.collateral.amountOrId} · ${offer.collateral.token}`]);
  return h("dl", {}, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}
