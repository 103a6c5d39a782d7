/**
 * `playDays`: the simulated clock moves one day at a time. Each day:
 * 1. the moves of the day are listed from each loan's script (`borrowerMoves.ts`);
 * 2. automine goes off and the next block's time is fixed at the day's time, so that the amounts each borrower pays
 *    (`amountDue`, the installment, the payoff) are read as of that block (`blockTag: "pending"`);
 * 3. bank payments are posted to the keeper's bank webhook (paid at the day's time), the borrowers', the lender's and the
 *    notary's transactions into one block at the day's time (more if the gas limit says so);
 * 4. the engine waits until the keeper has caught up with the head and is idle (its own transactions make blocks:
 *    `KeeperLink.waitUntilCaughtUp`): the defaults, breaches, relays and auto-debits are the keeper's, never the
 *    engine's;
 * 5. the day's loan book events tell each loan's script what happened (a default declared, a decision...).
 * A day's block is mined even when nobody moves, so that the keeper sees every day.
 */
import { parseEventLogs, keccak256, stringToHex } from "viem";
import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import { repaymentCommitmentTypedData } from "../../keeper/src/core/typedData.ts";
import { COMMITMENT_INSTALLMENTS, COMMITMENT_INTERVAL_DAYS } from "./behaviours.ts";
import type { TxRequest } from "./blockBatch.ts";
import { readOwed } from "./bookCalls.ts";
import { MOVE_KINDS, movesOf, type Move } from "./borrowerMoves.ts";
import { dayTime, type World } from "./createWorld.ts";
import type { DemoBankFeed } from "./demoBankFeed.ts";
import type { KeeperLink } from "./keeperLink.ts";
import { applyEvent, type BookEvent, type DemoLoan } from "./loanProgress.ts";
import { DAY } from "./templates.ts";

export interface DayReport {
  readonly day: number;
  /** The day's block time. */
  readonly time: bigint;
  /** Moves made (transactions sent and bank payments reported). */
  readonly moves: number;
}

export interface PlayDaysParameters {
  readonly world: World;
  readonly keeper: KeeperLink;
  readonly bankFeed: DemoBankFeed;
  /** Days to play from `world.day` on. */
  readonly days: number;
  /** After each day, once the keeper has caught up. */
  readonly onDay?: (report: DayReport) => void | Promise<void>;
}

export interface PlayDaysReturnType {
  /** Moves made, by kind. */
  readonly moves: Readonly<Record<Move["kind"], number>>;
  /** Wall time (ms): the engine's own moves (reads, signing, mining), waiting for the keeper, reading events. */
  readonly timings: { movesMs: number; keeperMs: number; eventsMs: number; onDayMs: number };
}

/** The events a script reacts to. */
const WATCHED = ["LoanDefaulted", "CommitmentBreached", "ObjectionResolved", "DefaultCertified", "LoanRepaid"] as const;

/** A move that needs what the loan owes at the day's time. */
const NEEDS_OWED: ReadonlySet<Move["kind"]> = new Set(["payInstallment", "bankPayment", "payAllDue", "commit"]);

/**
 * @example
 * await playDays({ world, keeper, bankFeed, days: 365, onDay: ({ day }) => progress.update(day) });
 */
export async function playDays({
  world,
  keeper,
  bankFeed,
  days,
  onDay,
}: PlayDaysParameters): Promise<PlayDaysReturnType> {
  const moves = Object.fromEntries(MOVE_KINDS.map((kind) => [kind, 0])) as Record<Move["kind"], number>;
  const timings = { movesMs: 0, keeperMs: 0, eventsMs: 0, onDayMs: 0 };
  const byId = new Map(world.loans.map((loan) => [loan.loanId, loan]));

  for (let i = 0; i < days; i++) {
    const day = ++world.day;
    const time = dayTime(world, day);
    let started = performance.now();
    const made = await makeMoves(world, bankFeed, day, time);
    for (const kind of made) moves[kind]++;
    timings.movesMs += performance.now() - started;

    started = performance.now();
    await keeper.waitUntilCaughtUp();
    timings.keeperMs += performance.now() - started;

    started = performance.now();
    await readEvents(world, byId, day);
    timings.eventsMs += performance.now() - started;

    started = performance.now();
    await onDay?.({ day, time, moves: made.length });
    timings.onDayMs += performance.now() - started;
  }
  return { moves, timings };
}

/** Steps 1 to 3 of a day; returns the kinds of the moves made. */
async function makeMoves(world: World, bankFeed: DemoBankFeed, day: number, time: bigint): Promise<Move["kind"][]> {
  const { batcher } = world;
  const planned = world.loans.flatMap((loan) => movesOf(loan, day).map((move) => ({ loan, move })));
  await batcher.open(time);
  try {
    return await moveAndMine(world, bankFeed, day, time, planned);
  } finally {
    // A failure before the block was mined leaves automine off: the keeper's transactions would never be mined.
    await batcher.close();
  }
}

