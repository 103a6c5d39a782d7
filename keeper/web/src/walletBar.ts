/**
 * The header's wallet part: "Connect wallet" until an account is shared; then the account, its chain and, once
 * signed in, its roles, with "Sign in" (EIP-4361, `session.ts`) or "Sign out".
 */
import { h } from "./dom.ts";
import type { Translate } from "./i18n/index.ts";
import { signIn, signOut } from "./session.ts";
import type { SessionJson } from "./views/context.ts";
import type { Wallet } from "./wallet.ts";

const ROLE_LABELS = {
  lender: "roleLender",
  borrower: "roleBorrower",
  notary: "roleNotary",
  admin: "roleAdmin",
} as const;
const roleLabel = (role: string) => ROLE_LABELS[role as keyof typeof ROLE_LABELS] ?? "noRole";

const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;

export interface WalletBarParameters {
  readonly t: Translate;
  readonly wallet: Wallet;
  /** The connected account's session, or null. */
  readonly session: SessionJson | null;
  /** The chain a sign-in message names when the wallet does not say (the keeper's). */
  readonly fallbackChainId: number;
  /** After a connection, a sign-in or a sign-out (with the new session). */
  onChange(session: SessionJson | null): void;
  /** A failure to show the user. */
  onError(message: string): void;
}

export function walletBar(parameters: WalletBarParameters): HTMLElement[] {
  const { t, wallet, session } = parameters;
  const { address, chainId } = wallet.state();
  if (address === null) {
    const connect = h("button", { class: "primary", type: "button", "data-testid": "connect" }, t("connectWallet"));
    connect.addEventListener("click", async () => {
      if (!wallet.available) return parameters.onError(t("noWallet"));
      connect.disabled = true;
      connect.textContent = t("connecting");
      await wallet.connect().catch(() => undefined);
      parameters.onChange(session);
    });
    return [connect];
  }
  const roles = session === null ? "" : session.roles.map((role) => t(roleLabel(role))).join(", ") || t("noRole");
  const account = h(
    "span",
    { class: "address", "data-testid": "address", title: address },
    `${t("connectedAs")} ${shortAddress(address)}`,
    chainId === null ? "" : ` · ${t("chain")} ${chainId}`,
    roles === "" ? "" : ` · ${roles}`,
  );
  const button =
    session === null
      ? h("button", { class: "primary", type: "button", "data-testid": "sign-in" }, t("signIn"))
      : h("button", { type: "button", "data-testid": "sign-out" }, t("signOut"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (session === null) parameters.onChange(await signIn(wallet, address, chainId ?? parameters.fallbackChainId));
      else {
        await signOut();
        parameters.onChange(null);
      }
    } catch (error) {
      parameters.onError(`${t("signInFailed")}: ${error}`);
      button.disabled = false;
    }
  });
  return [account, button];
}
