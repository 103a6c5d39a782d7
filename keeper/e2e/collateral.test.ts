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
 * - an offer made through the keeper's API with a notary's attestation of the borrower's identity commitment passes
 *   the origination checks; once the lender originates it, the keeper enrolls the loan in the shared default registry
 *   (the lender named the keeper its reporter);
 * - when that loan defaults on its collateral, the keeper syncs the registry (the identity has an open default), and a
 *   new offer to the same identity is refused with the reason code `open_default_elsewhere` (the template blocks),
 *   recorded, and counted on the lender's dashboard.
 *
 * The watcher and the registry reporter look at most once per minute of chain time: after each new round the test
 * mines a block two minutes later, so that the keeper's next pass reads it.
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
import { collateralWatchAbi, defaultRegistryAbi, testPriceFeedAbi } from "../src/abi/collateral.ts";
import { loanBookAbi, testTokenAbi } from "../src/abi/loanBook.ts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { createApiKeyCommand } from "../src/cli/commands/apiKey.ts";
import { formatAmount } from "../src/core/contact/formatAmount.ts";
import { identityCommitment } from "../src/core/identityCommitment.ts";
import { identityAttestationTypedData, loanAcceptanceTypedData, notarizationTypedData } from "../src/core/typedData.ts";
import { borrowerAccount, hardhatKey, ROLE_INDEX } from "../../scripts/demo/accounts.ts";
import { createWorld, type World } from "../../scripts/demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { CollateralKind, TEMPLATES, TUSD } from "../../scripts/demo/templates.ts";
import { repositoryRoot } from "./support/keeperProcess.ts";
import { until } from "./support/until.ts";

