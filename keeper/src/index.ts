/**
 * The keeper service: the one place that wires config, chain, store, loop and HTTP together (`npm start`).
 *
 * With `KEEPER_RPC_URL` it follows that chain's loan book. Without it, it starts its own local chain (`hardhat node`
 * on 127.0.0.1), deploys the loan book there with Ignition, and starts from an empty database, so that it runs
 * with no setup at all.
 */
import { mkdirSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { collateralWatchAbi } from "./abi/collateral.ts";
import { loanBookAbi } from "./abi/loanBook.ts";
import {
  createPublicClient,
  createWalletClient,
  http,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { buildConfig, ConfigError, redactConfig, type KeeperConfig } from "./config.ts";
import { createLogger, type Logger } from "./runtime/logger.ts";
import type { LocalChain } from "./adapters/chain/localChain.ts";
import { createLoanReader } from "./adapters/chain/loanReader.ts";
import { openStore, type Store } from "./adapters/store/openStore.ts";
import { isPostgresUrl } from "./adapters/store/postgres/openPostgresDatabase.ts";
import { createLeaderLease, defaultHolderId, type LeaderLease } from "./adapters/postgres/leaderLease.ts";
import { createFollower } from "./runtime/follower.ts";
import { createPlanner } from "./runtime/planner.ts";
import { createExecutor } from "./runtime/executor.ts";
import { createOriginationChainReads } from "./adapters/chain/originationChainReads.ts";
import { createCollateralWatcher } from "./runtime/collateralWatcher.ts";
import { createRegistryReporter } from "./runtime/registryReporter.ts";
import { createKeeper } from "./runtime/keeper.ts";
import { connectChain } from "./runtime/connectChain.ts";
import { createMetrics } from "./runtime/metrics.ts";
import { createHttpServer, type ListeningHttpServer } from "./http/createHttpServer.ts";
import { createChainRoleReader, createRoleResolver } from "./http/auth/roles.ts";
import { createChainSignatureVerifier } from "./http/auth/signIn.ts";
import { createContactDesk } from "./runtime/contactDesk.ts";
import type { ContactChannel } from "./adapters/notify/channel.ts";
import { createFileSinkChannel } from "./adapters/notify/createFileSinkChannel.ts";
import { createWebhookChannel } from "./adapters/notify/createWebhookChannel.ts";

/** Retries of one JSON-RPC request before a pass gives up on it (the next pass starts over). */
const RPC_RETRIES = 3;

export interface RunningKeeper {
  readonly url: string;
  readonly loanBook: Address;
  stop(): Promise<void>;
}

/**
 * Starts the keeper from its configuration.
 *
 * @example
 * const keeper = await startKeeper(buildConfig({ env: process.env }), createLogger({ level: "info" }));
 */
export async function startKeeper(config: KeeperConfig, logger: Logger): Promise<RunningKeeper> {
  let chain: LocalChain | null = null;
  let store: Store | null = null;
  let server: ListeningHttpServer | null = null;
  const controller = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  let lease: LeaderLease | undefined;
  const stop = async () => {
    controller.abort();
    await loop;
    // Released after the loop has ended: a standby takes over at once, and nothing of this keeper's is in flight.
    await lease?.stop();
    await server?.close();
    store?.close();
    await chain?.stop();
  };
  try {
    let rpcUrl: string;
    let loanBook: Address;
    let evidenceAnchor = config.evidenceAnchorAddress;
    let startBlock = config.startBlock;
    if (config.mode === "embedded") {
      if (isPostgresUrl(config.dbPath)) {
        const problem = "must be a SQLite file path in embedded mode (a new chain each run, a new file with it)";
        throw new ConfigError([{ field: "dbPath", envVar: "KEEPER_DB_PATH", source: undefined, problem }]);
      }
      // Hardhat and Ignition are loaded only here: following a real chain needs neither.
      const { startLocalChain } = await import("./adapters/chain/localChain.ts");
      const { deployLocalStack } = await import("./adapters/chain/deployLocalStack.ts");
      chain = await startLocalChain({ port: config.chainPort, logger });
      const stack = await deployLocalStack({ rpcUrl: chain.url });
      rpcUrl = chain.url;
      loanBook = stack.loanBook;
      evidenceAnchor = stack.evidenceAnchor;
      startBlock = stack.deployBlock;
      // A new chain: a database from an earlier embedded run describes a chain that is gone.
      rmSync(config.dbPath, { force: true });
      rmSync(`${config.dbPath}-wal`, { force: true });
      rmSync(`${config.dbPath}-shm`, { force: true });
      await registerBankSigner(
        rpcUrl,
        loanBook,
        stack.accounts.lender,
        privateKeyToAccount(config.bankSignerKey).address,
      );
      logger.info({ rpcUrl, loanBook, token: stack.token, accounts: stack.accounts }, "embedded chain deployed");
    } else {
      rpcUrl = config.rpcUrl;
      loanBook = config.loanBookAddress;
    }

    const client = createPublicClient({
      transport: http(rpcUrl, {
        retryCount: RPC_RETRIES,
        retryDelay: 100,
        timeout: 10_000,
        // The calls made together (a pass's loan reads) share one HTTP request.
        batch: config.rpcBatchSize > 0 ? { batchSize: config.rpcBatchSize, wait: 0 } : false,
      }),
      pollingInterval: config.pollIntervalMs,
    }) as PublicClient;
    const { chainId } = await connectChain({ client, loanBook, logger, signal: controller.signal });
    const account = privateKeyToAccount(config.privateKey);
    const bankSigner = privateKeyToAccount(config.bankSignerKey as Hex);

    if (config.dbPath !== ":memory:" && !isPostgresUrl(config.dbPath)) {
      mkdirSync(dirname(config.dbPath), { recursive: true });
    }
    store = openStore(config.dbPath);
    // Keepers sharing a PostgreSQL store take turns by a leader lease on the book (chain and loan book).
    const leaseName = `keeper:${chainId}:${loanBook.toLowerCase()}`;
    if (isPostgresUrl(config.dbPath)) {
      lease = createLeaderLease({
        url: config.dbPath,
        name: leaseName,
        holderId: defaultHolderId(),
        ttlMs: config.leaseTtlMs,
        logger: logger.child({ component: "lease" }),
        onAcquired: (epoch) => logger.info({ epoch, lease: leaseName }, "leadership acquired"),
        onLost: (reason) => logger.warn({ reason, lease: leaseName }, "leadership lost"),
      });
      await lease.start();
    }
    const leadership = lease;
    const mayAct =
      leadership === undefined
        ? undefined
        : () => leadership.isLeader() && store!.leaseHeld(leaseName, leadership.epoch()!);
    const reader = createLoanReader({ client, loanBook });
    const follower = createFollower({
      client,
      store,
      reader,
      loanBook,
      confirmations: config.confirmations,
      logRange: config.logRange,
      startBlock,
      logger: logger.child({ component: "follower" }),
    });
    const planner = createPlanner({ store, logger: logger.child({ component: "planner" }) });
    const channels = contactChannels(config);
    const contactDesk = createContactDesk({
      store,
      channels,
      policy: contactPolicy(config),
      logger: logger.child({ component: "contact" }),
      clock: Date.now,
    });
    // The book's collateral watch, if its admin set one: margin calls and collateral defaults (issue 10).
    const [collateralWatch] = (await client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: "collateralModules",
    })) as readonly [Address, Address];
    const watchSet = collateralWatch !== zeroAddress;
    const collateralWatcher = watchSet
      ? createCollateralWatcher({
          client,
          store,
          loanBook,
          watch: collateralWatch,
          logger: logger.child({ component: "collateral" }),
        })
      : undefined;
    const defaultRegistry = watchSet
      ? ((await client.readContract({
          address: collateralWatch,
          abi: collateralWatchAbi,
          functionName: "registry",
        })) as Address)
      : zeroAddress;
    const registrySet = defaultRegistry !== zeroAddress;
    const registryReporter = registrySet
      ? createRegistryReporter({
          client,
          store,
          loanBook,
          registry: defaultRegistry,
          enrollable: () => store!.originationOffers.enrollable(200),
          logger: logger.child({ component: "registry" }),
        })
      : undefined;
    if (watchSet) logger.info({ collateralWatch, defaultRegistry }, "watching the book's collateral");
    const executor = createExecutor({
      client,
      account,
      bankSigner,
      store,
      loanBook,
      chainId,
      bumpAfterBlocks: config.bumpAfterBlocks,
      batchSize: config.batchSize,
      logger: logger.child({ component: "executor" }),
      evidenceAnchor,
      collateralWatch: watchSet ? collateralWatch : null,
      defaultRegistry: registrySet ? defaultRegistry : null,
      queueContact: contactDesk.queue,
      mayAct,
    });
    const keeper = createKeeper({
      client,
      store,
      follower,
      planner,
      executor,
      contactDesk,
      collateralWatcher,
      registryReporter,
      loanBook,
      keeper: account.address,
      chainId,
      mode: config.mode,
      confirmations: config.confirmations,
      pollIntervalMs: config.pollIntervalMs,
      leadership,
      logger,
    });
    const readModel = store.readModel;
    const metrics = createMetrics({
      readModel,
      status: keeper.status,
      contactMessages: store.contacts.contactMessageCounts,
      bankRecords: store.bankRecordCounts,
    });
    const chainNow = () => keeper.status().processedTime ?? 0n;
    server = await createHttpServer({
      readModel,
      metrics,
      status: keeper.status,
      logger: logger.child({ component: "http" }),
      clock: Date.now,
      chainNow,
      bank: { store, secrets: config.bankWebhookSecrets },
      portfolio: store.portfolio,
      loanEvents: store.loanEvents,
      evidencePackage: { client, loanBook, fromBlock: startBlock, contactStore: store, evidenceAnchor },
      certificateApplications: store.certificateApplications,
      originations: {
        offers: store.originationOffers,
        checks: { reads: createOriginationChainReads({ client, loanBook }), refusals: store.originationRefusals },
        loanBook,
        verifyTypedData: (parameters) =>
          client.verifyTypedData(parameters as Parameters<typeof client.verifyTypedData>[0]),
      },
      display: {
        tokenDecimals: config.contact.tokenDecimals,
        currency: config.contact.currency,
        chainId,
        loanBook,
      },
      operator: {
        store,
        tokens: config.operatorTokens,
        channels: [...channels.keys()],
        evidenceAnchor,
      },
      auth: {
        store,
        chainId,
        resolveRoles: createRoleResolver({
          readRole: createChainRoleReader({ client, loanBook }),
          isBorrower: (address) => readModel.listLoans({ borrower: address, limit: 1, now: 0n }).total > 0,
          clock: Date.now,
        }),
        verifySignature: createChainSignatureVerifier(client),
        origins: config.webOrigins,
      },
    }).listen(config.httpPort, config.httpHost);
    loop = keeper.run(controller.signal);
    logger.info(
      { url: server.url, dashboard: `${server.url}/api/loans`, loanBook, rpcUrl, chainId, keeper: account.address },
      "keeper started",
    );
    return { url: server.url, loanBook, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The channels messages to borrowers go through: the letters file always, the lender's gateway when configured. */
function contactChannels(config: KeeperConfig): Map<string, ContactChannel> {
  const { contact } = config;
  mkdirSync(dirname(resolve(contact.lettersPath)), { recursive: true });
  const channels = new Map<string, ContactChannel>([["letters", createFileSinkChannel({ path: contact.lettersPath })]]);
  if (contact.webhookUrl !== null && contact.webhookSecret !== null) {
    channels.set(
      "webhook",
      createWebhookChannel({ url: contact.webhookUrl, secret: contact.webhookSecret, timeoutMs: 10_000 }),
    );
  }
  return channels;
}

/** How to pay and how to reach the lender, as messages say it when the lender configured nothing more precise. */
const PAYMENT_INSTRUCTIONS = {
  zh: "请通过银行转账还款至贷款人的还款账户，并在附言中注明借款编号",
  en: "a bank transfer to the lender's repayment account, quoting the loan reference",
} as const;
const CONTACT_INSTRUCTIONS = { zh: "贷款人的客户服务热线", en: "the lender's customer service line" } as const;

function contactPolicy(config: KeeperConfig) {
  const { contact } = config;
  return {
    quietHours: contact.quietHours,
    dailyLimit: contact.dailyLimit,
    defaultTimeZone: contact.defaultTimeZone,
    defaultLocale: contact.defaultLocale,
    defaultChannel: contact.defaultChannel,
    decimals: contact.tokenDecimals,
    currency: contact.currency,
    lenderName: contact.lenderName,
    paymentInstructions: PAYMENT_INSTRUCTIONS,
    contactInstructions: CONTACT_INSTRUCTIONS,
    anchorBatchSize: contact.anchorBatchSize,
    anchorMaxAgeSeconds: BigInt(contact.anchorMaxAgeSeconds),
    recipientSalt: contact.recipientSalt ?? undefined,
  };
}

/** On the embedded chain, the lender (an unlocked node account) registers the keeper's bank signer. */
async function registerBankSigner(rpcUrl: string, loanBook: Address, lender: Address, signer: Address) {
  const transport = http(rpcUrl);
  const client = createPublicClient({ transport });
  const registered = await client.readContract({
    address: loanBook,
    abi: loanBookAbi,
    functionName: "isBankSigner",
    args: [lender, signer],
  });
  if (registered) return;
  const wallet = createWalletClient({ account: lender, transport });
  const hash = await wallet.writeContract({
    address: loanBook,
    abi: loanBookAbi,
    functionName: "setBankSigner",
    args: [signer, true],
    chain: null,
  });
  await client.waitForTransactionReceipt({ hash });
}

async function main(): Promise<void> {
  let config: KeeperConfig;
  try {
    config = buildConfig({ env: process.env, argv: process.argv.slice(2) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  logger.info({ config: redactConfig(config) }, "configuration");
  const keeper = await startKeeper(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    keeper.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: String(error) }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    process.stderr.write(`keeper: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
