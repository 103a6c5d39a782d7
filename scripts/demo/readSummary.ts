/**
 * The run's results, from the chain (each loan's `statusOf`, the money moved by the loan book's events, the keeper's
 * own transactions and their receipts) and from the keeper's database (its actions, duplicates, its contacts with
 * the borrowers and their anchoring) and letters file.
 */
import { createHash } from "node:crypto";
import { decodeFunctionData, getAddress, parseEventLogs, type Address, type Hex } from "viem";
import { evidenceAnchorAbi } from "../../keeper/src/abi/evidenceAnchor.ts";
import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import type { ContactMessageState } from "../../keeper/src/adapters/store/contacts.ts";
import { openStore } from "../../keeper/src/adapters/store/openStore.ts";
import { LoanStatus } from "../../keeper/src/core/decisions.ts";
import type { World } from "./createWorld.ts";
import { messageIdOfLetter, readContacts, type ContactFacts } from "./readContacts.ts";
import { readKeeperTransactions, type KeeperTransaction } from "./readKeeperTransactions.ts";
import { lettersPathOf } from "./startDemoKeeper.ts";

const STATUS_NAMES = new Map<number, string>(Object.entries(LoanStatus).map(([name, value]) => [value, name]));
/** Blocks per `eth_getLogs`. */
const LOG_RANGE = 5_000n;

export interface ActionCounts {
  done: number;
  dropped: number;
  failed: number;
  planned: number;
  sent: number;
}

/** The contact desk's work: messages to the borrowers, the letters filed, the contact log and its anchoring. */
export interface ContactSummary {
  /** Messages by state. */
  readonly messages: Readonly<Record<ContactMessageState, number>>;
  /** Messages by kind (reminder, notice...) and state. */
  readonly byKind: Readonly<Record<string, Readonly<Record<ContactMessageState, number>>>>;
  /** Messages by the borrower's time zone and state: where the quiet hours held letters back. */
  readonly byTimeZone: Readonly<Record<string, Readonly<Record<ContactMessageState, number>>>>;
  /** Messages still waiting at the end, by why (`quiet_hours`, `daily_limit`, `objection_open`, `retry`). */
  readonly waitingBy: Readonly<Record<string, number>>;
  /**
   * Messages sent later than they were written, having waited for quiet hours, the daily limit or an objection
   * (the store keeps no history of the reasons: a message that waited went out after its `notBefore`).
   */
  readonly sentAfterWaiting: number;
  /** Lines in the letters file, the messages they carry (distinct ids), repeats, and letters by language. */
  readonly letters: {
    readonly lines: number;
    readonly messages: number;
    readonly duplicates: number;
    readonly byLocale: Readonly<Record<string, number>>;
  };
  readonly logEntries: number;
  /** Batches of the contact log closed, and those whose anchoring action is done (mined on chain). */
  readonly batches: { readonly closed: number; readonly anchored: number; readonly anchoredEntries: number };
  /** Log entries in no batch yet (the open tail). */
  readonly unanchoredEntries: number;
  /** The last entry of the last batch anchored on chain (null: none anchored): one whose proof can be shown. */
  readonly lastAnchoredEntry: number | null;
}

export interface DemoSummary {
  readonly seed: string;
  readonly loans: number;
  readonly days: number;
  /** Loans by `statusOf` at the end (status names). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Token base units. */
  readonly principalLent: bigint;
  /** Every repayment, bank payment, auto-debit and commitment payment credited to the loans. */
  readonly recovered: bigint;
  /** Parts of `recovered`: relayed bank payments, and payments of commitments (fixed debts). */
  readonly bankPayments: bigint;
  readonly commitmentPayments: bigint;
  readonly penalties: bigint;
  /** Keeper actions by kind and state (the keeper's `actions` table). */
  readonly actions: Readonly<Record<string, ActionCounts>>;
  /** Actions done by more than one mined transaction: must be 0. */
  readonly duplicateActions: number;
  /** The keeper account's transactions, from their receipts. */
  readonly keeperTransactions: {
    readonly count: number;
    readonly reverted: number;
    readonly gasUsed: bigint;
    readonly byFunction: Readonly<Record<string, { transactions: number; gasUsed: bigint }>>;
    /** Each of them, in block order. */
    readonly list: readonly KeeperTransaction[];
  };
  /** The loan book's event counts (who declared the defaults, and so on, is in `keeperActors`). */
  readonly events: Readonly<Record<string, number>>;
  /** `LoanDefaulted` and `CommitmentBreached` by actor: the keeper's account, or others. */
  readonly keeperActors: {
    readonly defaults: { keeper: number; others: number };
    readonly breaches: { keeper: number; others: number };
  };
  readonly contact: ContactSummary;
  /**
   * SHA-256 of each loan's final facts (status, flags, balance, installments paid, what it owes) and of every keeper
   * action key with its state: the same seed over the same days gives the same digest.
   */
  readonly digest: Hex;
}

