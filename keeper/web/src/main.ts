/**
 * The keeper's web app: a header (product name, language, wallet and sign-in) and three pages by hash route,
 * `#/lender`, `#/borrower` and `#/notary` (with sub-paths: `#/lender/loans/7`). Plain DOM; every string comes from
 * `i18n/`. A session counts only while it is the connected wallet's: switching accounts asks to sign in again.
 */
import { displaySettings, type DisplayJson } from "./api.ts";
import { h } from "./dom.ts";
import { defaultLocale, isLocale, LOCALE_STORAGE_KEY, LOCALES, translator, type Locale } from "./i18n/index.ts";
import { borrowerView } from "./views/borrower.ts";
import type { View } from "./views/context.ts";
import { lenderView } from "./views/lender.ts";
import { notaryView } from "./views/notary.ts";
import { readSession } from "./session.ts";
import type { SessionJson } from "./views/context.ts";
import { walletBar } from "./walletBar.ts";
import { createWallet, type WalletState } from "./wallet.ts";

const ROUTES = {
  lender: { view: lenderView, label: "navLender" },
  borrower: { view: borrowerView, label: "navBorrower" },
  notary: { view: notaryView, label: "navNotary" },
} as const satisfies Record<string, { view: View; label: string }>;
type Route = keyof typeof ROUTES;
const DEFAULT_ROUTE: Route = "lender";
const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: "English", zh: "中文" };

/** `#/lender/loans/7`: the route `lender` and the path `["loans", "7"]`; an unknown route is the default one. */
const routeOf = (hash: string): { route: Route; path: string[] } => {
  const [name = "", ...path] = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return Object.hasOwn(ROUTES, name) ? { route: name as Route, path } : { route: DEFAULT_ROUTE, path: [] };
};

/** The session, if it is the connected wallet's. */
const sessionOf = (session: SessionJson | null, { address }: WalletState): SessionJson | null =>
  session !== null && address !== null && session.address.toLowerCase() === address.toLowerCase() ? session : null;

const storedLocale = (): Locale => {
  const stored = localStorage.getItem(LOCALE_STORAGE_KEY);
  return isLocale(stored) ? stored : defaultLocale(navigator.languages);
};

async function start(root: HTMLElement): Promise<void> {
  const wallet = createWallet(window.ethereum);
  let locale = storedLocale();
  const display: DisplayJson = await displaySettings();
  let session: SessionJson | null = await readSession().catch(() => null);
  /** Each render bumps it; a slower earlier one then drops its result. */
  let renderCount = 0;

  const render = async () => {
    const renderId = ++renderCount;
    const t = translator(locale);
    const { route, path } = routeOf(location.hash);
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

    const main = h("main", {}, h("p", { class: "notice" }, t("loading")));
    const state = wallet.state();
    const signedIn = sessionOf(session, state);
    const showError = (message: string) =>
      main.prepend(h("p", { class: "error", "data-testid": "wallet-error" }, message));
    const walletPart = walletBar({
      t,
      wallet,
      session: signedIn,
      fallbackChainId: display.chainId ?? 1,
      onChange(next) {
        session = next;
        void render();
      },
      onError: showError,
    });

    const nav = h(
      "nav",
      {},
      ...Object.entries(ROUTES).map(([name, { label }]) =>
        h("a", name === route ? { href: `#/${name}`, "aria-current": "page" } : { href: `#/${name}` }, t(label)),
      ),
    );
    root.replaceChildren(
      h("header", {}, h("h1", {}, t("productName")), h("div", { class: "toolbar" }, languages, ...walletPart)),
      nav,
      main,
    );

    try {
      const context = { t, wallet, display, locale, path, session: signedIn, refresh: () => void render() };
      const page = await ROUTES[route].view(context);
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
