/**
 * Who an address is, read at request time: lender, notary and admin from the LoanBook's access control on chain,
 * borrower from the keeper's store (an address with at least one followed loan). The chain's answer is cached
 * briefly per address (`ROLE_CACHE_MS`), so a revoked lender loses access within that window.
 */
import { getAddress, type Address, type Hex, type PublicClient } from "viem";
import { loanBookAbi } from "../../abi/loanBook.ts";

/** The roles the web app knows; the first three are on chain. */
export type Role = "lender" | "notary" | "admin" | "borrower";
export type ChainRole = Exclude<Role, "borrower">;
export const CHAIN_ROLES: readonly ChainRole[] = ["lender", "notary", "admin"];

/** How long an address's on-chain roles are trusted before they are read again (wall clock, ms). */
export const ROLE_CACHE_MS = 30_000;
/** The most addresses whose roles are cached; past it the cache starts over. */
const ROLE_CACHE_SIZE = 10_000;

/** Whether `address` holds `role` on chain now. */
export type ReadRole = (role: ChainRole, address: Address) => Promise<boolean>;
/** The roles `address` holds now (cached for the chain ones), in `CHAIN_ROLES` order then borrower. */
export type ResolveRoles = (address: Address) => Promise<Role[]>;

export interface CreateChainRoleReaderParameters {
  readonly client: Pick<PublicClient, "readContract">;
  readonly loanBook: Address;
}

/**
 * `hasRole` on the LoanBook, with the role ids read once from its `LENDER_ROLE()` / `NOTARY_ROLE()` views
 * (`DEFAULT_ADMIN_ROLE` is zero in OpenZeppelin's AccessControl, and read as well). A failed read of the ids is tried
 * again on the next call.
 *
 * @example
 * const readRole = createChainRoleReader({ client, loanBook });
 * await readRole("lender", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // true
 */
export function createChainRoleReader({ client, loanBook }: CreateChainRoleReaderParameters): ReadRole {
  let ids: Promise<Record<ChainRole, Hex>> | null = null;
  const view = (functionName: "LENDER_ROLE" | "NOTARY_ROLE" | "DEFAULT_ADMIN_ROLE") =>
    client.readContract({ address: loanBook, abi: loanBookAbi, functionName }) as Promise<Hex>;
  const roleIds = () => {
    ids ??= Promise.all([view("LENDER_ROLE"), view("NOTARY_ROLE"), view("DEFAULT_ADMIN_ROLE")]).then(
      ([lender, notary, admin]) => ({ lender, notary, admin }),
      (error: unknown) => {
        ids = null;
        throw error;
      },
    );
    return ids;
  };
  return async (role, address) => {
    const id = (await roleIds())[role];
    return (await client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: "hasRole",
      args: [id, address],
    })) as boolean;
  };
}

export interface CreateRoleResolverParameters {
  readonly readRole: ReadRole;
  /** Whether the store follows a loan of this borrower. */
  readonly isBorrower: (address: Address) => boolean;
  /** Wall clock, unix ms. */
  readonly clock: () => number;
  /** Default `ROLE_CACHE_MS`. */
  readonly cacheMs?: number;
}

/**
 * The roles of an address: the on-chain ones read in parallel and cached `cacheMs`, borrower from the store on every
 * call. A failed chain read is not cached, and rejects (the routes answer 503).
 *
 * @example
 * const resolveRoles = createRoleResolver({ readRole, isBorrower, clock: Date.now });
 * await resolveRoles(address); // ["lender"]
 */
export function createRoleResolver(parameters: CreateRoleResolverParameters): ResolveRoles {
  const { readRole, isBorrower, clock, cacheMs = ROLE_CACHE_MS } = parameters;
  const cache = new Map<Address, { at: number; roles: Promise<ChainRole[]> }>();
  return async (address) => {
    const key = getAddress(address);
    const now = clock();
    let entry = cache.get(key);
    if (entry === undefined || now - entry.at >= cacheMs) {
      if (cache.size >= ROLE_CACHE_SIZE) cache.clear();
      const roles = Promise.all(CHAIN_ROLES.map((role) => readRole(role, key))).then((held) =>
        CHAIN_ROLES.filter((_role, i) => held[i]),
      );
      entry = { at: now, roles };
      cache.set(key, entry);
      roles.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
    }
    const chainRoles: Role[] = [...(await entry.roles)];
    if (isBorrower(key)) chainRoles.push("borrower");
    return chainRoles;
  };
}
