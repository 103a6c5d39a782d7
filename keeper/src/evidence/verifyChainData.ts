/**
 * The package's raw chain data against a node: each block header hashes to its own hash and is the node's block at
 * that number, and each receipt and transaction is the one the node returns for its hash.
 */
import { numberToHex, type Hex } from "viem";
import { canonicalJson } from "./canonicalJson.ts";
import type { CheckParameters } from "./evidencePackage.ts";
import { computeHeaderHash } from "./headerHash.ts";
import { blockPath, receiptPath, transactionPath } from "./manifest.ts";
import { fail, guarded, pass, type Verdict } from "./verdict.ts";

/**
 * The verdicts on every block, receipt and transaction file the manifest's events, its contacts' anchoring
 * transactions and its `readAt` block need.
 *
 * @example
 * const verdicts = await verifyChainData({ evidence, client });
 */
export async function verifyChainData({ evidence, client }: CheckParameters): Promise<Verdict[]> {
  const { manifest } = evidence;
  const request = (method: string, params: unknown[]) => client.request({ method, params } as never) as Promise<any>;
  const verdicts: Verdict[] = [];
  // The contacts' anchoring transactions are checked like the events' (`contactEvidence.ts`).
  const anchors = (manifest.contacts?.entries ?? []).flatMap((contact) => (contact.anchor ? [contact.anchor] : []));
  const blockNumbers = new Set([
    ...manifest.events.map((event) => event.blockNumber),
    ...anchors.map((anchor) => BigInt(anchor.blockNumber).toString()),
    manifest.readAt.blockNumber,
  ]);
  for (const number of blockNumbers) {
    const path = blockPath(number);
    verdicts.push(
      ...(await guarded(`block ${number}`, async () => {
        const header = evidence.readJson(path);
        const own = computeHeaderHash(header);
        const selfCheck =
          own === header.hash && BigInt(header.number as Hex) === BigInt(number)
            ? pass(`block ${number} header`, `${path}: its fields hash to ${own}`)
            : fail(
                `block ${number} header`,
                `${path}: its fields hash to ${own} but it states hash ${String(header.hash)} and number ` +
                  `${String(header.number)}: the header was changed`,
              );
        const node = await request("eth_getBlockByNumber", [numberToHex(BigInt(number)), false]);
        return [selfCheck, compareWithNode(`block ${number} on chain`, path, header, node)];
      })),
    );
  }
  const hashes = [...manifest.events, ...anchors].map((item) => item.transactionHash.toLowerCase() as Hex);
  for (const hash of new Set(hashes)) {
    for (const [kind, path, method] of [
      ["receipt", receiptPath(hash), "eth_getTransactionReceipt"],
      ["transaction", transactionPath(hash), "eth_getTransactionByHash"],
    ] as const) {
      const item = `${kind} ${hash}`;
      verdicts.push(
        ...(await guarded(item, async () => [
          compareWithNode(item, path, evidence.readJson(path), await request(method, [hash])),
        ])),
      );
    }
  }
  return verdicts;
}

/** The verdict on a package file that must be exactly what the node returns, naming the fields that differ. */
function compareWithNode(item: string, path: string, stored: unknown, node: unknown): Verdict {
  if (node === null || node === undefined) return fail(item, `the node knows nothing of ${path}`);
  if (canonicalJson(stored) === canonicalJson(node)) return pass(item, `${path} is what the node returns`);
  const a = stored as Record<string, unknown>;
  const b = node as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b)])].filter(
    (key) => canonicalJson(a?.[key] ?? null) !== canonicalJson(b[key] ?? null),
  );
  return fail(item, `${path} differs from the node's in ${keys.join(", ") || "its form"}`);
}
