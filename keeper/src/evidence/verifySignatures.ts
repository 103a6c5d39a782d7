/**
 * The manifest's signatures: each is what the transaction's calldata carries (same signer, signature and typed data,
 * rebuilt from the calldata by `approvalsInCall`), none is added or left out, and each recovers to its stated signer
 * over its stated typed data (an ERC-1271 smart wallet is asked through the node).
 */
import { getAddress, isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type PublicClient } from "viem";
import { approvalsInCall } from "./approvalsInCall.ts";
import { canonicalJson } from "./canonicalJson.ts";
import type { CheckParameters } from "./evidencePackage.ts";
import { transactionPath, type ManifestSignature } from "./manifest.ts";
import { fail, guarded, pass, type Verdict } from "./verdict.ts";

/**
 * @example
 * const verdicts = await verifySignatures({ evidence, client });
 */
export async function verifySignatures({ evidence, client }: CheckParameters): Promise<Verdict[]> {
  const { manifest } = evidence;
  const loanBook = getAddress(manifest.contracts.loanBook);
  const verdicts: Verdict[] = [];
  const hashes = [...new Set(manifest.events.map((event) => event.transactionHash.toLowerCase() as Hex))];
  const stated = (hash: string) => manifest.signatures.filter((s) => s.transactionHash.toLowerCase() === hash);

  for (const hash of hashes) {
    verdicts.push(
      ...(await guarded(`signatures of ${hash}`, async () => {
        const transaction = evidence.readJson(transactionPath(hash));
        const expected =
          typeof transaction.to === "string" && isAddressEqual(transaction.to as Address, loanBook)
            ? approvalsInCall({
                chainId: manifest.chainId,
                loanBook,
                loanId: BigInt(manifest.loanId),
                transactionHash: hash,
                from: getAddress(transaction.from as string),
                input: transaction.input as Hex,
              })
            : [];
        const given = stated(hash);
        const found: Verdict[] = [];
        for (let i = 0; i < Math.max(expected.length, given.length); i++) {
          const want = expected[i];
          const have = given[i];
          if (have === undefined) {
            found.push(
              fail(`signature ${want.kind} ${hash}`, `${want.signer}'s ${want.kind} is missing from the manifest`),
            );
          } else if (want === undefined) {
            found.push(fail(`signature ${have.kind} ${hash}`, `the transaction's calldata carries no such approval`));
          } else {
            found.push(await verifySignature(client, have, want, BigInt(manifest.readAt.blockNumber)));
          }
        }
        return found;
      })),
    );
  }
  const orphans = manifest.signatures.filter((s) => !hashes.includes(s.transactionHash.toLowerCase() as Hex));
  for (const orphan of orphans) {
    verdicts.push(
      fail(`signature ${orphan.kind} ${orphan.transactionHash}`, "its transaction carries none of the loan's events"),
    );
  }
  return verdicts;
}

/** The verdict on `have` (the manifest's), given `want` (rebuilt from the calldata). */
async function verifySignature(
  client: PublicClient,
  have: ManifestSignature,
  want: ManifestSignature,
  blockNumber: bigint,
): Promise<Verdict> {
  const item = `signature ${have.kind} ${have.transactionHash}`;
  const problems = (Object.keys(want) as (keyof ManifestSignature)[])
    .filter((key) => canonicalJson(have[key] ?? null) !== canonicalJson(want[key] ?? null))
    .map((key) => `its ${key} differs from the calldata's`);
  if (have.ownTransaction) {
    return problems.length === 0
      ? pass(item, `${have.signer} approved by sending the transaction itself`)
      : fail(item, `${have.signer}: ${problems.join("; ")}`);
  }
  if (have.signature === null || have.typedData === null) return fail(item, `${have.signer}: no signature stated`);
  const typedData = have.typedData as never;
  let recovered: Address | null = null;
  try {
    recovered = await recoverTypedDataAddress({ ...(typedData as object), signature: have.signature } as never);
  } catch {
    // not an ECDSA signature: perhaps a smart wallet's
  }
  let valid = recovered !== null && isAddressEqual(recovered, have.signer);
  if (!valid && ((await client.getCode({ address: have.signer })) ?? "0x") !== "0x") {
    valid = await client
      .verifyTypedData({
        ...(typedData as object),
        address: have.signer,
        signature: have.signature,
        blockNumber,
      } as never)
      .catch(() => false);
  }
  if (!valid) {
    problems.push(
      recovered === null
        ? "the signature does not recover over the stated typed data"
        : `the signature recovers to ${recovered}, not to the stated signer`,
    );
  }
  return problems.length === 0
    ? pass(item, `signed by ${have.signer}`)
    : fail(item, `stated signer ${have.signer}: ${problems.join("; ")}`);
}
