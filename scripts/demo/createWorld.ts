/**
 * `createWorld`: a loan book on a fresh local chain, as a lender's first day would leave it. Deploys the local stack
 * (Ignition), publishes the lender's three templates, gives N borrowers (keys from the seed) ETH for gas and tokens
 * for their repayments and collateral, has each sign the loan acceptance and the notary the notarization, and the
 * lender originates every loan: a few blocks in all, mined at the simulated start (15:00 UTC on the 1st of January
 * after the chain's clock, so that a seed replays the same book all year).
 */
import { keccak256, parseEventLogs, stringToHex, zeroAddress, zeroHash, type Address } from "viem";
import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import { deployLocalStack } from "../../keeper/src/adapters/chain/deployLocalStack.ts";
import { loanAcceptanceTypedData, notarizationTypedData } from "../../keeper/src/core/typedData.ts";
import { borrowerAccount, roleAccounts, type RoleAccounts } from "./accounts.ts";
import { assignScripts } from "./behaviours.ts";
import { createBlockBatcher, type BlockBatcher } from "./blockBatch.ts";
import { createBookCalls, type BookCalls, type OriginationParams } from "./bookCalls.ts";
import { connectChain, type ChainRpc } from "./chainRpc.ts";
import { createRandom } from "./random.ts";
import { newLoanProgress, type DemoLoan } from "./loanProgress.ts";
import { DAY, TEMPLATES, type TemplateName } from "./templates.ts";

/** ETH each borrower gets for gas, from the admin (a year of a borrower's transactions uses about 0.01 ETH). */
const BORROWER_ETH = 1n * 10n ** 18n;
/** Tokens each borrower gets beyond the principal it receives: interest and penalties, in bps of the principal. */
const BORROWER_BUFFER_BPS = 5_000n;
/** Half a day: the days' blocks come this long before the time of day loans fall due. */
const HALF_DAY = 43_200n;
/**
 * The simulated start: 15:00 UTC on the 1st of January. Installments fall due at 15:00; day d's block comes at 03:00
 * UTC on the d-th day after origination, so that the block of a due date comes before the due time (the keeper's
 * due-today reminder window, from midnight in the borrower's zone to the due time, holds a block), and every block
 * is half a day from a penalty day's boundary (what a borrower reads in a block is what it pays in the next).
 */
const START_OFFSET_SECONDS = 15n * 3_600n;

export interface CreateWorldParameters {
  /** A Hardhat node (`startLocalChain`), fresh: the demo deploys its own loan book. */
  rpcUrl: string;
  /** Loans in the book (one borrower each). */
  loans: number;
  /** Anything: the same seed gives the same borrowers, loans, behaviours and amounts. */
  seed: string;
  /** Days the run will play: each borrower's story is chosen to end within them (365 by default). */
  horizonDays?: number;
  /** The simulated start (unix seconds); the 1st of January after the chain's clock, 15:00 UTC, by default. */
  startTime?: bigint;
}

export interface World {
  readonly rpc: ChainRpc;
  readonly batcher: BlockBatcher;
  readonly calls: BookCalls;
  readonly accounts: RoleAccounts;
  readonly loanBook: Address;
  /** Where the keeper anchors its contact log (Merkle roots). */
  readonly evidenceAnchor: Address;
  readonly token: Address;
  /** LoanBook's deployment block: the keeper's start block. */
  readonly deployBlock: bigint;
  readonly seed: string;
  readonly horizonDays: number;
  /** The origination block's time: day 0. */
  readonly startTime: bigint;
  readonly templateIds: ReadonlyMap<TemplateName, bigint>;
  readonly loans: readonly DemoLoan[];
  /** The last day played (0: origination). */
  day: number;
  /** The last block whose loan book events the engine has read. */
  scannedBlock: bigint;
}

/** The time of day `day`'s block: half a day before the time of day of origination, `day` days after it. */
export function dayTime(world: Pick<World, "startTime">, day: number): bigint {
  return world.startTime + BigInt(day) * BigInt(DAY) - HALF_DAY;
}

/**
 * @example
 * const chain = await startLocalChain({ port: 0 });
 * const world = await createWorld({ rpcUrl: chain.url, loans: 200, seed: "loanbook" });
 */
