/**
 * Deploys the loan book on the embedded chain with Hardhat Ignition (`LocalStackModule`: LoanViews, LoanEnforcement,
 * LoanBook, the contact log's EvidenceAnchor, a test token, LENDER_ROLE for account #1), then registers the local
 * notary and the lender's bank signer.
 *
 * Ignition runs from this process, through a Hardhat runtime built from the repository's `hardhat.config.ts`
 * (whatever the working directory), on a connection to `rpcUrl`. It keeps its journal in memory: Ignition's
 * `deploy()` with no deployment folder, as `connection.ignition.deploy` does on Hardhat's in-process networks. So
 * nothing is written under `ignition/deployments`, and a fresh chain always gets a fresh deployment: a journal from
 * an earlier chain can neither be reused nor get in the way. (`connection.ignition.deploy` on an HTTP network would
 * write `ignition/deployments/chain-31337` and resume from it.)
 *
 * Needs the compiled artifacts (`npm run build`); Hardhat and Ignition are dev dependencies, used by embedded mode
 * only.
 */
import { join } from "node:path";
import {
  HardhatArtifactResolver,
  errorDeploymentResultToExceptionMessage,
} from "@nomicfoundation/hardhat-ignition/helpers";
import { DeploymentResultType, deploy } from "@nomicfoundation/ignition-core";
import { createHardhatRuntimeEnvironment, importUserConfig } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  BaseError,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  keccak256,
  stringToHex,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";
import { LocalStackModule } from "../../../../ignition/modules/LoanBook.ts";
import { loanBookAbi } from "../../abi/loanBook.ts";
import { REPOSITORY_ROOT } from "./localChain.ts";

/** The accounts of the local stack, by their index among the node's accounts (Hardhat's defaults). */
export interface LocalStackAccounts {
  /** #0: deploys, holds DEFAULT_ADMIN_ROLE, registers the notary. */
  readonly admin: Address;
  /** #1: holds LENDER_ROLE. */
  readonly lender: Address;
  /** #2: the keeper's account. */
  readonly keeper: Address;
  /** #3: attests the lender's bank payments. */
  readonly bankSigner: Address;
  /** #4: a registered notary. */
  readonly notary: Address;
}

export interface DeployLocalStackParameters {
  /** The JSON-RPC URL of a Hardhat node (the embedded chain). */
  rpcUrl: string;
}

export interface DeployLocalStackReturnType {
  readonly loanBook: Address;
  readonly token: Address;
  /** Where the keeper anchors its contact log (EvidenceAnchor). */
  readonly evidenceAnchor: Address;
  /** The block of LoanBook's deployment: where a follower of its events starts. */
  readonly deployBlock: bigint;
  readonly accounts: LocalStackAccounts;
  /** The office identifier hash the notary is registered with. */
  readonly notaryOfficeIdHash: Hex;
}

/** The local notary's office identifier (its hash goes on chain). */
export const LOCAL_NOTARY_OFFICE_ID = "local-notary-office";

/** A deployment or set-up step failed. */
export class DeployLocalStackError extends Error {
  override readonly name = "DeployLocalStackError";
}

/**
 * Deploys `LocalStackModule` on the node at `rpcUrl` and registers account #4 as a notary and account #3 as the
 * lender's bank signer. Every transaction is sent after the previous one is mined (automine refuses out-of-order
 * nonces).
 *
 * @example
 * const chain = await startLocalChain({ port: 0 });
 * const { loanBook, deployBlock, accounts } = await deployLocalStack({ rpcUrl: chain.url });
 */