export interface ReadSummaryParameters {
  readonly world: World;
  /** The keeper's database. */
  readonly dbPath: string;
  /** The keeper's account. */
  readonly keeper: Address;
}

/**
 * @example
 * const summary = await readSummary({ world, dbPath, keeper: world.accounts.keeper.address });
 */
export async function readSummary({ world, dbPath, keeper }: ReadSummaryParameters): Promise<DemoSummary> {
  const { client } = world.rpc;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const read = <T>(functionName: string, loanId: bigint) =>
    client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName,
      args: [loanId],
      blockNumber: head,
    } as never) as Promise<T>;

  // Each loan's final standing and facts.
  const finals = await Promise.all(
    world.loans.map(async (loan) => {
      const [status, facts, payoff] = await Promise.all([
        read<number>("statusOf", loan.loanId),
        read<{ flags: number; balance: bigint; paidInstallments: number; paidOnCurrent: bigint }>(
          "loanOf",
          loan.loanId,
        ),
        read<bigint>("payoffAmount", loan.loanId),
      ]);
      return { loanId: loan.loanId, status, facts, payoff };
    }),
  );
  const byStatus: Record<string, number> = {};
  for (const { status } of finals) {
    const name = STATUS_NAMES.get(status) ?? String(status);
    byStatus[name] = (byStatus[name] ?? 0) + 1;
  }

  // Money and actors, from the loan book's events.
  const logs = [];
  for (let from = world.deployBlock; from <= head; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < head ? from + LOG_RANGE - 1n : head;
    logs.push(...(await client.getLogs({ address: world.loanBook, fromBlock: from, toBlock: to })));
  }
  const events: Record<string, number> = {};
  let principalLent = 0n;
  let recovered = 0n;
  let bankPayments = 0n;
  let commitmentPayments = 0n;
  let penalties = 0n;
  const keeperActors = { defaults: { keeper: 0, others: 0 }, breaches: { keeper: 0, others: 0 } };
  const isKeeper = (actor: Address) => actor.toLowerCase() === keeper.toLowerCase();
  for (const event of parseEventLogs({ abi: loanBookAbi, logs })) {
    events[event.eventName] = (events[event.eventName] ?? 0) + 1;
    switch (event.eventName) {
      case "LoanOriginated":
        principalLent += event.args.principal;
        break;
      case "RepaymentMade":
        // principalPaid includes the prepaid part.
        recovered += event.args.penaltyPaid + event.args.interestPaid + event.args.principalPaid;
        penalties += event.args.penaltyPaid;
        break;
      case "DebtRepaid":
        recovered += event.args.amount;
        commitmentPayments += event.args.amount;
        break;
      case "BankPaymentRecorded":
        bankPayments += event.args.amount;
        break;
      case "LoanDefaulted":
        keeperActors.defaults[isKeeper(event.args.actor) ? "keeper" : "others"]++;
        break;
      case "CommitmentBreached":
        keeperActors.breaches[isKeeper(event.args.actor) ? "keeper" : "others"]++;
        break;
    }
  }

  // The keeper's own transactions.
  const list = await readKeeperTransactions({ client, keeper, fromBlock: world.deployBlock, toBlock: head });
  const byFunction: Record<string, { transactions: number; gasUsed: bigint }> = {};
  let gasUsed = 0n;
  let reverted = 0;
  for (const tx of list) {
    let name = "unknown";
    try {
      const abi = tx.to === getAddress(world.evidenceAnchor) ? evidenceAnchorAbi : loanBookAbi;
      name = decodeFunctionData({ abi, data: tx.input }).functionName;
    } catch {
      // neither a loan book nor an evidence anchor call
    }
    const entry = (byFunction[name] ??= { transactions: 0, gasUsed: 0n });
    entry.transactions++;
    entry.gasUsed += tx.gasUsed;
    gasUsed += tx.gasUsed;
    if (tx.status !== "success") reverted++;
  }

  // The keeper's record of what it did.
  const store = openStore(dbPath);
  let actions: Record<string, ActionCounts>;
  let duplicateActions: number;
  let actionKeys: string[];
  try {
    actions = {};
    for (const row of store.readModel.actionsByKindAndOutcome()) {
      const counts = (actions[row.kind] ??= { done: 0, dropped: 0, failed: 0, planned: 0, sent: 0 });
      counts[row.state] += row.count;
    }
    duplicateActions = store.readModel.duplicateActionCount();
    actionKeys = world.loans.flatMap((loan) => store.actionsOfLoan(loan.loanId).map((a) => `${a.key}=${a.state}`));
  } finally {
    store.close();
  }

  const hash = createHash("sha256");
  for (const { loanId, status, facts, payoff } of finals) {
    hash.update(
      `${loanId}:${status}:${facts.flags}:${facts.balance}:${facts.paidInstallments}:${facts.paidOnCurrent}:${payoff}\n`,
    );
  }
  for (const key of actionKeys.sort()) hash.update(`${key}\n`);

  return {
    seed: world.seed,
    loans: world.loans.length,
    days: world.day,
    byStatus,
    principalLent,
    recovered,
    bankPayments,
    commitmentPayments,
    penalties,
    actions,
    duplicateActions,
    keeperTransactions: { count: list.length, reverted, gasUsed, byFunction, list },
    events,
    keeperActors,
    contact: summarizeContacts(readContacts({ dbPath, lettersPath: lettersPathOf(dbPath) })),
    digest: `0x${hash.digest("hex")}`,
  };
}

