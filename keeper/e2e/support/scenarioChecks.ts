/**
 * What a played demo scenario must show, for the end-to-end tests that play one (`demo.test.ts`, `flakyRpc.test.ts`):
 * the keeper declared every default and recorded the breach, relayed each bank payment once, pulled each auto-debit
 * once, carried no action twice and sent nothing it cannot account for; the borrowers who pay end in good standing;
 * each contact sent once, outside the borrower's quiet hours, filed in the letters file and logged in exactly one
 * batch anchored on chain (or in the open tail). Each check throws (chai) on the first thing wrong.
 */
import { expect } from "chai";
import { getAddress, parseEventLogs, toFunctionSelector, type Address, type Hash, type Log } from "viem";
import { evidenceAnchorAbi } from "../../src/abi/evidenceAnchor.ts";
import { loanBookAbi } from "../../src/abi/loanBook.ts";
import { openStore } from "../../src/adapters/store/openStore.ts";
import { DEFAULT_QUIET_HOURS, isQuietAt, localTimeOf } from "../../src/core/contact/contactWindow.ts";
import { LoanStatus } from "../../src/core/decisions.ts";
import { isDefaulting, type Behaviour } from "../../../scripts/demo/behaviours.ts";
import type { World } from "../../../scripts/demo/createWorld.ts";
import { messageIdOfLetter, readContacts, type ContactFacts } from "../../../scripts/demo/readContacts.ts";
import type { KeeperTransaction } from "../../../scripts/demo/readKeeperTransactions.ts";
import { readSummary, type DemoSummary } from "../../../scripts/demo/readSummary.ts";
import { lettersPathOf } from "../../../scripts/demo/startDemoKeeper.ts";

/** A played scenario, read once it is over. */
export interface ScenarioRun {
  readonly world: World;
  /** The keeper's database. */
  readonly dbPath: string;
  /** Days played. */
  readonly days: number;
  readonly summary: DemoSummary;
  /** The loan book's logs since its deployment. */
  readonly logs: readonly Log[];
  /** The keeper account's transactions on chain, in block order. */
  readonly keeperTransactions: readonly KeeperTransaction[];
  /** The contact desk's messages, log, batches and letters file. */
  readonly contacts: ContactFacts;
}

/** Refusals that say the thing was done already: a batch entry skipped for one of these was sent twice. */
const ALREADY_DONE = ["LoanBook_AlreadyDefaulted", "LoanBook_BankReferenceUsed"] as const;

/**
 * @example
 * const run = await readScenarioRun({ world, dbPath, days: 120 });
 * expectDefaultsDeclaredByKeeper(run);
 */
export async function readScenarioRun(parameters: {
  world: World;
  dbPath: string;
  days: number;
}): Promise<ScenarioRun> {
  const { world } = parameters;
  const { client } = world.rpc;
  const keeper = keeperAddressOf(world);
  const summary = await readSummary({ world, dbPath: parameters.dbPath, keeper });
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const logs = await client.getLogs({ address: world.loanBook, fromBlock: world.deployBlock, toBlock: head });
  const keeperTransactions = summary.keeperTransactions.list;
  const contacts = readContacts({ dbPath: parameters.dbPath, lettersPath: lettersPathOf(parameters.dbPath) });
  return { ...parameters, summary, logs, keeperTransactions, contacts };
}

export const keeperAddressOf = (world: World): Address => getAddress(world.accounts.keeper.address);

export const loansOf = (run: Pick<ScenarioRun, "world">, ...behaviours: Behaviour[]) =>
  run.world.loans.filter((loan) => behaviours.includes(loan.script.behaviour));

/** Installments of `loan` due by day `day` (from origination). */
export function dueWithin(loan: World["loans"][number], day: number): number {
  let n = 0;
  while (n < loan.script.template.installments && loan.script.template.dueDay(n + 1) <= day) n++;
  return n;
}

