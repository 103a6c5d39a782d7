/** `#/notary`: the notarizations waiting for the connected notary (a placeholder until the keeper lists them). */
import { h } from "../dom.ts";
import type { View } from "./context.ts";

export const notaryView: View = async ({ t }) =>
  h(
    "section",
    { "data-view": "notary" },
    h("h2", {}, t("notaryTitle")),
    h("p", { class: "notice" }, t("notaryIntro")),
    h("ul", { class: "cards" }, h("li", { class: "card notice" }, t("nothingToNotarize"))),
  );
