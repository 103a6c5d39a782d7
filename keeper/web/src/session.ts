/**
 * Sign-In with Ethereum (EIP-4361) from the page: a nonce from the keeper, the message built with viem's
 * `createSiweMessage` for this origin and the wallet's chain, signed with `personal_sign` in the wallet, and sent
 * back to `/auth/verify`, which sets the session cookie. The roles come from `/auth/me`, read on chain by the keeper.
 */
import type { Address } from "viem";
import { createSiweMessage } from "viem/siwe";
import { ApiError, getJson, sendJson } from "./api.ts";
import type { SessionJson } from "./views/context.ts";
import type { Wallet } from "./wallet.ts";

/** What the wallet shows above the message. */
export const SIGN_IN_STATEMENT = "Sign in to LoanBook. This signs no transaction and costs nothing.";
/** How long a signed message may wait before the keeper refuses it. */
const MESSAGE_VALIDITY_MS = 5 * 60_000;

/** The keeper's session, or null when nobody is signed in. */
export async function readSession(): Promise<SessionJson | null> {
  try {
    return await getJson<SessionJson>("/auth/me");
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}

/** Signs in the wallet's account: one `personal_sign` prompt. Throws the keeper's refusal (`ApiError`). */
export async function signIn(wallet: Wallet, address: Address, chainId: number): Promise<SessionJson | null> {
  if (wallet.provider === undefined) throw new Error("No wallet");
  const { nonce } = await getJson<{ nonce: string }>("/auth/nonce");
  const issuedAt = new Date();
  const message = createSiweMessage({
    domain: location.host,
    uri: location.origin,
    address,
    chainId,
    nonce,
    version: "1",
    statement: SIGN_IN_STATEMENT,
    issuedAt,
    expirationTime: new Date(issuedAt.getTime() + MESSAGE_VALIDITY_MS),
  });
  const text = new TextEncoder().encode(message);
  const hex = `0x${Array.from(text, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  const signature = await wallet.provider.request({ method: "personal_sign", params: [hex, address] });
  await sendJson("/auth/verify", { message, signature });
  return readSession();
}

/** Ends the session (the keeper forgets it and clears the cookie). */
export async function signOut(): Promise<void> {
  await sendJson("/auth/logout", {});
}