const readBook = (world: World, functionName: "statusOf" | "loanOf" | "bankReferenceLoan", arg: unknown) =>
  world.rpc.client.readContract({ address: world.loanBook, abi: loanBookAbi, functionName, args: [arg] } as never);
const statusOf = (world: World, loanId: bigint) => readBook(world, "statusOf", loanId) as Promise<number>;

/** Every behaviour has a borrower. */
export function expectEveryBehaviour(run: ScenarioRun): void {
  const behaviours = new Set(run.world.loans.map((loan) => loan.script.behaviour));
  expect(behaviours.size).to.equal(10);
}

/** One `LoanDefaulted` per defaulter, by the keeper's account, and none for anyone else. */
export function expectDefaultsDeclaredByKeeper(run: ScenarioRun): void {
  const { world, logs, summary } = run;
  const defaulters = world.loans.filter((loan) => isDefaulting(loan.script.behaviour));
  expect(defaulters).to.have.length.greaterThanOrEqual(5);
  const declared = parseEventLogs({ abi: loanBookAbi, eventName: "LoanDefaulted", logs: [...logs] });
  for (const loan of defaulters) {
    const events = declared.filter((event) => event.args.loanId === loan.loanId);
    expect(events, `loan ${loan.loanId} (${loan.script.behaviour}) defaults`).to.have.length(1);
    expect(getAddress(events[0].args.actor), `loan ${loan.loanId}'s default declared by`).to.equal(
      keeperAddressOf(world),
    );
  }
  expect(declared.map((event) => event.args.loanId).sort()).to.deep.equal(defaulters.map((loan) => loan.loanId).sort());
  expect(summary.keeperActors.defaults).to.deep.equal({ keeper: defaulters.length, others: 0 });
}

/** The commitment breaker's breach, by the keeper, then certified; the commitment keeper's commitment holds. */
export async function expectBreachRecordedByKeeper(run: ScenarioRun): Promise<void> {
  const { world, logs } = run;
  const [breaker] = loansOf(run, "commitBreaker");
  const breaches = parseEventLogs({ abi: loanBookAbi, eventName: "CommitmentBreached", logs: [...logs] });
  expect(breaches.map((event) => event.args.loanId)).to.deep.equal([breaker.loanId]);
  expect(getAddress(breaches[0].args.actor)).to.equal(keeperAddressOf(world));
  // Breached (uncertified: Defaulted), then certified by the notary two days later.
  expect(await statusOf(world, breaker.loanId)).to.equal(LoanStatus.Certified);
  // The commitment keeper's commitment holds: it paid its first installment.
  const [keeperLoan] = loansOf(run, "commitKeeper");
  expect(keeperLoan.progress.commitment?.paid).to.be.greaterThanOrEqual(1);
  expect(await statusOf(world, keeperLoan.loanId)).to.equal(LoanStatus.Committed);
}

/** One `BankPaymentRecorded` per reported bank reference, as reported, and the keeper's records agree. */
export async function expectBankPaymentsCreditedOnce(run: ScenarioRun): Promise<void> {
  const { world, logs, days } = run;
  const feeders = loansOf(run, "bankFeed");
  const payments = feeders.flatMap((loan) => loan.progress.bankPayments.map((p) => ({ loan, p })));
  // One on each due date played (the morning's block of a due date comes before the due time).
  for (const loan of feeders) expect(loan.progress.bankPayments).to.have.length(dueWithin(loan, days));
  const recorded = parseEventLogs({ abi: loanBookAbi, eventName: "BankPaymentRecorded", logs: [...logs] });
  expect(recorded).to.have.length(payments.length);
  for (const { loan, p } of payments) {
    const events = recorded.filter((event) => event.args.bankReferenceHash === p.bankReferenceHash);
    expect(events, p.bankReference).to.have.length(1);
    expect(events[0].args.loanId).to.equal(loan.loanId);
    expect(events[0].args.amount).to.equal(p.amount);
    expect(events[0].args.paidAt).to.equal(p.paidAt);
    expect(getAddress(events[0].args.signer)).to.equal(getAddress(world.accounts.bankSigner.address));
    expect(await readBook(world, "bankReferenceLoan", p.bankReferenceHash)).to.equal(loan.loanId);
  }
  // The keeper's records agree: every one relayed.
  const store = openStore(run.dbPath);
  try {
    for (const { loan, p } of payments) {
      expect(store.getBankRecord(p.bankReference)?.state, p.bankReference).to.equal("relayed");
      expect(
        store.actionsOfLoan(loan.loanId).filter((a) => a.kind === "relayBankPayment" && a.state === "done"),
      ).to.have.length(loan.progress.bankPayments.length);
    }
  } finally {
    store.close();
  }
}