export async function createWorld(parameters: CreateWorldParameters): Promise<World> {
  const { rpcUrl, loans: count, seed } = parameters;
  const horizonDays = parameters.horizonDays ?? 365;
  if (!Number.isInteger(count) || count < 1) throw new Error(`loans must be a positive integer, got ${count}`);
  const stack = await deployLocalStack({ rpcUrl });
  const rpc = await connectChain(rpcUrl);
  const { client, chainId } = rpc;
  const accounts = roleAccounts();
  if (accounts.lender.address !== stack.accounts.lender || accounts.notary.address !== stack.accounts.notary) {
    throw new Error("the node's accounts are not Hardhat's default accounts");
  }
  const calls = createBookCalls(stack.loanBook, stack.token);
  const batcher = createBlockBatcher(rpc);

  const latest = await rpc.latestTimestamp();
  const startTime = parameters.startTime ?? nextNewYear(latest) + START_OFFSET_SECONDS;
  if (startTime <= latest + 7_200n)
    throw new Error(`startTime ${startTime} must be over two hours after the chain's clock`);

  // The book: who borrows what, and how each behaves.
  const random = createRandom(seed);
  const scripts = assignScripts(count, horizonDays, random.fork("scripts"));
  const amounts = random.fork("principals");
  const planned = scripts.map((script, index) => {
    const { min, max, step } = script.template.principal;
    const principal = min + BigInt(amounts.int(0, Number((max - min) / step))) * step;
    const collateral = (principal * BigInt(script.template.collateralBps)) / 10_000n;
    return {
      index,
      script,
      borrower: borrowerAccount(seed, index),
      principal,
      collateral,
      documentHash: keccak256(stringToHex(`loan contract ${seed}/${index}`)),
    };
  });

  // Two hours before the start, the borrowers' gas money: transfers, not `hardhat_setBalance`, so that the chain's
  // whole history is its transactions and a second node replaying them reaches the same blocks (evidence, issue 8).
  await batcher.send(
    planned.map((loan) => calls.sendEth(accounts.admin, loan.borrower.address, BORROWER_ETH)),
    startTime - 7_200n,
  );
  // Set-up block, an hour before the start: templates, tokens, allowances.
  const lent = planned.reduce((sum, loan) => sum + loan.principal, 0n);
  await batcher.send(
    [
      ...TEMPLATES.map((template) => calls.publishTemplate(accounts.lender, template.params(stack.token))),
      calls.mint(accounts.admin, accounts.lender.address, lent),
      calls.approveBook(accounts.lender),
      ...planned.map((loan) =>
        calls.mint(
          accounts.admin,
          loan.borrower.address,
          loan.collateral + (loan.principal * BORROWER_BUFFER_BPS) / 10_000n,
        ),
      ),
      ...planned.map((loan) => calls.approveBook(loan.borrower)),
    ],
    startTime - 3_600n,
  );
  const templateCount = await client.readContract({
    address: stack.loanBook,
    abi: loanBookAbi,
    functionName: "templateCount",
  });
  if (templateCount !== BigInt(TEMPLATES.length))
    throw new Error(`expected ${TEMPLATES.length} templates, found ${templateCount}`);
  const templateIds = new Map(TEMPLATES.map((template, i) => [template.name, BigInt(i + 1)] as const));

  // Origination: each borrower signs its acceptance, the notary its notarization (a nonce lane per loan, so that
  // the order they are mined in does not matter), the lender sends them all.
  const deadline = startTime + BigInt(DAY);
  const originations = await Promise.all(
    planned.map(async (loan): Promise<OriginationParams> => {
      const collateral =
        loan.collateral === 0n
          ? { token: zeroAddress, amountOrId: 0n, assetHash: zeroHash }
          : { token: stack.token, amountOrId: loan.collateral, assetHash: zeroHash };
      const terms = {
        templateId: templateIds.get(loan.script.template.name)!,
        principal: loan.principal,
        borrower: loan.borrower.address,
        lender: accounts.lender.address,
        documentHash: loan.documentHash,
        collateral,
        deadline,
      };
      const borrowerNonce = 0n;
      const notaryNonce = BigInt(loan.index + 1) << 64n;
      const [borrowerSignature, notarySignature] = await Promise.all([
        loan.borrower.signTypedData(
          loanAcceptanceTypedData(chainId, stack.loanBook, { ...terms, nonce: borrowerNonce }),
        ),
        accounts.notary.signTypedData(notarizationTypedData(chainId, stack.loanBook, { ...terms, nonce: notaryNonce })),
      ]);
      return {
        templateId: terms.templateId,
        principal: loan.principal,
        documentHash: loan.documentHash,
        collateral,
        borrower: { signer: loan.borrower.address, nonce: borrowerNonce, deadline, signature: borrowerSignature },
        notary: { signer: accounts.notary.address, nonce: notaryNonce, deadline, signature: notarySignature },
      };
    }),
  );
  const mined = await batcher.send(
    originations.map((params, i) => calls.originate(accounts.lender, params, `borrower #${i}`)),
    startTime,
  );
  const loans: DemoLoan[] = mined.map(({ receipt }, i) => {
    const [event] = parseEventLogs({ abi: loanBookAbi, eventName: "LoanOriginated", logs: receipt.logs });
    if (event === undefined) throw new Error(`origination of borrower #${i} emitted no LoanOriginated`);
    const loan = planned[i];
    return {
      ...loan,
      loanId: event.args.loanId,
      templateId: event.args.templateId,
      startTime: startTime + (receipt.blockNumber - mined[0].receipt.blockNumber),
      progress: newLoanProgress(),
    } satisfies DemoLoan;
  });
  const head = await client.getBlockNumber({ cacheTime: 0 });
  return {
    rpc,
    batcher,
    calls,
    accounts,
    loanBook: stack.loanBook,
    evidenceAnchor: stack.evidenceAnchor,
    token: stack.token,
    deployBlock: stack.deployBlock,
    seed,
    horizonDays,
    startTime,
    templateIds,
    loans,
    day: 0,
    scannedBlock: head,
  };
}

/** Midnight UTC on the 1st of January of the year after `time`'s (unix seconds). */
function nextNewYear(time: bigint): bigint {
  const year = new Date(Number(time) * 1_000).getUTCFullYear();
  return BigInt(Date.UTC(year + 1, 0, 1) / 1_000);
}

export type { DemoLoan };
