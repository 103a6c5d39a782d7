/**
 * The collateral watcher end to end: a real `hardhat node`, the keeper as its own process, its real SQLite file.
 *
 * On a demo world's book the test deploys a TestPriceFeed per collateral product (8 decimals), a second TestToken as
 * the ERC-20 collateral (18 decimals) and a CollateralWatch, and names the watch on the book (the admin's
 * `setCollateralModules`) before the keeper starts: the keeper reads `collateralModules()` once, at start. The lender
 * publishes two ERC-20-collateral templates, each with its own feed (valuation terms: warning at 70% loan-to-value,
 * default at 85%, a value may be two days old), and originates one loan from each at about 50%.
 *
 * It proves:
 * - a stale round (a low price observed three days ago, beyond `maxAgeSeconds`) is an unknown value: the keeper
 *   logs it, and declares no default (the loan stays Active, no `declareDefault` is planned or sent for it);
 * - a fresh round that puts the loan between its warning and its default loan-to-value makes the keeper call the
 *   margin on chain (`MarginCall`, sent by the keeper) and write the margin-call letter to the borrower (a
 *   `marginCallNotice` in its contact messages, not cancelled); the loan is not defaulted;
 * - a fresh round past the default loan-to-value makes the keeper declare the default although no installment is
 *   past due: `CollateralDefaultTriggered` (reason 4, `Margin.Default`) and `LoanDefaulted` in one transaction sent
 *   by the keeper, and the loan is Defaulted.
 *
 * The watcher reads margins at most once per minute of chain time: after each new round the test mines a block two
 * minutes later, so that the keeper's next pass reads it.
 */
import { after, before, describe, it } from "node:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import {
  createWalletClient,
  defineChain,
  http,
  keccak256,
  maxUint256,
  parseEventLogs,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type PrivateKeyAccount,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collateralWatchAbi, testPriceFeedAbi } from "../src/abi/collateral.ts";
import { loanBookAbi, testTokenAbi } from "../src/abi/loanBook.ts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { loanAcceptanceTypedData, notarizationTypedData } from "../src/core/typedData.ts";
import { borrowerAccount, hardhatKey, ROLE_INDEX } from "../../scripts/demo/accounts.ts";
import { createWorld, type World } from "../../scripts/demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { CollateralKind, TEMPLATES, TUSD } from "../../scripts/demo/templates.ts";
import { repositoryRoot } from "./support/keeperProcess.ts";

const DAY = 86_400n;
const POLL_MS = 100;
/** `Loans.Status`. */
const Status = { Active: 1, Defaulted: 3 } as const;
/** `Valuations.Margin.Default`: the reason `CollateralDefaultTriggered` carries for a value past the default LTV. */
const MARGIN_DEFAULT = 4;
/** The collateral token's and the feed's decimals. */
const COLLATERAL_UNIT = 10n ** 18n;
const PRICE_UNIT = 10n ** 8n;
const PRINCIPAL = 10_000n * TUSD;
/** 10 collateral tokens at 2,000 TUSD: 20,000 TUSD, a loan-to-value of about 50%. */
const COLLATERAL = 10n * COLLATERAL_UNIT;
const START_PRICE = 2_000n * PRICE_UNIT;
const TERMS = {
  source: 1, // Valuations.Source.PriceFeed
  maxAgeSeconds: Number(2n * DAY),
  silenceSeconds: 0,
  warningLtvBps: 7_000,
  defaultLtvBps: 8_500,
  originationLtvBps: 6_000,
  openDefaultPolicy: 0,
};

interface Artifact {
  abi: Abi;
  bytecode: Hex;
}
const artifact = (path: string): Artifact =>
  JSON.parse(readFileSync(join(repositoryRoot, "artifacts/contracts", path), "utf8")) as Artifact;