/** The payers are Active or Repaid; the keeper pulled each auto-debit installment once due. */
export async function expectPayersInGoodStanding(run: ScenarioRun): Promise<void> {
  const { world, days } = run;
  for (const loan of loansOf(run, "onTime", "bankFeed", "autoDebit", "lateInGrace", "objectorUpheld")) {
    expect([LoanStatus.Active, LoanStatus.Repaid], `loan ${loan.loanId} (${loan.script.behaviour})`).to.include(
      await statusOf(world, loan.loanId),
    );
  }
  // Auto-debit: the keeper pulled each installment once due (seen in the next morning's block).
  for (const loan of loansOf(run, "autoDebit")) {
    const facts = (await readBook(world, "loanOf", loan.loanId)) as { paidInstallments: number };
    expect(facts.paidInstallments, `loan ${loan.loanId}`).to.equal(dueWithin(loan, days - 1));
  }
}

/** Each auto-debit installment pulled by exactly one keeper transaction, and one `done` action for each. */
export function expectAutoDebitsOnce(run: ScenarioRun): void {
  const { logs, days } = run;
  const keeperHashes = new Set(run.keeperTransactions.map((tx) => tx.hash));
  const repayments = parseEventLogs({ abi: loanBookAbi, eventName: "RepaymentMade", logs: [...logs] });
  const store = openStore(run.dbPath);
  try {
    for (const loan of loansOf(run, "autoDebit")) {
      const pulls = repayments.filter(
        (event) => event.args.loanId === loan.loanId && keeperHashes.has(event.transactionHash),
      );
      expect(pulls, `loan ${loan.loanId}'s pulls`).to.have.length(dueWithin(loan, days - 1));
      const done = store.actionsOfLoan(loan.loanId).filter((a) => a.kind === "autoDebit" && a.state === "done");
      expect(done, `loan ${loan.loanId}'s auto-debit actions`).to.have.length(pulls.length);
    }
  } finally {
    store.close();
  }
}

/** No action carried by two mined transactions, none failed or left waiting, no keeper transaction reverted. */
export function expectNoActionTwice(run: ScenarioRun): void {
  const { summary } = run;
  expect(summary.duplicateActions).to.equal(0);
  for (const [kind, counts] of Object.entries(summary.actions)) {
    expect({ kind, failed: counts.failed, planned: counts.planned, sent: counts.sent }).to.deep.equal({
      kind,
      failed: 0,
      planned: 0,
      sent: 0,
    });
  }
  expect(summary.keeperTransactions.reverted).to.equal(0);
}

/**
 * The keeper's transactions on chain against its database: nonces 0..n-1 with no gap, the database's next nonce n,
 * each mined transaction the one the database holds as mined at its nonce (every other signed at that nonce marked
 * replaced or dropped, none still pending), no action in two of them, and no batch entry refused for being done
 * already.
 */
