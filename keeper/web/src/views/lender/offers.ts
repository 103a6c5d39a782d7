/**
 * `#/lender/offers`: the lender's loan offers on their way to origination. A form offers exact terms to a borrower
 * (the loan contract is hashed in the page: the file never leaves the machine; collateral in the loan's token when
 * the product takes some); the list shows each offer waiting for the borrower's signature, then a notary's; a ready
 * one is originated from the lender's wallet with both signatures (`originate`: the principal goes to the borrower).
 */
import { parseUnits, zeroHash, type Address } from "viem";
import { getJson, sendJson } from "../../api.ts";
import { bookChain, loanBookAbi, type BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { originationParams, type OfferJson } from "../../offers.ts";
import { actionPanel } from "../actionPanel.ts";
import { fileHash } from "../borrower/objectionPanel.ts";
import { formatAmount, type ViewContext } from "../context.ts";
import { offerTermsList } from "../offerCard.ts";

const STATE_KEYS = {
  awaitingBorrower: "offerAwaitingBorrowerLender",
  awaitingNotary: "offerAwaitingNotary",
  ready: "offerReady",
  originated: "offerOriginated",
} as const;

const field = (label: string, input: HTMLElement) => h("label", {}, label, input);

/** The form of a new offer; the page is drawn again once the keeper has it. */
function offerForm(context: ViewContext, book: BookChain): HTMLElement {
  const { t, display } = context;
  const input = (name: string, attributes: Record<string, string> = {}) =>
    h("input", { type: "text", required: "", "data-testid": `offer-${name}`, ...attributes });
  const borrower = input("borrower", { placeholder: "0x…", spellcheck: "false" });
  const templateId = input("template", { inputmode: "numeric" });
  const principal = input("principal", { inputmode: "decimal" });
  const collateral = h("input", { type: "text", inputmode: "decimal", "data-testid": "offer-collateral" });
  const contract = h("input", { type: "file", required: "", "data-testid": "offer-contract" });
  return actionPanel(context, {
    name: "offer",
    title: t("newOffer"),
    body: [
      field(t("borrowerAddress"), borrower),
      field(t("template"), templateId),
      field(`${t("principal")} (${display.currency})`, principal),
      field(`${t("collateral")} (${display.currency}, ${t("optional")})`, collateral),
      field(t("loanContract"), contract),
    ],
    button: t("offerLoan"),
    async run() {
      const file = contract.files?.[0];
      if (file === undefined) throw new Error(t("pickContract"));
      const template = (await book.read({
        abi: loanBookAbi,
        functionName: "templateOf",
        args: [BigInt(templateId.value.trim())],
      })) as { token: Address };
      const pledged = collateral.value.trim();
      const offer = await sendJson<OfferJson>("/api/offers", {
        templateId: templateId.value.trim(),
        principal: String(parseUnits(principal.value.trim(), display.tokenDecimals)),
        borrower: borrower.value.trim(),
        documentHash: await fileHash(file),
        ...(pledged === ""
          ? {}
          : {
              collateral: {
                token: template.token,
                amountOrId: String(parseUnits(pledged, display.tokenDecimals)),
                assetHash: zeroHash,
              },
            }),
      });
      return `${t("offer")} #${offer.id}`;
    },
  });
}

function offerCard(context: ViewContext, book: BookChain, lender: Address, offer: OfferJson): HTMLElement {
  const { t } = context;
  const card = h(
    "li",
    { class: "card", "data-offer-id": String(offer.id), "data-state": offer.state },
    h("strong", {}, `${t("offer")} #${offer.id} `, h("span", { class: "status" }, t(STATE_KEYS[offer.state]))),
    offerTermsList(context, offer),
  );
  if (offer.state === "ready")
    card.append(
      actionPanel(context, {
        name: "originate",
        title: `${t("originate")} · ${formatAmount(context, offer.principal)}`,
        body: [h("p", { class: "notice" }, t("originateIntro"))],
        button: t("originate"),
        async run() {
          const receipt = await book.write(lender, {
            abi: loanBookAbi,
            functionName: "originate",
            args: [originationParams(offer)],
          });
          return receipt.transactionHash;
        },
      }),
    );
  return card;
}

/**
 * @example
 * section.append(await offersPage(context));
 */
export async function offersPage(context: ViewContext): Promise<HTMLElement> {
  const { t, session } = context;
  const { offers } = await getJson<{ offers: OfferJson[] }>("/api/offers");
  const book = bookChain(context.wallet.provider, context.display);
  const section = h("div", { "data-testid": "lender-offers" });
  if (book === null || session === null) {
    section.append(h("p", { class: "notice" }, t("offersNeedWallet")));
    return section;
  }
  section.append(offerForm(context, book));
  section.append(
    offers.length === 0
      ? h("p", { class: "notice", "data-testid": "offers-none" }, t("noOffers"))
      : h(
          "ul",
          { class: "cards wide", "data-testid": "offer-list" },
          ...offers.map((offer) => offerCard(context, book, session.address, offer)),
        ),
  );
  return section;
}