describe("the collateral watcher through the keeper process", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-collateral-"));
  const dbPath = join(dir, "keeper.sqlite");
  const logFile = join(dir, "keeper.log");
  const keeperAddress = privateKeyToAccount(hardhatKey(ROLE_INDEX.keeper)).address;
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let wallet: (account: PrivateKeyAccount) => ReturnType<typeof createWalletClient>;
  let watch: Address;
  let collateralToken: Address;
  /** The feed of each loan's template. */
  const feeds: Address[] = [];
  /** [0]: the loan margin-called then defaulted; [1]: the stale-feed control. */
  const loanIds: bigint[] = [];

  /** Polls `check` until it returns a value (not undefined). */
  async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  const client = () => world.rpc.client;
  /** Sends a call and waits for its receipt (automine is on); throws on a revert. */
  async function send(
    account: PrivateKeyAccount,
    request: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] },
  ) {
    const hash = await wallet(account).writeContract({ ...request, account, chain: undefined } as never);
    const receipt = await client().waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${request.functionName} reverted`);
    return receipt;
  }
  async function deploy(account: PrivateKeyAccount, path: string, args: readonly unknown[]): Promise<Address> {
    const { abi, bytecode } = artifact(path);
    const hash = await wallet(account).deployContract({ abi, bytecode, args, account, chain: undefined } as never);
    const receipt = await client().waitForTransactionReceipt({ hash });
    if (receipt.contractAddress == null) throw new Error(`deploying ${path} failed`);
    return receipt.contractAddress;
  }
  const statusOf = async (loanId: bigint) =>
    Number(
      await client().readContract({
        address: world.loanBook,
        abi: loanBookAbi,
        functionName: "statusOf",
        args: [loanId],
      }),
    );
  const marginOf = (loanId: bigint) =>
    client().readContract({
      address: watch,
      abi: collateralWatchAbi,
      functionName: "marginOf",
      args: [loanId],
    }) as Promise<readonly [number, bigint, bigint, bigint]>;
  /** Publishes a round on feed `i` (the admin deployed it). */
  const setRound = (i: number, price: bigint, updatedAt: bigint) =>
    send(world.accounts.admin, {
      address: feeds[i],
      abi: testPriceFeedAbi as Abi,
      functionName: "setRound",
      args: [price, updatedAt],
    });
  /** The price that puts loan `loanId` at `ltvBps` of its collateral's value (10 tokens). */
  async function priceAt(loanId: bigint, ltvBps: bigint): Promise<bigint> {
    const debt = (await client().readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "payoffAmount",
      args: [loanId],
    })) as bigint;
    // value (TUSD units) = 10 * price / 1e8 * 1e6; value = debt * 10_000 / ltv.
    return (debt * 10_000n * PRICE_UNIT) / (ltvBps * 10n * TUSD);
  }
  /** Mines a block `seconds` after the latest: the watcher reads margins at most once per minute of chain time. */
  const advance = async (seconds: bigint) => world.rpc.mineAt((await world.rpc.latestTimestamp()) + seconds);
  /** The keeper's store, read only (WAL: the keeper may write meanwhile). */
  function readStore<T>(read: (db: Database.Database) => T): T {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }
  const keeperLog = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: 1, seed: "e2e-collateral", horizonDays: 90 });
    const localChain = defineChain({
      id: world.rpc.chainId,
      name: "hardhat",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    });
    wallet = (account) => createWalletClient({ account, chain: localChain, transport: http(chain!.url) });
    const { admin, lender, notary } = world.accounts;

    // The collateral stack: a feed per template, the collateral token, the watch, named on the book.
    for (let i = 0; i < 2; i++) feeds.push(await deploy(admin, "mocks/TestPriceFeed.sol/TestPriceFeed.json", [8]));
    collateralToken = await deploy(admin, "mocks/TestToken.sol/TestToken.json", ["Test Collateral", "TCOL", 18]);
    watch = await deploy(admin, "collateral/CollateralWatch.sol/CollateralWatch.json", [world.loanBook, zeroAddress]);
    await send(admin, {
      address: world.loanBook,
      abi: loanBookAbi as Abi,
      functionName: "setCollateralModules",
      args: [watch, zeroAddress],
    });

    // Two ERC-20-collateral templates (the demo's small-business product), each valued by its own feed.
    const base = TEMPLATES.find((template) => template.name === "businessEqualPrincipal")!.params(world.token);
    const templateIds: bigint[] = [];
    for (let i = 0; i < 2; i++) {
      await send(lender, {
        address: world.loanBook,
        abi: loanBookAbi as Abi,
        functionName: "publishTemplate",
        args: [{ ...base, collateralKind: CollateralKind.ERC20 }, [], []],
      });
      const templateId = (await client().readContract({
        address: world.loanBook,
        abi: loanBookAbi,
        functionName: "templateCount",
      })) as bigint;
      templateIds.push(templateId);
      await send(lender, {
        address: watch,
        abi: collateralWatchAbi as Abi,
        functionName: "setValuationTerms",
        args: [templateId, { ...TERMS, feed: feeds[i], asset: collateralToken }],
      });
      await setRound(i, START_PRICE, await world.rpc.latestTimestamp());
    }

    // The principals: the lender's tokens (it approved the book in createWorld).
    await send(admin, {
      address: world.token,
      abi: testTokenAbi as Abi,
      functionName: "mint",
      args: [lender.address, 2n * PRINCIPAL],
    });
    const deadline = (await world.rpc.latestTimestamp()) + DAY;
    for (let i = 0; i < 2; i++) {
      const borrower = borrowerAccount("e2e-collateral-watch", i);
      await wallet(admin).sendTransaction({
        account: admin,
        to: borrower.address,
        value: 10n ** 18n,
        chain: undefined,
      } as never);
      await send(admin, {
        address: collateralToken,
        abi: testTokenAbi as Abi,
        functionName: "mint",
        args: [borrower.address, COLLATERAL],
      });
      await send(borrower, {
        address: collateralToken,
        abi: testTokenAbi as Abi,
        functionName: "approve",
        args: [world.loanBook, maxUint256],
      });
      const collateral = { token: collateralToken, amountOrId: COLLATERAL, assetHash: zeroHash };
      const documentHash = keccak256(stringToHex(`collateral e2e loan ${i}`));
      const terms = {
        templateId: templateIds[i],
        principal: PRINCIPAL,
        borrower: borrower.address,
        lender: lender.address,
        documentHash,
        collateral,
        deadline,
      };
      const borrowerNonce = 0n;
      // A notary nonce lane of its own (createWorld's loans use lanes 1..N).
      const notaryNonce = BigInt(1_000 + i) << 64n;
      const [borrowerSignature, notarySignature] = await Promise.all([
        borrower.signTypedData(
          loanAcceptanceTypedData(world.rpc.chainId, world.loanBook, { ...terms, nonce: borrowerNonce }),
        ),
        notary.signTypedData(
          notarizationTypedData(world.rpc.chainId, world.loanBook, { ...terms, nonce: notaryNonce }),
        ),
      ]);
      const receipt = await send(lender, {
        address: world.loanBook,
        abi: loanBookAbi as Abi,
        functionName: "originate",
        args: [
          {
            templateId: templateIds[i],
            principal: PRINCIPAL,
            documentHash,
            collateral,
            borrower: { signer: borrower.address, nonce: borrowerNonce, deadline, signature: borrowerSignature },
            notary: { signer: notary.address, nonce: notaryNonce, deadline, signature: notarySignature },
          },
        ],
      });
      const [event] = parseEventLogs({ abi: loanBookAbi, eventName: "LoanOriginated", logs: receipt.logs });
      loanIds.push(event.args.loanId);
    }
    for (const loanId of loanIds) {
      expect(await statusOf(loanId)).to.equal(Status.Active);
      expect((await marginOf(loanId))[0], "Margin.Safe at origination").to.equal(2);
    }

    // The keeper starts after the watch is named: it reads `collateralModules()` at start.
    keeper = await startDemoKeeper({ world, dbPath, logFile, logLevel: "info" });
    await keeper.link.waitUntilCaughtUp();
  });

  after(async () => {
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("watches the book's collateral", () => {
    expect(keeperLog()).to.match(/watching the book's collateral/);
  });

  it("declares no default on a stale round, however low its price", async () => {
    const control = loanIds[1];
    const now = await world.rpc.latestTimestamp();
    // 10% of the debt's value, but observed three days ago: unknown, not a default.
    await setRound(1, (await priceAt(control, 50_000n)) / 10n, now - 3n * DAY);
    expect((await marginOf(control))[0], "Margin.Unknown").to.equal(1);
    const unknownLines = () =>
      keeperLog()
        .split("\n")
        .filter((line) => line.includes("collateral value unknown") && line.includes(`"loanId":"${control}"`)).length;
    // Two passes of the watcher (a minute of chain time apart) have seen it unknown.
    for (let pass = 1; pass <= 2; pass++) {
      await advance(120n);
      await keeper!.link.waitUntilCaughtUp();
      await until(`the watcher's pass ${pass} on the stale feed`, async () =>
        unknownLines() >= pass ? true : undefined,
      );
    }
    expect(await statusOf(control)).to.equal(Status.Active);
    const actions = readStore((db) =>
      db
        .prepare("SELECT kind, state FROM actions WHERE loan_id = ? AND kind IN ('declareDefault', 'callMargin')")
        .all(control),
    );
    expect(actions, "no default or margin call planned for the stale loan").to.deep.equal([]);
    const defaulted = await client().getContractEvents({
      address: world.loanBook,
      abi: loanBookAbi,
      eventName: "LoanDefaulted",
      args: { loanId: control },
      fromBlock: world.deployBlock,
    });
    expect(defaulted).to.deep.equal([]);
  });

  it("calls the margin on chain and writes to the borrower between the warning and the default LTV", async () => {
    const loanId = loanIds[0];
    await setRound(0, await priceAt(loanId, 7_800n), await world.rpc.latestTimestamp());
    expect((await marginOf(loanId))[0], "Margin.Warning").to.equal(3);
    await advance(120n);
    const call = await until("the keeper's margin call", async () => {
      const events = await client().getContractEvents({
        address: watch,
        abi: collateralWatchAbi,
        eventName: "MarginCall",
        args: { loanId },
        fromBlock: world.deployBlock,
        strict: true,
      });
      return events[0];
    });
    const tx = await client().getTransaction({ hash: call.transactionHash as Hash });
    expect(tx.from.toLowerCase()).to.equal(keeperAddress.toLowerCase());
    expect(call.args.caller.toLowerCase()).to.equal(keeperAddress.toLowerCase());
    expect(Number(call.args.margin)).to.equal(3);

    const message = await until("the margin-call letter in the store", async () =>
      readStore(
        (db) =>
          db
            .prepare("SELECT kind, state, wait_reason, last_error FROM contact_messages WHERE loan_id = ? AND kind = ?")
            .get(loanId, "marginCallNotice") as
            { kind: string; state: string; wait_reason: string | null; last_error: string | null } | undefined,
      ),
    );
    expect(message.kind).to.equal("marginCallNotice");
    // A few passes later, the letter is still to go (or gone): a margin call is no default, nothing annulled it.
    await advance(120n);
    await keeper!.link.waitUntilCaughtUp();
    const later = readStore(
      (db) =>
        db
          .prepare("SELECT state, wait_reason, last_error FROM contact_messages WHERE loan_id = ? AND kind = ?")
          .get(loanId, "marginCallNotice") as { state: string; wait_reason: string | null; last_error: string | null },
    );
    expect(later.state, `the margin-call letter: ${JSON.stringify(later)}`).to.be.oneOf(["waiting", "sent"]);
    expect(await statusOf(loanId)).to.equal(Status.Active);
  });

  it("declares the default past the default LTV, although nothing is past due", async () => {
    const loanId = loanIds[0];
    await setRound(0, await priceAt(loanId, 9_500n), await world.rpc.latestTimestamp());
    expect((await marginOf(loanId))[0], "Margin.Default").to.equal(MARGIN_DEFAULT);
    await advance(120n);
    await until("the loan Defaulted", async () => ((await statusOf(loanId)) === Status.Defaulted ? true : undefined));
    const [triggered] = await client().getContractEvents({
      address: world.loanBook,
      abi: loanBookAbi,
      eventName: "CollateralDefaultTriggered",
      args: { loanId },
      fromBlock: world.deployBlock,
      strict: true,
    });
    expect(triggered, "CollateralDefaultTriggered").to.not.equal(undefined);
    expect(Number(triggered.args.reason)).to.equal(MARGIN_DEFAULT);
    const receipt = await client().getTransactionReceipt({ hash: triggered.transactionHash as Hash });
    expect(receipt.from.toLowerCase()).to.equal(keeperAddress.toLowerCase());
    const defaulted = parseEventLogs({ abi: loanBookAbi, eventName: "LoanDefaulted", logs: receipt.logs });
    expect(defaulted.map((event) => event.args.loanId)).to.deep.equal([loanId]);
    expect(defaulted[0].args.actor.toLowerCase()).to.equal(keeperAddress.toLowerCase());
    // Not past due: the first installment falls due 30 days after origination.
    const block = await client().getBlock({ blockNumber: receipt.blockNumber });
    const loan = await client().readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "loanOf",
      args: [loanId],
    });
    expect(block.timestamp < BigInt(loan.startTime) + 30n * DAY).to.equal(true);

    // The stale-feed control is still Active, never declared.
    expect(await statusOf(loanIds[1])).to.equal(Status.Active);
    const control = await client().getContractEvents({
      address: world.loanBook,
      abi: loanBookAbi,
      eventName: "LoanDefaulted",
      args: { loanId: loanIds[1] },
      fromBlock: world.deployBlock,
    });
    expect(control).to.deep.equal([]);
  });
});