/** Steps 2 and 3, the batch open: reads at the day's time, then the bank payments and the day's block. */
async function moveAndMine(
  world: World,
  bankFeed: DemoBankFeed,
  day: number,
  time: bigint,
  planned: readonly { loan: DemoLoan; move: Move }[],
): Promise<Move["kind"][]> {
  const { rpc, batcher, calls, accounts, loanBook } = world;
  const owed = await Promise.all(
    planned.map(({ loan, move }) =>
      NEEDS_OWED.has(move.kind) ? readOwed(rpc.client, loanBook, loan.loanId, "pending") : null,
    ),
  );

  const requests: TxRequest[] = [];
  /** Applied once the day's block is mined. */
  const effects: (() => void)[] = [];
  const made: Move["kind"][] = [];
  for (let i = 0; i < planned.length; i++) {
    const { loan, move } = planned[i];
    const { borrower, loanId, progress, script } = loan;
    const owes = owed[i];
    switch (move.kind) {
      case "payInstallment": {
        const amount = owes!.amountDue > 0n ? owes!.amountDue : owes!.installment;
        if (amount === 0n) {
          // Nothing owed on it (paid some other way): on to the next one.
          progress.nextInstallment = move.installment + 1;
          continue;
        }
        requests.push(calls.repay(borrower, loanId, amount));
        effects.push(() => (progress.nextInstallment = move.installment + 1));
        break;
      }
      case "bankPayment": {
        const amount = owes!.installment;
        if (amount === 0n) continue;
        const bankReference = `DEMO-${world.seed}-L${loanId}-I${move.installment}`;
        const bankReferenceHash = await bankFeed.report({ loanId, bankReference, amount, paidAt: time });
        progress.bankPayments.push({
          day,
          installment: move.installment,
          bankReference,
          bankReferenceHash,
          amount,
          paidAt: time,
        });
        progress.nextInstallment = move.installment + 1;
        break;
      }
      case "enableAutoDebit":
        requests.push(calls.setAutoDebit(borrower, loanId));
        effects.push(() => (progress.autoDebitOn = true));
        break;
      case "payAllDue": {
        const amount = owes!.amountDue;
        if (amount !== 0n) requests.push(calls.repay(borrower, loanId, amount));
        effects.push(() => {
          progress.resumedDay = day;
          let next = 1;
          while (next <= script.template.installments && script.template.dueDay(next) <= day) next++;
          progress.nextInstallment = next;
        });
        break;
      }
      case "commit": {
        const total = owes!.payoff;
        const part = total / BigInt(COMMITMENT_INSTALLMENTS);
        const amounts = Array.from({ length: COMMITMENT_INSTALLMENTS }, (_, k) =>
          k === 0 ? total - part * BigInt(COMMITMENT_INSTALLMENTS - 1) : part,
        );
        const dueDays = amounts.map((_, k) => day + (k + 1) * COMMITMENT_INTERVAL_DAYS);
        const dueTimes = dueDays.map((d) => dayTime(world, d));
        // The borrower signs in its wallet; the lender's back office submits it for the template's policy.
        const deadline = time + BigInt(DAY);
        const nonce = 1n;
        const signature = await borrower.signTypedData(
          repaymentCommitmentTypedData(rpc.chainId, loanBook, { loanId, dueTimes, amounts, nonce, deadline }),
        );
        requests.push(
          calls.submitCommitment(
            accounts.lender,
            { loanId, dueTimes, amounts },
            { signer: borrower.address, nonce, deadline, signature },
          ),
        );
        effects.push(() => (progress.commitment = { day, dueDays, amounts, paid: 0 }));
        break;
      }
      case "payCommitment": {
        const commitment = progress.commitment!;
        requests.push(calls.repay(borrower, loanId, commitment.amounts[move.index]));
        effects.push(() => (commitment.paid = move.index + 1));
        break;
      }
      case "fileObjection":
        requests.push(calls.fileObjection(borrower, loanId, evidence(`objection of loan ${loanId}: bank receipts`)));
        effects.push(() => (progress.objectionDay = day));
        break;
      case "resolveObjection":
        requests.push(
          calls.resolveObjection(
            accounts.notary,
            loanId,
            move.upheld,
            evidence(`notary decision on loan ${loanId}: ${move.upheld ? "upheld" : "rejected"}`),
          ),
        );
        break;
      case "certify":
        requests.push(
          calls.certify(accounts.notary, {
            loanId,
            debtInstrumentHash: loan.documentHash,
            defaultProofHash: evidence(`proof of default of loan ${loanId}`),
            identityProofHash: evidence(`identity proof of the borrower of loan ${loanId}`),
          }),
        );
        break;
    }
    made.push(move.kind);
  }
  await batcher.send(requests, time);
  for (const effect of effects) effect();
  return made;
}

/** Step 5: the loan book's events since the last day, applied to the loans they name. */
async function readEvents(world: World, byId: ReadonlyMap<bigint, DemoLoan>, day: number): Promise<void> {
  const { client } = world.rpc;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  if (head <= world.scannedBlock) return;
  const logs = await client.getLogs({ address: world.loanBook, fromBlock: world.scannedBlock + 1n, toBlock: head });
  for (const log of parseEventLogs({ abi: loanBookAbi, logs, eventName: [...WATCHED] })) {
    const loan = byId.get(log.args.loanId);
    if (loan === undefined) continue;
    applyEvent(loan, toBookEvent(log), day);
  }
  world.scannedBlock = head;
}

function toBookEvent(
  log: ReturnType<typeof parseEventLogs<typeof loanBookAbi, true, (typeof WATCHED)[number]>>[number],
): BookEvent {
  switch (log.eventName) {
    case "LoanDefaulted":
      return { name: "LoanDefaulted", loanId: log.args.loanId, actor: log.args.actor };
    case "CommitmentBreached":
      return { name: "CommitmentBreached", loanId: log.args.loanId, actor: log.args.actor };
    case "ObjectionResolved":
      return { name: "ObjectionResolved", loanId: log.args.loanId, upheld: log.args.upheld };
    case "DefaultCertified":
      return { name: "DefaultCertified", loanId: log.args.loanId };
    case "LoanRepaid":
      return { name: "LoanRepaid", loanId: log.args.loanId };
  }
}

const evidence = (label: string) => keccak256(stringToHex(label));