export async function expectKeeperTransactionsAccountedFor(run: ScenarioRun): Promise<void> {
  const { world, keeperTransactions, logs } = run;
  const keeper = keeperAddressOf(world);
  const mined = keeperTransactions.length;
  expect(
    keeperTransactions.map((tx) => tx.nonce),
    "the keeper's nonces, in block order",
  ).to.deep.equal(Array.from({ length: mined }, (_, i) => i));
  expect(await world.rpc.client.getTransactionCount({ address: keeper, blockTag: "pending" })).to.equal(mined);
  expect(run.summary.keeperTransactions.count).to.equal(mined);

  const store = openStore(run.dbPath);
  try {
    expect(store.getNextNonce(keeper), "the keeper's next nonce").to.equal(mined);
    expect(store.pendingTransactions(keeper), "transactions still pending").to.deep.equal([]);
    const carried = new Map<number, Hash>();
    for (const tx of keeperTransactions) {
      const atNonce = store.transactionsAtNonce(keeper, tx.nonce);
      const states = atNonce.map((signed) => `${signed.hash === tx.hash ? "on chain" : "other"}:${signed.state}`);
      expect(
        states.filter((state) => state === "on chain:mined"),
        `nonce ${tx.nonce}: ${states}`,
      ).to.have.length(1);
      expect(
        states.filter((state) => state !== "on chain:mined" && !/^other:(replaced|dropped)$/.test(state)),
        `nonce ${tx.nonce}: ${states}`,
      ).to.deep.equal([]);
      const record = store.getTransaction(tx.hash)!;
      expect(record.minedBlock, `${tx.hash}'s block`).to.equal(tx.blockNumber);
      for (const id of record.actionIds) {
        expect(carried.get(id), `action ${id} carried by ${carried.get(id)} and ${tx.hash}`).to.equal(undefined);
        carried.set(id, tx.hash);
      }
    }
  } finally {
    store.close();
  }

  const skipped = parseEventLogs({ abi: loanBookAbi, eventName: "ActionSkipped", logs: [...logs] });
  const errorNames = new Map(
    ALREADY_DONE.map((name) => {
      const item = loanBookAbi.find((entry) => entry.type === "error" && entry.name === name) as {
        inputs: readonly { type: string }[];
      };
      return [toFunctionSelector(`${name}(${item.inputs.map((input) => input.type).join(",")})`), name] as const;
    }),
  );
  const repeats = skipped
    .filter((event) => errorNames.has(event.args.reason))
    .map((event) => `loan ${event.args.loanId}: ${errorNames.get(event.args.reason)}`);
  expect(repeats, "batch entries refused as done already").to.deep.equal([]);
}

/**
 * Each contact sent once and accounted for: one contact log entry per sent message (and only for sent ones), the
 * letters file holding each sent message's letter and, besides, only letters of messages in doubt (a crash between
 * the file and the record: sent again later, never cancelled unrecorded), every entry in exactly one batch (its entries
 * contiguous, its count right) or in the open tail after the last batch, each batch's `anchorContactLog` action done
 * and its root anchored on chain by the keeper with the same range. The file sink delivers at least once: a crash
 * between filing a letter and recording it sent files it again, so repeated lines are returned, and refused (with
 * any message in doubt) unless `allowDuplicateLetters` (the crash test).
 *
 * @example
 * const { duplicateLetters } = await expectContactsAccountedFor(run, { allowDuplicateLetters: false });
 */
