/**
 * The loans waiting for the signed-in notary's notarization (`/api/notary/offers`): offers the borrower has signed.
 * The notary reads the exact terms and the contract's hash, and signs EIP-712 `Notarization` in its wallet; the keeper
 * checks the signature and the lender originates with it.
 */
import type { Address } from "viem";
import { getJson, sendJson } from "../../api.ts";
import type { BookChain } from "../../chain.ts";
import { h } from "../../dom.ts";
import { offerTerms, type OfferJson } from "../../offers.ts";
import { notarizationTypedData } from "../../../../src/core/typedData.ts";
import { actionPanel } from "../actionPanel.ts";
import type { ViewContext } from "../context.ts";
import { offerTermsList } from "../offerCard.ts";

export async function notarizationQueue(
  context: ViewContext,
  book: BookChain | null,
  notary: Address,
): Promise<HTMLElement> {
  const { t } = context;
  const { offers } = await getJson<{ offers: OfferJson[] }>("/api/notary/offers");
  const section = h("div", {}, h("h3", {}, t("toNotarize")));
  if (offers.length === 0) {
    section.append(h("p", { class: "notice", "data-testid": "offers-empty" }, t("nothingToNotarizeYet")));
    return section;
  }
  const cards = offers.map((offer) => {
    const card = h(
      "li",
      { class: "card", "data-offer-id": String(offer.id) },
      h("strong", {}, `${t("offer")} #${offer.id}`),
      offerTermsList(context, offer),
    );
    if (book !== null)
      card.append(
        actionPanel(context, {
          name: "notarize",
          title: t("notarizeOffer"),
          body: [h("p", { class: "notice" }, t("notarizeIntro"))],
          button: t("sign"),
          async run() {
            const signature = await book.signTypedData(
              notary,
              notarizationTypedData(book.chainId, book.loanBook, offerTerms(offer, offer.notaryNonce)),
            );
            await sendJson(`/api/offers/${offer.id}/notarization`, { signature });
            return t("offerReady");
          },
        }),
      );
    return card;
  });
  section.append(h("ul", { class: "cards wide", "data-testid": "notary-offers" }, ...cards));
  return section;
}
