/**
 * The keeper's web app: a header (product name, language, wallet) and three pages by hash route, `#/lender`,
 * `#/borrower` and `#/notary`. Plain DOM; every string comes from `i18n/`.
 */
import { displaySettings, type DisplayJson } from "./api.ts";
import { h } from "./dom.ts";
import { defaultLocale, isLocale, LOCALE_STORAGE_KEY, LOCALES, translator, type Locale } from "./i18n/index.ts";
import { borrowerView } from "./views/borrower.ts";
import type { View } from "./views/context.ts";
import { lenderView } from "./views/lender.ts";
import { notaryView } from "./views/notary.ts";
import { createWallet } from "./wallet.ts";

const ROUTES = {
  lender: { view: lenderView, label: "navLender" },
  borrower: { view: borrowerView, label: "navBorrower" },
  notary: { view: notaryView, label: "navNotary" },
} as const satisfies Record<string, { view: View; label: string }>;
type Route = keyof typeof ROUTES;
const DEFAULT_ROUTE: Route = "lender";
const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: "English", zh: "中文" };

const routeOf = (hash: string): Route => {
  const name = hash.replace(/^#\/?/, "");
  return Object.hasOwn(ROUTES, name) ? (name as Route) : DEFAULT_ROUTE;
};

const storedLocale = (): Locale => {
  const stored = localStorage.getItem(LOCALE_STORAGE_KEY);
  return isLocale(stored) ? stored : defaultLocale(navigator.languages);
};

const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;

async function start(root: HTMLElement): Promise<void> {
  const wallet = createWallet(window.ethereum);
  let locale = storedLocale();
  const display: DisplayJson = await displaySettings();
  /** Each render bumps it; a slower earlier one then drops its result. */
  let renderCount = 0;

  const render = async () => {
    const renderId = ++renderCount;
    const t = translator(locale);
    const route = routeOf(location.hash);
    document.documentElement.lang = locale === "zh" ? "zh-CN" : "en";
    document.title = t("productName");

    const languages = h(
      "select",
      { "aria-label": t("language"), "data-testid": "language" },
      ...LOCALES.map((code) =>
        h("option", code === locale ? { value: code, selected: "" } : { value: code }, LOCALE_NAMES[code]),
      ),
    );
    languages.addEventListener("change", () => {
      if (!isLocale(languages.value)) return;
      locale = languages.value;
      localStorage.setItem(LOCALE_STORAGE_KEY, locale);
      void render();
    });

    const { address, chainId } = wallet.state();
    const walletPart =
      address === null
        ? h("button", { class: "primary", type: "button", "data-testid": "connect" }, t("connectWallet"))
        : h(
            "span",
            { class: "address", "data-testid": "address", title: address },
            `${t("connectedAs")} ${shortAddress(address)}`,
            chainId === null ? "" : ` · ${t("chain")} ${chainId}`,
          );
    if (walletPart instanceof HTMLButtonElement) {
      walletPart.addEventListener("click", async () => {
        if (!wallet.available) {
          main.replaceChildren(h("p", { class: "error" }, t("noWallet")));
          return;
        }
        walletPart.disabled = true;
        walletPart.textContent = t("connecting");
        await wallet.connect().catch(() => undefined);
        void render();
      });
    }

    const nav = h(
      "nav",
      {},
      ...Object.entries(ROUTES).map(([name, { label }]) =>
        h("a", name === route ? { href: `#/${name}`, "aria-current": "page" } : { href: `#/${name}` }, t(label)),
      ),
    );
    const main = h("main", {}, h("p", { class: "notice" }, t("loading")));
    root.replaceChildren(
      h("header", {}, h("h1", {}, t("productName")), h("div", { class: "toolbar" }, languages, walletPart)),
      nav,
      main,
    );

    try {
      const page = await ROUTES[route].view({
        t,
        wallet,
        display,
        locale,
        session: null,
        refresh: () => void render(),
      });
      if (renderId === renderCount) main.replaceChildren(page);
    } catch (error) {
      if (renderId === renderCount)
        main.replaceChildren(h("p", { class: "error" }, `${t("loadFailed")}: ${String(error)}`));
    }
  };

  await wallet.restore().catch(() => undefined);
  wallet.subscribe(() => void render());
  window.addEventListener("hashchange", () => void render());
  await render();
}

void start(document.getElementById("app")!);
