/**
 * What a played seeded book ended with, in a form two runs of the same book can be compared by: the summary (loans,
 * events, a digest of each loan's state and action keys), the loan action log, the contact desk's facts, and what
 * the keeper's mined loan book transactions carried. The tests that disturb a keeper (crash.test.ts: SIGKILLed and
 * restarted; failover.test.ts: several keepers, the leader SIGKILLed) play the book once undisturbed and compare.
 *
 * The comparisons are exact: a disturbed keeper's transactions are mined a few seconds later into the day than an
 * undisturbed one's, which nothing in the loan book measures finer than a day (penalties count started days).
 */
import { expect } from "chai";
import { decodeFunctionData, getAddress, type Hex } from "viem";
import { loanBookAbi } from "../../src/abi/loanBook.ts";
import { openStore } from "../../src/adapters/store/openStore.ts";
import type { World } from "../../../scripts/demo/createWorld.ts";
import { readContacts, type ContactFacts } from "../../../scripts/demo/readContacts.ts";
import { readSummary, type DemoSummary } from "../../../scripts/demo/readSummary.ts";
import { lettersPathOf } from "../../../scripts/demo/startDemoKeeper.ts";
import { DAY } from "../../../scripts/demo/templates.ts";

export interface BookFacts {
  readonly world: World;
  readonly summary: DemoSummary;
  readonly contacts: ContactFacts;
  /** `key state outcome` of every action, sorted. */
  readonly actionLog: string[];
  /** What the keeper's mined loan book transactions carried (`function:loan`, `function:bank reference`), sorted. */
  readonly carried: string[];
  /** The loan book's `ActionSkipped` and `DefaultSkipped` events. */
  readonly skipEvents: number;
}

/**
 * Reads what the book ended with from the chain and the keeper's store (a SQLite file or a `postgres://` URL); every
 * keeper transaction must have succeeded.
 *
 * @example
 * const quiet = await readBookFacts({ world, dbPath });
 * expectSameLoans(killed, quiet);
 */
export async function readBookFacts({ world, dbPath }: { world: World; dbPath: string }): Promise<BookFacts> {
  const summary = await readSummary({ world, dbPath, keeper: world.accounts.keeper.address });
  const store = openStore(dbPath);
  let actionLog: string[];
  try {
    actionLog = world.loans
      .flatMap((loan) => store.actionsOfLoan(loan.loanId))
      .map((action) => `${action.key} ${action.state} ${action.outcome}`)
      .sort();
  } finally {
    store.close();
  }
  const contacts = readContacts({ dbPath, lettersPath: lettersPathOf(dbPath) });
  return { world, summary, contacts, actionLog, ...keeperWork(world, summary) };
}

/**
 * What the keeper's mined loan book transactions carried (its contact log anchors aside), each must have succeeded;
 * and the skip events the loan book emitted.
 */
function keeperWork(world: World, summary: DemoSummary): Pick<BookFacts, "carried" | "skipEvents"> {
  const carried: string[] = [];
  for (const tx of summary.keeperTransactions.list) {
    expect(tx.status, `keeper transaction ${tx.hash}`).to.equal("success");
    if (tx.to !== getAddress(world.loanBook)) continue;
    carried.push(...itemsOf(tx.input, simulatedDayOf(world, tx.timestamp)));
  }
  const skipEvents = (summary.events.ActionSkipped ?? 0) + (summary.events.DefaultSkipped ?? 0);
  return { carried: carried.sort(), skipEvents };
}

/** The simulated day a block time falls on (the engine's day blocks are `DAY` apart from `world.startTime`). */
export const simulatedDayOf = (world: World, timestamp: bigint): number =>
  Math.floor(Number(timestamp - world.startTime + BigInt(DAY / 2)) / DAY);

function itemsOf(input: Hex, day: number): string[] {
  const call = decodeFunctionData({ abi: loanBookAbi, data: input });
  switch (call.functionName) {
    case "declareDefaults":
    case "breachCommitments":
      return (call.args[0] as readonly bigint[]).map((loanId) => `${call.functionName}:${loanId}`);
    case "autoDebits":
      // A loan may be debited once a day at most.
      return (call.args[0] as readonly bigint[]).map((loanId) => `${call.functionName}:${loanId}@${day}`);
    case "recordBankPayments":
      return (call.args[0] as readonly { bankReferenceHash: Hex }[]).map(
        (payment) => `${call.functionName}:${payment.bankReferenceHash}`,
      );
    default:
      return [`${call.functionName}:?`];
  }
}

/**
 * The same loans: counts by status, amounts recovered, penalties, the loan book's events, and each loan's status,
 * flags, balance, installments paid, payoff and action keys with their states (the digest).
 */
export function expectSameLoans(run: BookFacts, reference: BookFacts): void {
  expect(run.summary.byStatus).to.deep.equal(reference.summary.byStatus);
  expect(run.summary.recovered).to.equal(reference.summary.recovered);
  expect(run.summary.penalties).to.equal(reference.summary.penalties);
  expect(run.summary.events).to.deep.equal(reference.summary.events);
  expect(run.summary.digest).to.equal(reference.summary.digest);
}

/** The same loan action log (key, state, outcome), and not a trivial one. */
export function expectSameActionLog(run: BookFacts, reference: BookFacts): void {
  expect(run.actionLog.length).to.be.greaterThan(50);
  expect(run.actionLog).to.deep.equal(reference.actionLog);
}

/**
 * In each run, each action carried by exactly one mined transaction, none reverted, none skipped by the loan book,
 * no action stored twice; and `run` carried what `reference` did.
 */
export function expectEachActionCarriedOnce(run: BookFacts, reference: BookFacts): void {
  for (const facts of [reference, run]) {
    expect(new Set(facts.carried).size, "an action carried twice").to.equal(facts.carried.length);
    expect(facts.carried.some((item) => item.endsWith(":?"))).to.equal(false);
    expect(facts.skipEvents).to.equal(0);
    expect(facts.summary.duplicateActions).to.equal(0);
    expect(facts.summary.keeperTransactions.reverted).to.equal(0);
  }
  expect(run.carried).to.deep.equal(reference.carried);
}