const DAY = 86_400n;
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
/** The consortium's key of identity commitments (a secret the member lenders share; a test value here). */
const CONSORTIUM_KEY = new TextEncoder().encode("test consortium key, 32 bytes ..");
/** `Valuations.OpenDefaultPolicy.Block`. */
const BLOCK = 2;
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
  let registry: Address;
  let collateralToken: Address;
  /** The feed of each template: [0], [1] the loans below; [2] the offer's template. */
  const feeds: Address[] = [];
  const templateIds: bigint[] = [];
  /** [0]: the loan margin-called then defaulted; [1]: the stale-feed control; [2]: the offer's loan (pushed later). */
  const loanIds: bigint[] = [];

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
  /** Gives `borrower` gas and the collateral, approved to the book. */
  async function fundBorrower(borrower: PrivateKeyAccount) {
    const { admin } = world.accounts;
    await wallet(admin).sendTransaction({
      account: admin,
      to: borrower.address,
      value: 10n ** 18n,
      chain: undefined,
    } as never);
    const token = { address: collateralToken, abi: testTokenAbi as Abi };
    await send(admin, { ...token, functionName: "mint", args: [borrower.address, COLLATERAL] });
    await send(borrower, { ...token, functionName: "approve", args: [world.loanBook, maxUint256] });
  }
  let apiKey = "";
  /** A call to the keeper's API with the lender's key. */
  async function api(method: "GET" | "POST", path: string, body?: object): Promise<{ status: number; body: any }> {
    const response = await fetch(`${keeper!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }
  /** The borrower of the offer's loan, its identity commitment, and a notary's attestation of it. */
  const offerBorrower = borrowerAccount("e2e-collateral-watch", 2);
  const identity = identityCommitment(CONSORTIUM_KEY, "110101-19900307-7777");
  async function offerBody(documentHash: Hex) {
    const signature = await world.accounts.notary.signTypedData(
      identityAttestationTypedData(world.rpc.chainId, world.loanBook, { borrower: offerBorrower.address, identity }),
    );
    return {
      templateId: String(templateIds[2]),
      principal: String(PRINCIPAL),
      borrower: offerBorrower.address,
      documentHash,
      collateral: { token: collateralToken, amountOrId: String(COLLATERAL), assetHash: zeroHash },
      identity: { commitment: identity, attestedBy: world.accounts.notary.address, signature },
    };
  }
  /** Registry events of `eventName` about the offer's loan, with the sender of each one's transaction. */
  async function registryEvents(eventName: "IdentityEnrolled" | "DefaultEntry") {
    const events = await client().getContractEvents({
      address: registry,
      abi: defaultRegistryAbi,
      eventName,
      fromBlock: world.deployBlock,
      strict: true,
    });
    const mine = events.filter((event) => event.args.loanId === loanIds[2]);
    return Promise.all(
      mine.map(async (event) => ({
        event,
        from: (await client().getTransaction({ hash: event.transactionHash as Hash })).from.toLowerCase(),
      })),
    );
  }

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

    // The collateral stack: a feed per template, the collateral token, the shared registry (the book a member, the
    // keeper the lender's reporter), the watch, named on the book.
    for (let i = 0; i < 3; i++) feeds.push(await deploy(admin, "mocks/TestPriceFeed.sol/TestPriceFeed.json", [8]));
    collateralToken = await deploy(admin, "mocks/TestToken.sol/TestToken.json", ["Test Collateral", "TCOL", 18]);
    registry = await deploy(admin, "collateral/DefaultRegistry.sol/DefaultRegistry.json", [admin.address]);
    await send(admin, {
      address: registry,
      abi: defaultRegistryAbi as Abi,
      functionName: "addBook",
      args: [world.loanBook],
    });
    await send(lender, {
      address: registry,
      abi: defaultRegistryAbi as Abi,
      functionName: "setReporter",
      args: [keeperAddress, true],
    });
    watch = await deploy(admin, "collateral/CollateralWatch.sol/CollateralWatch.json", [world.loanBook, registry]);
    await send(admin, {
      address: world.loanBook,
      abi: loanBookAbi as Abi,
      functionName: "setCollateralModules",
      args: [watch, zeroAddress],
    });

    // Three ERC-20-collateral templates (the demo's small-business product), each valued by its own feed; the
    // third's offers are refused to a borrower with an open default anywhere in the registry.
    const base = TEMPLATES.find((template) => template.name === "businessEqualPrincipal")!.params(world.token);
    for (let i = 0; i < 3; i++) {
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
        args: [
          templateId,
          {
            ...TERMS,
            feed: feeds[i],
            asset: collateralToken,
            openDefaultPolicy: i === 2 ? BLOCK : TERMS.openDefaultPolicy,
          },
        ],
      });
      await setRound(i, START_PRICE, await world.rpc.latestTimestamp());
    }

    // The principals: the lender's tokens (it approved the book in createWorld).
    await send(admin, {
      address: world.token,
      abi: testTokenAbi as Abi,
      functionName: "mint",
      args: [lender.address, 3n * PRINCIPAL],
    });
    const deadline = (await world.rpc.latestTimestamp()) + DAY;
    for (let i = 0; i < 2; i++) {
      const borrower = borrowerAccount("e2e-collateral-watch", i);
      await fundBorrower(borrower);
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

    await fundBorrower(offerBorrower);

    // The keeper starts after the watch is named: it reads `collateralModules()` at start.
    keeper = await startDemoKeeper({ world, dbPath, logFile, logLevel: "info" });
    await keeper.link.waitUntilCaughtUp();
    // The lender's API key (`loanbook api-key create`), on the keeper's store.
    let stdout = "";
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
    const argv = ["create", "--lender", lender.address, "--name", "back office", "--database", dbPath];
    expect(await createApiKeyCommand({ env: {} }).run(argv, io)).to.equal(0);
    apiKey = /^lk_[A-Za-z0-9_-]{43}$/m.exec(stdout)![0];
  });

  after(async () => {
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("watches the book's collateral", () => {
    expect(keeperLog()).to.match(/watching the book's collateral/);
  });

  it("checks an offer with a notarized identity, and enrolls its loan in the shared registry once originated", async () => {
    const { lender, notary } = world.accounts;
    const documentHash = keccak256(stringToHex("collateral e2e offer"));
    const offered = await api("POST", "/api/offers", await offerBody(documentHash));
    expect(offered.status, JSON.stringify(offered.body)).to.equal(201);
    expect(offered.body.flags).to.deep.equal([]);

    // The lender originates the offer's terms from its own account (signatures gathered here for brevity; the
    // keeper links the loan to the offer by borrower and document hash).
    const deadline = (await world.rpc.latestTimestamp()) + DAY;
    const collateral = { token: collateralToken, amountOrId: COLLATERAL, assetHash: zeroHash };
    const terms = {
      templateId: templateIds[2],
      principal: PRINCIPAL,
      borrower: offerBorrower.address,
      lender: lender.address,
      documentHash,
      collateral,
      deadline,
    };
    const notaryNonce = 1_002n << 64n;
    const receipt = await send(lender, {
      address: world.loanBook,
      abi: loanBookAbi as Abi,
      functionName: "originate",
      args: [
        {
          templateId: templateIds[2],
          principal: PRINCIPAL,
          documentHash,
          collateral,
          borrower: {
            signer: offerBorrower.address,
            nonce: 0n,
            deadline,
            signature: await offerBorrower.signTypedData(
              loanAcceptanceTypedData(world.rpc.chainId, world.loanBook, { ...terms, nonce: 0n }),
            ),
          },
          notary: {
            signer: notary.address,
            nonce: notaryNonce,
            deadline,
            signature: await notary.signTypedData(
              notarizationTypedData(world.rpc.chainId, world.loanBook, { ...terms, nonce: notaryNonce }),
            ),
          },
        },
      ],
    });
    const [originated] = parseEventLogs({ abi: loanBookAbi, eventName: "LoanOriginated", logs: receipt.logs });
    loanIds.push(originated.args.loanId);

    await advance(120n);
    const [enrolled] = await until("the keeper's enrollment", async () => {
      const events = await registryEvents("IdentityEnrolled");
      return events.length > 0 ? events : undefined;
    });
    expect(enrolled.from).to.equal(keeperAddress.toLowerCase());
    expect(enrolled.event.args.identity).to.equal(identity);
    const openDefaults = await client().readContract({
      address: registry,
      abi: defaultRegistryAbi,
      functionName: "openDefaults",
      args: [identity],
    });
    expect(openDefaults).to.equal(0n);
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
            .prepare("SELECT kind, body FROM contact_messages WHERE loan_id = ? AND kind = ?")
            .get(loanId, "marginCallNotice") as { kind: string; body: string } | undefined,
      ),
    );
    expect(message.kind).to.equal("marginCallNotice");
    // The letter states the debt the watch measured the loan-to-value with (its payoff, not the principal left).
    expect(message.body).to.include(formatAmount(call.args.debt, 6));
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

  it("reports the offer's loan's default to the registry, and refuses a new offer to that identity", async () => {
    const loanId = loanIds[2];
    await setRound(2, await priceAt(loanId, 9_500n), await world.rpc.latestTimestamp());
    await advance(120n);
    await until("the offer's loan Defaulted", async () =>
      (await statusOf(loanId)) === Status.Defaulted ? true : undefined,
    );
    // The registry reporter's next look (a minute of chain time later) finds the entry out of date and syncs it.
    await advance(120n);
    const [opened] = await until("the keeper's sync of the default", async () => {
      const events = await registryEvents("DefaultEntry");
      return events.length > 0 ? events : undefined;
    });
    expect(opened.from).to.equal(keeperAddress.toLowerCase());
    expect((opened.event.args as { open: boolean }).open).to.equal(true);
    expect(
      await client().readContract({
        address: registry,
        abi: defaultRegistryAbi,
        functionName: "openDefaults",
        args: [identity],
      }),
    ).to.equal(1n);

    // A new offer to the same identity: refused, with its reason codes, recorded, counted on the dashboard.
    // Every offer the keeper holds: open ones, and the one originated above.
    const allOffers = async () => [
      ...(await api("GET", "/api/offers")).body.offers,
      ...(await api("GET", "/api/offers?state=originated")).body.offers,
    ];
    const offersBefore = await allOffers();
    expect(offersBefore).to.have.length(1);
    const refused = await api("POST", "/api/offers", await offerBody(keccak256(stringToHex("collateral e2e offer 2"))));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.code).to.equal("origination_refused");
    expect(refused.body.error.reasons).to.include("open_default_elsewhere");
    expect(await allOffers(), "no offer stored").to.deep.equal(offersBefore);
    const record = await api("GET", "/api/originations/refusals");
    expect(record.status).to.equal(200);
    expect(record.body.counts.open_default_elsewhere).to.equal(1);
    expect(record.body.refusals[0]).to.deep.include({ identity, borrower: offerBorrower.address });
    const portfolio = await api("GET", "/api/portfolio");
    expect(portfolio.body.refusedOriginations.total).to.equal(1);
  });
});
