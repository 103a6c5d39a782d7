/**
 * The connected wallet through EIP-1193 (`window.ethereum`): `eth_requestAccounts` on connect, `eth_chainId`, and
 * the provider's `accountsChanged` / `chainChanged` events.
 */
import { getAddress, type Address } from "viem";

export interface Eip1193Provider {
  request(arguments_: { method: string; params?: readonly unknown[] }): Promise<unknown>;
  on?(event: string, listener: (...arguments_: unknown[]) => void): void;
  removeListener?(event: string, listener: (...arguments_: unknown[]) => void): void;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

export interface WalletState {
  readonly address: Address | null;
  readonly chainId: number | null;
}

export interface Wallet {
  readonly available: boolean;
  /** The EIP-1193 provider itself, for signing and transactions (`chain.ts`). */
  readonly provider: Eip1193Provider | undefined;
  state(): WalletState;
  connect(): Promise<WalletState>;
  /** Picks up an account the wallet already shares with this site (`eth_accounts`: no prompt), if any. */
  restore(): Promise<WalletState>;
  /** Called on every change of account or chain. */
  subscribe(listener: (state: WalletState) => void): void;
}

const firstAddress = (accounts: unknown): Address | null =>
  Array.isArray(accounts) && typeof accounts[0] === "string" ? getAddress(accounts[0]) : null;

const chainIdOf = (value: unknown): number | null => (typeof value === "string" ? Number.parseInt(value, 16) : null);

/** A wallet over `provider` (none: `available` is false and `connect` fails). */
export function createWallet(provider: Eip1193Provider | undefined): Wallet {
  let state: WalletState = { address: null, chainId: null };
  const listeners: ((state: WalletState) => void)[] = [];
  const update = (next: Partial<WalletState>) => {
    state = { ...state, ...next };
    for (const listener of listeners) listener(state);
  };
  provider?.on?.("accountsChanged", (accounts) => update({ address: firstAddress(accounts) }));
  provider?.on?.("chainChanged", (chainId) => update({ chainId: chainIdOf(chainId) }));
  return {
    available: provider !== undefined,
    provider,
    state: () => state,
    async connect() {
      if (provider === undefined) throw new Error("No EIP-1193 provider");
      const accounts = await provider.request({ method: "eth_requestAccounts" });
      const chainId = await provider.request({ method: "eth_chainId" });
      update({ address: firstAddress(accounts), chainId: chainIdOf(chainId) });
      return state;
    },
    async restore() {
      if (provider === undefined) return state;
      const address = firstAddress(await provider.request({ method: "eth_accounts" }));
      if (address === null) return state;
      const chainId = await provider.request({ method: "eth_chainId" });
      update({ address, chainId: chainIdOf(chainId) });
      return state;
    },
    subscribe(listener) {
      listeners.push(listener);
    },
  };
}