const noMessages = (): Record<ContactMessageState, number> => ({ sent: 0, waiting: 0, cancelled: 0, failed: 0 });

/**
 * @example
 * summarizeContacts(readContacts({ dbPath, lettersPath })).messages.sent;
 */
export function summarizeContacts(facts: ContactFacts): ContactSummary {
  const messages = noMessages();
  const byKind: Record<string, Record<ContactMessageState, number>> = {};
  const byTimeZone: Record<string, Record<ContactMessageState, number>> = {};
  const waitingBy: Record<string, number> = {};
  for (const message of facts.messages) {
    messages[message.state]++;
    (byKind[message.kind] ??= noMessages())[message.state]++;
    (byTimeZone[message.timeZone] ??= noMessages())[message.state]++;
    if (message.state === "waiting") {
      const reason = message.waitReason ?? "due";
      waitingBy[reason] = (waitingBy[reason] ?? 0) + 1;
    }
  }
  const notBefore = new Map(facts.messages.map((message) => [message.id, message.notBefore]));
  const sentAfterWaiting = facts.log.filter((entry) => entry.sentAt > notBefore.get(entry.messageId)!).length;
  const letterIds = new Set(facts.letters.map(messageIdOfLetter));
  const byLocale: Record<string, number> = {};
  const seen = new Set<string>();
  for (const letter of facts.letters) {
    if (seen.has(letter.id)) continue;
    seen.add(letter.id);
    byLocale[letter.locale] = (byLocale[letter.locale] ?? 0) + 1;
  }
  const anchored = facts.anchors.filter((anchor) => anchor.actionState === "done");
  return {
    messages,
    byKind,
    byTimeZone,
    waitingBy,
    sentAfterWaiting,
    letters: {
      lines: facts.letters.length,
      messages: letterIds.size,
      duplicates: facts.letters.length - letterIds.size,
      byLocale,
    },
    logEntries: facts.log.length,
    batches: {
      closed: facts.anchors.length,
      anchored: anchored.length,
      anchoredEntries: anchored.reduce((sum, anchor) => sum + anchor.count, 0),
    },
    unanchoredEntries: facts.log.filter((entry) => entry.anchorId === null).length,
    lastAnchoredEntry: anchored.length === 0 ? null : anchored[anchored.length - 1].lastEntry,
  };
}
