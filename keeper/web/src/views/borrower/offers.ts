/**
 * The loan offers made to the signed-in borrower: each one's exact terms, and "Sign" to accept them in the wallet as
 * EIP-712 `LoanAcceptance`. The keeper checks the signature over the terms before it keeps it; the lender then
 * originates the loan once a notary has notarized it too.
 */
import type { Address } from "viem";
import { getJson, sendJson } from "../../api.ts";
import type { BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { offerTerms, type OfferJson } from "../../offers.ts";
import { loanAcceptanceTypedData } from "../../../../src/core/typedData.ts";
import { actionPanel } from "../actionPanel.ts";
import type { ViewContext } from "../context.ts";
import { offerTermsList } from "../offerCard.ts";

const STATE_KEYS = {
  awaitingBorrower: "offerAwaitingBorrower",
  awaitingNotary: "offerAwaitingNotary",
  ready: "offerReady",
  originated: "offerOriginated",
} as const;

function offerCard(context: ViewContext, book: BookChain | null, offer: OfferJson): HTMLElement {
  const { t } = context;
  const card = h(
    "li",
    { class: "card", "data-offer-id": String(offer.id), "data-state": offer.state },
    h("strong", {}, `${t("offer")} #${offer.id} `, h("span", { class: "status" }, t(STATE_KEYS[offer.state]))),
    offerTermsList(context, offer),
  );
  if (book !== null && offer.state === "awaitingBorrower")
    card.append(
      actionPanel(context, {
        name: "accept",
        title: t("acceptOffer"),
        body: [h("p", { class: "notice" }, t("acceptIntro"))],
        button: t("sign"),
        async run() {
          const signature = await book.signTypedData(
            offer.borrower as Address,
            loanAcceptanceTypedData(book.chainId, book.loanBook, offerTerms(offer, offer.borrowerNonce)),
          );
          await sendJson(`/api/offers/${offer.id}/acceptance`, { signature });
          return t("offerAwaitingNotary");
        },
      }),
    );
  return card;
}

/** The borrower's offers not yet originated, as a list; null when there are none. */
export async function borrowerOffers(context: ViewContext, book: BookChain | null): Promise<HTMLElement | null> {
  const { offers } = await getJson<{ offers: OfferJson[] }>("/api/me/offers");
  const open = offers.filter((offer) => offer.state !== "originated");
  if (open.length === 0) return null;
  return h(
    "div",
    {},
    h("h3", {}, context.t("offersTitle")),
    h(
      "ul",
      { class: "cards wide", "data-testid": "borrower-offers" },
      ...open.map((offer) => offerCard(context, book, offer)),
    ),
  );
}
