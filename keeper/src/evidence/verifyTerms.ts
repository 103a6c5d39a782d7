/**
 * The manifest's statements about the loan as a whole: the chain it is on, the block its views were read at, the
 * views themselves read again there, the parties, and the document hashes its events name.
 */
import { getAddress, isAddressEqual, zeroAddress, type Address } from "viem";
import { canonicalJson } from "./canonicalJson.ts";
import { documentsOf } from "./documentHashes.ts";
import type { CheckParameters } from "./evidencePackage.ts";
import { blockPath } from "./manifest.ts";
import { readLoanTerms } from "./readLoanTerms.ts";
import { fail, guarded, pass, type Verdict } from "./verdict.ts";

/**
 * @example
 * const verdicts = await verifyTerms({ evidence, client });
 */
export async function verifyTerms({ evidence, client }: CheckParameters): Promise<Verdict[]> {
  const { manifest } = evidence;
  const nodeChainId = await client.getChainId();
  const verdicts: Verdict[] = [
    nodeChainId === manifest.chainId
      ? pass("chain id", `the manifest and the node are on chain ${nodeChainId}`)
      : fail("chain id", `the manifest states chain ${manifest.chainId}, the node is chain ${nodeChainId}`),
  ];
  verdicts.push(
    ...(await guarded("read block", () => {
      const header = evidence.readJson(blockPath(manifest.readAt.blockNumber));
      return [
        String(header.hash).toLowerCase() === manifest.readAt.blockHash.toLowerCase()
          ? pass("read block", `views read at block ${manifest.readAt.blockNumber} (${manifest.readAt.blockHash})`)
          : fail(
              "read block",
              `the manifest states hash ${manifest.readAt.blockHash} for block ${
                manifest.readAt.blockNumber
              }, its header says ${String(header.hash)}`,
            ),
      ];
    })),
  );
  verdicts.push(
    ...(await guarded("terms", async () => {
      const terms = await readLoanTerms({
        client,
        loanBook: getAddress(manifest.contracts.loanBook),
        loanId: BigInt(manifest.loanId),
        blockNumber: BigInt(manifest.readAt.blockNumber),
      });
      const views = [...new Set([...Object.keys(terms.views), ...Object.keys(manifest.terms)])].sort();
      const found = views.map((view) =>
        canonicalJson(manifest.terms[view] ?? null) === canonicalJson(terms.views[view] ?? null)
          ? pass(`terms ${view}`, `as the node reads it at block ${manifest.readAt.blockNumber}`)
          : fail(
              `terms ${view}`,
              `the manifest's ${view} differs from the node's at block ${manifest.readAt.blockNumber}`,
            ),
      );
      const originated = manifest.events.find((event) => event.name === "LoanOriginated");
      const notary = ((originated?.args as Record<string, Address> | undefined)?.notary ?? zeroAddress) as Address;
      const addresses: [string, Address, Address][] = [
        ["party lender", manifest.parties.lender, terms.lender],
        ["party borrower", manifest.parties.borrower, terms.borrower],
        ["party claimHolder", manifest.parties.claimHolder, terms.claimHolder],
        ["party notary", manifest.parties.notary, notary],
        ["contract token", manifest.contracts.token, terms.token],
        ["contract enforcementModule", manifest.contracts.enforcementModule, terms.enforcementModule],
      ];
      for (const [item, stated, actual] of addresses) {
        found.push(
          isAddressEqual(stated, actual)
            ? pass(item, actual)
            : fail(item, `the manifest names ${stated}, the chain ${actual}`),
        );
      }
      return found;
    })),
  );
  verdicts.push(
    ...(await guarded("document hashes", () => {
      const expected = documentsOf(manifest.events);
      return [
        canonicalJson(expected) === canonicalJson(manifest.documents)
          ? pass("document hashes", `${expected.length} document hashes, as the events name them`)
          : fail("document hashes", "the manifest's documents differ from the hashes its events name"),
      ];
    })),
  );
  return verdicts;
}
