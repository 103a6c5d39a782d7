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
import { readSession, signIn, signOut } from "./session.ts";
import type { SessionJson } from "./views/context.ts";
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

const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;

const ROLE_LABELS = {
  lender: "roleLender",
  borrower: "roleBorrower",
  notary: "roleNotary",
  admin: "roleAdmin",
} as const;
const roleLabel = (role: string) => ROLE_LABELS[role as keyof typeof ROLE_LABELS] ?? "noRole";

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

    const state = wallet.state();
    const { address, chainId } = state;
    const signedIn = sessionOf(session, state);
    const walletPart: (HTMLElement | string)[] = [];
    if (address === null) {
      const connect = h("button", { class: "primary", type: "button", "data-testid": "connect" }, t("connectWallet"));
      connect.addEventListener("click", async () => {
        if (!wallet.available) {
          main.replaceChildren(h("p", { class: "error" }, t("noWallet")));
          return;
        }
        connect.disabled = true;
        connect.textContent = t("connecting");
        await wallet.connect().catch(() => undefined);
        void render();
      });
      walletPart.push(connect);
    } else {
      walletPart.push(
        h(
          "span",
          { class: "address", "data-testid": "address", title: address },
          `${t("connectedAs")} ${shortAddress(address)}`,
          chainId === null ? "" : ` · ${t("chain")} ${chainId}`,
          signedIn === null ? "" : ` · ${signedIn.roles.map((role) => t(roleLabel(role))).join(", ") || t("noRole")}`,
        ),
      );
      const button =
        signedIn === null
          ? h("button", { class: "primary", type: "button", "data-testid": "sign-in" }, t("signIn"))
          : h("button", { type: "button", "data-testid": "sign-out" }, t("signOut"));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          if (signedIn === null) session = await signIn(wallet, address, chainId ?? display.chainId ?? 1);
          else {
            await signOut();
            session = null;
          }
        } catch (error) {
          main.prepend(h("p", { class: "error", "data-testid": "sign-in-error" }, `${t("signInFailed")}: ${error}`));
          button.disabled = false;
          return;
        }
        void render();
      });
      walletPart.push(button);
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
