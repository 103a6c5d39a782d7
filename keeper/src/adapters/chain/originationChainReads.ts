/**
 * The origination checks' chain reads (`core/originationChecks.ts`) through viem: views of the LoanBook, its
 * CollateralWatch (`collateralModules()`'s first) and the watch's DefaultRegistry. Each call reads the chain now;
 * nothing is cached, as a pledge or a default may open between two offers.
 */
import { keccak256, stringToHex, type Address, type Hex, type PublicClient } from "viem";
import { collateralWatchAbi, defaultRegistryAbi } from "../../abi/collateral.ts";
import { loanBookAbi } from "../../abi/loanBook.ts";
import type { OriginationChainReads } from "../../core/originationChecks.ts";

/** `Roles.NOTARY` (contracts/libraries/Roles.sol). */
const NOTARY_ROLE = keccak256(stringToHex("NOTARY_ROLE"));

export interface CreateOriginationChainReadsParameters {
  readonly client: Pick<PublicClient, "readContract">;
  readonly loanBook: Address;
}

/**
 * @example
 * const reads = createOriginationChainReads({ client, loanBook });
 * await checkOrigination(offer, { reads, verifyTypedData, chainId, loanBook });
 */
export function createOriginationChainReads({
  client,
  loanBook,
}: CreateOriginationChainReadsParameters): OriginationChainReads {
  const book = { address: loanBook, abi: loanBookAbi } as const;
  return {
    async watchOf() {
      const [watch] = await client.readContract({ ...book, functionName: "collateralModules" });
      return watch;
    },
    registryOf: (watch) => client.readContract({ address: watch, abi: collateralWatchAbi, functionName: "registry" }),
    async termsOf(watch, templateId) {
      const terms = await client.readContract({
        address: watch,
        abi: collateralWatchAbi,
        functionName: "termsOf",
        args: [templateId],
      });
      return { source: terms.source, openDefaultPolicy: terms.openDefaultPolicy };
    },
    originationRefusal: (watch, templateId, principal, collateral) =>
      client.readContract({
        address: watch,
        abi: collateralWatchAbi,
        functionName: "originationRefusal",
        args: [templateId, principal, collateral],
      }),
    async collateralKey(templateId, collateral) {
      const template = await client.readContract({ ...book, functionName: "templateOf", args: [templateId] });
      return client.readContract({
        ...book,
        functionName: "collateralKey",
        args: [template.collateralKind, collateral],
      }) as Promise<Hex>;
    },
    pledgedTo: (key) => client.readContract({ ...book, functionName: "pledgedTo", args: [key] }),
    async pledgeOf(registry, key) {
      const [pledgedBook] = await client.readContract({
        address: registry,
        abi: defaultRegistryAbi,
        functionName: "pledgeOf",
        args: [key],
      });
      return pledgedBook;
    },
    openDefaults: (registry, identity) =>
      client.readContract({
        address: registry,
        abi: defaultRegistryAbi,
        functionName: "openDefaults",
        args: [identity],
      }),
    isNotary: (account) => client.readContract({ ...book, functionName: "hasRole", args: [NOTARY_ROLE, account] }),
  };
}
