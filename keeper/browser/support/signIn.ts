/**
 * Sign-In with Ethereum for the browser tests, through the keeper's API from inside the page (so that the session
 * cookie lands in the browser): a nonce from `GET /auth/nonce`, the EIP-4361 message built in Node with viem's
 * `createSiweMessage` for the keeper's origin and the wallet's chain, signed by the test wallet's account, and
 * `POST /auth/verify`. The page must already be on the keeper's origin.
 */
import type { Page } from "playwright-core";
import { hexToNumber, type Address, type Hex } from "viem";
import { createSiweMessage } from "viem/siwe";
import type { TestProvider } from "./testProvider.ts";

export interface PageAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** `fetch(path, init)` from the page, with the page's cookies and origin: the status and the JSON body (or null). */
export function pageFetch(
  page: Page,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<PageAnswer> {
  return page.evaluate(
    async ({ path, method, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
    },
    { path, method: init.method ?? "GET", body: init.body },
  );
}

/**
 * Signs the provider's current account in at the keeper, in `page`'s browser; throws the keeper's refusal.
 *
 * @example
 * await page.goto(`${keeper.url}/app/`);
 * await signInThroughApi(page, wallet, keeper.url);
 */
export async function signInThroughApi(
  page: Page,
  provider: TestProvider,
  keeperUrl: string,
): Promise<{ address: Address; expiresAt: string }> {
  const nonce = await pageFetch(page, "/auth/nonce");
  if (nonce.status !== 200) throw new Error(`GET /auth/nonce answered ${nonce.status}: ${JSON.stringify(nonce.body)}`);
  const account = provider.account();
  const { host, origin } = new URL(keeperUrl);
  const message = createSiweMessage({
    domain: host,
    uri: origin,
    address: account.address,
    chainId: hexToNumber((await provider.request({ method: "eth_chainId" })) as Hex),
    nonce: (nonce.body as { nonce: string }).nonce,
    version: "1",
    issuedAt: new Date(),
  });
  const signature = await account.signMessage({ message });
  const verified = await pageFetch(page, "/auth/verify", { method: "POST", body: { message, signature } });
  if (verified.status !== 200) {
    throw new Error(`POST /auth/verify answered ${verified.status}: ${JSON.stringify(verified.body)}`);
  }
  return verified.body as { address: Address; expiresAt: string };
}