export async function deployLocalStack({ rpcUrl }: DeployLocalStackParameters): Promise<DeployLocalStackReturnType> {
  // Asked first, for a plain message (Hardhat's would name its "localhost" network and blame the internet).
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) }).getChainId();
  } catch (error) {
    const reason = error instanceof BaseError ? `${error.shortMessage} (${error.details})` : String(error);
    throw new DeployLocalStackError(`no JSON-RPC node answers at ${rpcUrl}: ${reason}`, { cause: error });
  }
  const chain = defineChain({ ...hardhat, id: chainId });

  const hre = await hardhatRuntime();
  const connection = await hre.network.create({ network: "localhost", override: { url: rpcUrl } });
  try {
    const nodeAccounts = (await connection.provider.request({ method: "eth_accounts" })) as string[];
    if (nodeAccounts.length < 5) {
      throw new DeployLocalStackError(`the node at ${rpcUrl} has ${nodeAccounts.length} accounts; 5 are needed`);
    }
    const [admin, lender, keeper, bankSigner, notary] = nodeAccounts.map((account) => getAddress(account));
    const accounts: LocalStackAccounts = { admin, lender, keeper, bankSigner, notary };

    const result = await deploy({
      artifactResolver: new HardhatArtifactResolver(hre.artifacts),
      provider: connection.provider,
      ignitionModule: LocalStackModule,
      deploymentParameters: {},
      accounts: nodeAccounts,
      defaultSender: admin,
      // No deploymentDir: an in-memory journal.
    });
    if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
      throw new DeployLocalStackError(
        `Ignition could not deploy LocalStack: ${errorDeploymentResultToExceptionMessage(result)}`,
      );
    }
    const loanBook = getAddress(result.contracts[LocalStackModule.results.loanBook.id].address);
    const token = getAddress(result.contracts[LocalStackModule.results.token.id].address);
    const evidenceAnchor = getAddress(result.contracts[LocalStackModule.results.evidenceAnchor.id].address);

    const client = createPublicClient({ chain, transport: http(rpcUrl) });
    const wallet = createWalletClient({ chain, transport: http(rpcUrl) });
    const notaryOfficeIdHash = keccak256(stringToHex(LOCAL_NOTARY_OFFICE_ID));
    await mined(
      client,
      "addNotary",
      await wallet.writeContract({
        address: loanBook,
        abi: loanBookAbi,
        functionName: "addNotary",
        args: [notary, notaryOfficeIdHash],
        account: admin,
      }),
    );
    await mined(
      client,
      "setBankSigner",
      await wallet.writeContract({
        address: loanBook,
        abi: loanBookAbi,
        functionName: "setBankSigner",
        args: [bankSigner, true],
        account: lender,
      }),
    );

    return {
      loanBook,
      token,
      evidenceAnchor,
      deployBlock: await deploymentBlock(client, loanBook),
      accounts,
      notaryOfficeIdHash,
    };
  } finally {
    await connection.close();
  }
}

/** One Hardhat runtime per process, from the repository's config (Hardhat loads its plugins once). */
let runtime: Promise<HardhatRuntimeEnvironment> | undefined;

function hardhatRuntime(): Promise<HardhatRuntimeEnvironment> {
  runtime ??= (async () => {
    const configPath = join(REPOSITORY_ROOT, "hardhat.config.ts");
    const userConfig = await importUserConfig(configPath);
    return createHardhatRuntimeEnvironment(userConfig, { config: configPath }, REPOSITORY_ROOT);
  })();
  runtime.catch(() => (runtime = undefined));
  return runtime;
}

async function mined(client: PublicClient, step: string, hash: Hash): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new DeployLocalStackError(`${step} reverted (transaction ${hash})`);
}

/** The first block at which `address` has code: a binary search over the node's history. */
async function deploymentBlock(client: PublicClient, address: Address): Promise<bigint> {
  const hasCode = async (blockNumber: bigint) => ((await client.getCode({ address, blockNumber })) ?? "0x") !== "0x";
  let high = await client.getBlockNumber();
  if (!(await hasCode(high))) throw new DeployLocalStackError(`no code at ${address} in block ${high}`);
  let low = 0n;
  while (low < high) {
    const middle = (low + high) / 2n;
    if (await hasCode(middle)) high = middle;
    else low = middle + 1n;
  }
  return low;
}