export async function expectContactsAccountedFor(
  run: Pick<ScenarioRun, "world" | "contacts">,
  { allowDuplicateLetters }: { allowDuplicateLetters: boolean },
): Promise<{ duplicateLetters: string[] }> {
  const { world, contacts } = run;
  const { messages, log, anchors, letters } = contacts;
  expect(log.length, "contacts made").to.be.greaterThan(0);

  // One log entry per sent message, none for another.
  const logged = log.map((entry) => entry.messageId);
  expect(new Set(logged).size, "contact_log.message_id unique").to.equal(logged.length);
  const sent = messages.filter((message) => message.state === "sent").map((message) => message.id);
  expect(
    [...logged].sort((a, b) => a - b),
    "logged messages are the sent ones",
  ).to.deep.equal(sent);

  // The letters file: one letter per sent message (by id); repeats are a redelivery after a crash.
  expect(contacts.tornLetters, "torn lines in the letters file").to.equal(0);
  const filed = new Map<string, number>();
  for (const letter of letters) filed.set(letter.id, (filed.get(letter.id) ?? 0) + 1);
  // Every sent message was filed; a filed one not (yet) sent is in doubt: the keeper stopped between the file and
  // the record, and sends it again (same id) when the rules allow. Only a crash leaves one.
  const filedIds = new Set(letters.map(messageIdOfLetter));
  const inDoubt = new Set(messages.filter((m) => m.state === "waiting" && m.inDoubt).map((m) => m.id));
  expect(
    sent.filter((id) => !filedIds.has(id)),
    "sent messages missing from the letters file",
  ).to.deep.equal([]);
  expect(
    [...filedIds].filter((id) => !sent.includes(id) && !inDoubt.has(id)).sort((a, b) => a - b),
    "letters of messages neither sent nor in doubt",
  ).to.deep.equal([]);
  if (!allowDuplicateLetters) expect([...inDoubt], "messages in doubt without a crash").to.deep.equal([]);
  const duplicateLetters = [...filed].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
  if (!allowDuplicateLetters) expect(duplicateLetters, "letters filed twice").to.deep.equal([]);

  // Every entry in exactly one batch, batches contiguous, then the open tail.
  let next = 0;
  for (const anchor of anchors) {
    const inBatch = log.filter((entry) => entry.anchorId === anchor.id);
    expect(inBatch.length, `batch ${anchor.id}'s count`).to.equal(anchor.count);
    expect(log.slice(next, next + anchor.count), `batch ${anchor.id}'s entries, in log order`).to.deep.equal(inBatch);
    expect([inBatch[0].id, inBatch[inBatch.length - 1].id]).to.deep.equal([anchor.firstEntry, anchor.lastEntry]);
    expect(anchor.actionState, `batch ${anchor.id}'s anchoring action`).to.equal("done");
    next += anchor.count;
  }
  expect(
    log.slice(next).filter((entry) => entry.anchorId !== null),
    "entries after the last batch",
  ).to.deep.equal([]);
  expect(anchors.length, "batches anchored").to.be.greaterThan(0);

  // Each root on chain, anchored by the keeper, with the batch's range.
  const keeper = keeperAddressOf(world);
  for (const anchor of anchors) {
    const onChain = await world.rpc.client.readContract({
      address: world.evidenceAnchor,
      abi: evidenceAnchorAbi,
      functionName: "anchorOf",
      args: [keeper, anchor.root],
    });
    expect(
      { by: getAddress(onChain.anchoredBy), first: onChain.firstEntry, last: onChain.lastEntry, count: onChain.count },
      `batch ${anchor.id} (${anchor.root}) on chain`,
    ).to.deep.equal({
      by: keeper,
      first: BigInt(anchor.firstEntry),
      last: BigInt(anchor.lastEntry),
      count: anchor.count,
    });
  }
  return { duplicateLetters };
}

/** No contact went out inside the quiet hours (22:00 to 08:00) of the zone its borrower lives in. */
export function expectNoContactInQuietHours(run: Pick<ScenarioRun, "contacts">): void {
  const { log } = run.contacts;
  expect(log.length, "contacts made").to.be.greaterThan(0);
  const quiet = log
    .map((entry) => ({ entry, local: localTimeOf(entry.sentAt, entry.timeZone) }))
    .filter(({ local }) => isQuietAt(local.secondOfDay, DEFAULT_QUIET_HOURS))
    .map(
      ({ entry, local }) =>
        `contact #${entry.id} (loan ${entry.loanId}) at ${local.date} ${local.secondOfDay} s in ${entry.timeZone}`,
    );
  expect(quiet, "contacts inside quiet hours").to.deep.equal([]);
}
