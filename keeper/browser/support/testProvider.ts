/**
 * A test wallet for the browser: an EIP-1193 `window.ethereum` injected before the page's scripts, whose every
 * `request` is answered in Node by a viem local account (accounts, chain id, `personal_sign`,
 * `eth_signTypedData_v4`, `eth_sendTransaction` signed locally and sent to the node) and, for any other method, by
 * the JSON-RPC node itself. `eth_accounts` is empty until the page has called `eth_requestAccounts`, then remembered
 * across reloads; `setAccount` switches the account and emits `accountsChanged` in the page.
 */
import type { Page } from "playwright-core";
import {
  createWalletClient,
  getAddress,
  hexToBigInt,
  http,
  isAddressEqual,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type TypedDataDefinition,
} from "viem";

/** The page-side binding the injected provider calls. */
const BINDING = "__testWalletRequest";

export interface Eip1193Request {
  readonly method: string;
  readonly params?: readonly unknown[];
}

/** A JSON-RPC error as EIP-1193 hands it to the page. */
export class ProviderRpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = "ProviderRpcError";
    this.code = code;
  }
}

/** EIP-1193's "Unauthorized": the address asked to sign is not the wallet's. */
const UNAUTHORIZED = 4100;
/** JSON-RPC's "Invalid params". */
const INVALID_PARAMS = -32602;

export interface CreateTestProviderParameters {
  readonly account: PrivateKeyAccount;
  /** The JSON-RPC node reads and transactions go to. */
  readonly rpcUrl: string;
}

export interface TestProvider {
  /** Every request the page made, in order (method names). */
  readonly calls: string[];
  account(): PrivateKeyAccount;
  /** Answers one request as the page's wallet would. */
  request(request: Eip1193Request): Promise<unknown>;
  /** Injects `window.ethereum` into `page` (before its scripts, on every navigation). */
  install(page: Page): Promise<void>;
  /** Switches the wallet's account, emitting `accountsChanged` in every installed page. */
  setAccount(account: PrivateKeyAccount): Promise<void>;
}

/** The page-side provider: a serialisable function, run by `addInitScript` before the app's scripts. */
function injectProvider(binding: string): void {
  type Listener = (...values: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const call = (globalThis as unknown as Record<string, (json: string) => Promise<string>>)[binding]!;
  const provider = {
    isTestWallet: true,
    async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      const answer = JSON.parse(await call(JSON.stringify({ method, params: params ?? [] }))) as {
        result?: unknown;
        error?: { code: number; message: string };
      };
      if (answer.error !== undefined) throw Object.assign(new Error(answer.error.message), answer.error);
      return answer.result;
    },
    on(event: string, listener: Listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return provider;
    },
    removeListener(event: string, listener: Listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
    emit(event: string, value: unknown) {
      for (const listener of listeners.get(event) ?? []) listener(value);
    },
  };
  Object.defineProperty(globalThis, "ethereum", { value: provider, configurable: true });
}

const stringParameter = (params: readonly unknown[], index: number): string => {
  const value = params[index];
  if (typeof value !== "string") throw new ProviderRpcError(INVALID_PARAMS, `params[${index}] must be a string`);
  return value;
};

const optionalBigInt = (value: unknown): bigint | undefined =>
  typeof value === "string" ? hexToBigInt(value as Hex) : undefined;

/**
 * @example
 * const wallet = createTestProvider({ account: world.loans[0].borrower, rpcUrl: chain.url });
 * await wallet.install(page);
 */
export function createTestProvider(parameters: CreateTestProviderParameters): TestProvider {
  let account = parameters.account;
  const pages = new Set<Page>();
  const calls: string[] = [];
  let rpcId = 0;
  /** Whether a page has asked for the accounts (`eth_requestAccounts`), as a wallet remembers a site it trusts. */
  let connected = false;

  const node = async (method: string, params: readonly unknown[]): Promise<unknown> => {
    const response = await fetch(parameters.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
    if (body.error !== undefined) throw new ProviderRpcError(body.error.code, body.error.message);
    return body.result;
  };

  const ownAddress = (value: string): void => {
    if (!isAddressEqual(getAddress(value), account.address)) {
      throw new ProviderRpcError(UNAUTHORIZED, `${value} is not this wallet's account`);
    }
  };

  const request = async ({ method, params = [] }: Eip1193Request): Promise<unknown> => {
    calls.push(method);
    switch (method) {
      case "eth_requestAccounts":
        connected = true;
        return [account.address];
      case "eth_accounts":
        // Like a real wallet: no account for a site until it has asked for one.
        return connected ? [account.address] : [];
      case "eth_chainId":
        return node("eth_chainId", []);
      case "personal_sign": {
        ownAddress(stringParameter(params, 1));
        return account.signMessage({ message: { raw: stringParameter(params, 0) as Hex } });
      }
      case "eth_signTypedData_v4": {
        ownAddress(stringParameter(params, 0));
        const typedData = JSON.parse(stringParameter(params, 1)) as TypedDataDefinition & {
          types: Record<string, unknown>;
        };
        const { EIP712Domain: _domainType, ...types } = typedData.types;
        return account.signTypedData({ ...typedData, types } as TypedDataDefinition);
      }
      case "eth_sendTransaction": {
        const transaction = params[0] as Record<string, string | undefined> | undefined;
        if (transaction === undefined) throw new ProviderRpcError(INVALID_PARAMS, "params[0] must be a transaction");
        if (transaction.from !== undefined) ownAddress(transaction.from);
        const client = createWalletClient({ account, transport: http(parameters.rpcUrl) });
        return client.sendTransaction({
          chain: null,
          to: transaction.to as Address | undefined,
          data: transaction.data as Hex | undefined,
          value: optionalBigInt(transaction.value),
          gas: optionalBigInt(transaction.gas),
        });
      }
      default:
        return node(method, params);
    }
  };

  return {
    calls,
    account: () => account,
    request,
    async install(page) {
      pages.add(page);
      page.once("close", () => pages.delete(page));
      await page.exposeFunction(BINDING, async (json: string): Promise<string> => {
        try {
          return JSON.stringify({ result: await request(JSON.parse(json) as Eip1193Request) });
        } catch (error) {
          const code = error instanceof ProviderRpcError ? error.code : -32603;
          return JSON.stringify({ error: { code, message: error instanceof Error ? error.message : String(error) } });
        }
      });
      await page.addInitScript(injectProvider, BINDING);
    },
    async setAccount(next) {
      account = next;
      for (const page of pages) {
        await page.evaluate((address) => {
          (globalThis as unknown as { ethereum: { emit(event: string, value: unknown): void } }).ethereum.emit(
            "accountsChanged",
            [address],
          );
        }, next.address);
      }
    },
  };
}
