/**
 * The manifest's events against the package's receipts and headers and the node's own logs: each event is the log
 * at its index in its receipt (address, topics, data, block) and decodes to the stated name and arguments of the
 * loan, at its block's hash and time; the events are in chain order; and none is missing or added compared with the
 * loan's logs on the node.
 */
import { getAddress, type Hex, type RpcLog } from "viem";
import { sameJson, toJsonValue } from "./canonicalJson.ts";
import type { CheckParameters, EvidencePackage } from "./evidencePackage.ts";
import { compareLogPosition, decodeLoanLog, logKey, readLoanLogs } from "./loanLogs.ts";
import { blockPath, receiptPath, type ManifestEvent } from "./manifest.ts";
import { fail, guarded, pass, type Verdict } from "./verdict.ts";

/** What is wrong with `event` (the manifest's event at `position`) against the package's files; empty: nothing. */
function eventProblems(evidence: EvidencePackage, event: ManifestEvent, position: number): string[] {
  const problems: string[] = [];
  if (event.index !== position) problems.push(`it is at position ${position} but states index ${event.index}`);
  const receipt = evidence.readJson(receiptPath(event.transactionHash));
  const log = (receipt.logs as RpcLog[]).find((candidate) => Number(candidate.logIndex) === event.logIndex);
  if (log === undefined) return [...problems, `transaction ${event.transactionHash} has no log ${event.logIndex}`];
  const same = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();
  if (!same(log.address, event.address)) problems.push(`the receipt's log is from ${log.address}`);
  if (!sameJson(log.topics, event.topics)) problems.push("its topics differ from the receipt's");
  if (!same(log.data, event.data)) problems.push("its data differs from the receipt's");
  if (BigInt(log.blockNumber ?? -1) !== BigInt(event.blockNumber)) problems.push("its block number differs");
  if (!same(log.blockHash, event.blockHash)) problems.push("its block hash differs from the receipt's");
  if (Number(log.transactionIndex) !== event.transactionIndex) problems.push("its transaction index differs");
  const decoded = decodeLoanLog(log, BigInt(evidence.manifest.loanId));
  if (decoded === null) {
    problems.push(`the receipt's log is not an event of loan ${evidence.manifest.loanId}`);
  } else {
    if (decoded.name !== event.name) problems.push(`the log decodes as ${decoded.name}`);
    if (!sameJson(toJsonValue(decoded.args), event.args)) problems.push("its arguments differ from the log's");
  }
  const block = evidence.readJson(blockPath(event.blockNumber));
  if (!same(block.hash, event.blockHash)) problems.push(`block ${event.blockNumber}'s hash is ${String(block.hash)}`);
  if (BigInt(block.timestamp as Hex) !== BigInt(event.timestamp)) {
    problems.push(`block ${event.blockNumber}'s time is ${BigInt(block.timestamp as Hex)}, not ${event.timestamp}`);
  }
  return problems;
}

/**
 * @example
 * const verdicts = await verifyEvents({ evidence, client });
 */
export async function verifyEvents({ evidence, client }: CheckParameters): Promise<Verdict[]> {
  const { manifest } = evidence;
  const verdicts: Verdict[] = [];
  manifest.events.forEach((event, position) => {
    const item = `event ${position} ${event.name}`;
    try {
      const problems = eventProblems(evidence, event, position);
      verdicts.push(
        problems.length === 0
          ? pass(item, `block ${event.blockNumber} log ${event.logIndex} tx ${event.transactionHash}`)
          : fail(item, `tx ${event.transactionHash} log ${event.logIndex}: ${problems.join("; ")}`),
      );
    } catch (error) {
      verdicts.push(fail(item, `could not be checked: ${(error as Error).message}`));
    }
  });

  const outOfOrder = manifest.events.flatMap((event, i) =>
    i > 0 && compareLogPosition(manifest.events[i - 1], event) >= 0
      ? [
          `event ${i} (block ${event.blockNumber}, log ${event.logIndex}) is not after event ${i - 1} ` +
            `(block ${manifest.events[i - 1].blockNumber}, log ${manifest.events[i - 1].logIndex})`,
        ]
      : [],
  );
  verdicts.push(
    outOfOrder.length === 0
      ? pass("event order", `${manifest.events.length} events in chain order`)
      : fail("event order", outOfOrder.join("; ")),
  );

  verdicts.push(
    ...(await guarded("event completeness", async () => {
      // Nothing names a loan before its origination: searching from there, whatever `fromBlock` says, finds all.
      const originations = manifest.events.filter((event) => event.name === "LoanOriginated");
      if (originations.length !== 1) {
        return [fail("event completeness", `the manifest has ${originations.length} LoanOriginated events, not 1`)];
      }
      const onChain = await readLoanLogs({
        client,
        loanBook: getAddress(manifest.contracts.loanBook),
        loanId: BigInt(manifest.loanId),
        fromBlock: BigInt(originations[0].blockNumber),
        toBlock: BigInt(manifest.readAt.blockNumber),
      });
      const stated = new Set(manifest.events.map(logKey));
      const found = new Set(onChain.map((log) => logKey(log.raw)));
      const missing = onChain
        .filter((log) => !stated.has(logKey(log.raw)))
        .map((log) => `${log.name} (tx ${log.raw.transactionHash} log ${Number(log.raw.logIndex)}) is missing`);
      const extra = manifest.events
        .filter((event) => !found.has(logKey(event)))
        .map((event) => `event ${event.index} ${event.name} is not a log of the loan on the node`);
      const problems = [...missing, ...extra];
      return [
        problems.length === 0
          ? pass(
              "event completeness",
              `the node has the same ${onChain.length} logs of loan ${manifest.loanId} up to block ${manifest.readAt.blockNumber}`,
            )
          : fail("event completeness", problems.join("; ")),
      ];
    })),
  );
  return verdicts;
}
