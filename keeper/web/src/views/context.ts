/** What every page gets: the translator, the wallet, the signed-in session and how amounts are written. */
import { formatUnits } from "viem";
import type { DisplayJson } from "../api.ts";
import { en } from "../i18n/en.ts";
import type { MessageKey, Translate } from "../i18n/index.ts";
import type { Wallet } from "../wallet.ts";

/** Who is signed in (`GET /auth/me`): the address and its roles, read on chain by the keeper. */
export interface SessionJson {
  readonly address: `0x${string}`;
  readonly roles: readonly string[];
  readonly expiresAt: string | null;
}

export interface ViewContext {
  readonly t: Translate;
  readonly wallet: Wallet;
  readonly display: DisplayJson;
  readonly locale: string;
  /** The route's path after its name: `#/lender/loans/7` gives `["loans", "7"]`. */
  readonly path: readonly string[];
  /** null: nobody is signed in (or the session is another address's than the wallet's). */
  readonly session: SessionJson | null;
  /** Draws the page again (after a write, or to show fresh data). */
  refresh(): void;
}

export type View = (context: ViewContext) => Promise<HTMLElement>;

/** A status name from the API (`Late`, `WrittenOff`) in the page's language. */
export const statusLabel = (t: Translate, status: string): string => {
  const key = `status${status}`;
  return Object.hasOwn(en, key) ? t(key as MessageKey) : status;
};

/** A loan book event's name (`RepaymentMade`) in the page's language; an unknown one as it is. */
export const eventLabel = (t: Translate, name: string): string => {
  const key = `event${name}`;
  return Object.hasOwn(en, key) ? t(key as MessageKey) : name;
};

/** Token units as the currency, e.g. `1,250.5 TUSD`. */
export const formatAmount = (context: ViewContext, units: bigint | string): string => {
  const [whole = "0", fraction] = formatUnits(BigInt(units), context.display.tokenDecimals).split(".");
  const grouped = new Intl.NumberFormat(context.locale).format(BigInt(whole));
  return `${grouped}${fraction === undefined ? "" : `.${fraction}`} ${context.display.currency}`;
};

/** Unix seconds as a date in the page's language (UTC). */
export const formatDate = (context: ViewContext, seconds: bigint | string): string =>
  new Intl.DateTimeFormat(context.locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(
    new Date(Number(seconds) * 1000),
  );
