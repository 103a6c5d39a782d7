/**
 * The evidence a lender shows for a contact: one contact log entry's proof, fetched from the keeper's operator route
 * `GET /api/contacts/log/:id/proof`, checked on chain by the EvidenceAnchor's `verify(anchoredBy, root, proof, leaf)`
 * (the root anchored by the keeper's account), so nothing of the keeper's own word is trusted.
 */
import type { Address, Hash, PublicClient } from "viem";
import { evidenceAnchorAbi } from "../../keeper/src/abi/evidenceAnchor.ts";
import { operatorHeaders } from "./demoCredentials.ts";

export interface ContactProofCheck {
  /** The contact log entry. */
  readonly entryId: number;
  readonly loanId: string;
  readonly root: Hash;
  /** The block that anchored the root. */
  readonly block: string | null;
  /** What the EvidenceAnchor answered. */
  readonly verified: boolean;
}

/** `GET /api/contacts/log/:id/proof`'s body, as far as it is read here. */
interface ProofResponse {
  readonly entry: { readonly id: number; readonly loanId: string };
  readonly leaf: Hash;
  readonly proof: readonly Hash[];
  readonly root: Hash;
  readonly anchor: { readonly contract: Address | null; readonly state: string; readonly block: string | null };
}

/**
 * Fetches entry `entryId`'s proof from the keeper at `url` and checks it against the EvidenceAnchor at
 * `evidenceAnchor`, as anchored by `keeper`.
 *
 * @example
 * const check = await verifyContactProof({ url: keeper.url, client, evidenceAnchor, keeper: keeperAddress, entryId: 17 });
 * check.verified; // true
 */
export async function verifyContactProof(parameters: {
  url: string;
  client: PublicClient;
  evidenceAnchor: Address;
  keeper: Address;
  entryId: number;
}): Promise<ContactProofCheck> {
  const { url, client, evidenceAnchor, keeper, entryId } = parameters;
  const response = await fetch(`${url}/api/contacts/log/${entryId}/proof`, {
    headers: operatorHeaders(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`the keeper has no proof of contact #${entryId} (HTTP ${response.status}): ${text}`);
  const body = JSON.parse(text) as ProofResponse;
  const verified = await client.readContract({
    address: evidenceAnchor,
    abi: evidenceAnchorAbi,
    functionName: "verify",
    args: [keeper, body.root, [...body.proof], body.leaf],
  });
  return { entryId, loanId: String(body.entry.loanId), root: body.root, block: body.anchor.block, verified };
}
