/**
 * The LoanBook through the connected wallet (EIP-1193): reads with `eth_call`, writes as transactions the wallet
 * signs, typed data signed with `eth_signTypedData_v4`. Every write checks first that the wallet is on the keeper's
 * chain, waits for its receipt, and a refusal by the contract comes back as its custom error's name
 * (`LoanBook_InvalidCommitment`), which the pages show as it is.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type TransactionReceipt,
  type TypedDataDomain,
  type TypedDataParameter,
} from "viem";
import { loanBookAbi } from "../../src/abi/loanBook.ts";
import type { DisplayJson } from "./api.ts";
import type { Eip1193Provider } from "./wallet.ts";

export { loanBookAbi };

/** Why a write could not be made: no wallet or book, another chain, or the contract's (or wallet's) refusal. */
export class ChainWriteError extends Error {
  /** The contract's custom error (`LoanBook_...`), or `wrongChain`, `noWallet`, `rejected`. */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "ChainWriteError";
    this.reason = reason;
  }
}

/** EIP-712 typed data as `core/typedData.ts` builds it. */
export interface TypedDataMessage {
  readonly domain: TypedDataDomain;
  readonly types: Readonly<Record<string, readonly TypedDataParameter[]>>;
  readonly primaryType: string;
  readonly message: object;
}

export interface BookChain {
  readonly loanBook: Address;
  readonly chainId: number;
  /** A view of the LoanBook (or of `address` with `abi`). */
  read<const abi extends Abi, name extends ContractFunctionName<abi, "view" | "pure">>(call: {
    abi: abi;
    functionName: name;
    args: ContractFunctionArgs<abi, "view" | "pure", name>;
    address?: Address;
  }): Promise<unknown>;
  /** The latest block's time (unix seconds): what the contract will judge a write by, give or take a block. */
  latestBlockTime(): Promise<bigint>;
  /** Sends a transaction from `from` and waits for it to be mined; throws a `ChainWriteError` when it reverts. */
  write<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    from: Address,
    call: {
      abi: abi;
      functionName: name;
      args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
      address?: Address;
    },
  ): Promise<TransactionReceipt>;
  /** Signs EIP-712 typed data with `eth_signTypedData_v4`. */
  signTypedData(from: Address, typedData: TypedDataMessage): Promise<Hex>;
}

/** A fresh nonce for an enforcement message (used once each, in any order: a random 64-bit value). */
export function unorderedNonce(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0]!) << 32n) | BigInt(words[1]!);
}

/** The custom error's name of a failed call, or the wallet's own message. */
export function revertReason(error: unknown): string {
  if (error instanceof ChainWriteError) return error.reason;
  if (error instanceof BaseError) {
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName !== undefined)
      return reverted.data.errorName;
    const rejected = error.walk((cause) => (cause as { code?: unknown }).code === 4001);
    if (rejected !== null) return "rejected";
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The LoanBook through `provider`, or null when the keeper has no book to write to or no wallet is there. */
export function bookChain(provider: Eip1193Provider | undefined, display: DisplayJson): BookChain | null {
  if (provider === undefined || display.loanBook === null || display.chainId === null) return null;
  const { loanBook, chainId } = display;
  const transport = custom(provider);
  const client = createPublicClient({ transport, pollingInterval: 250 });
  const onKeeperChain = async () => {
    const walletChain = Number.parseInt(String(await provider.request({ method: "eth_chainId" })), 16);
    if (walletChain !== chainId)
      throw new ChainWriteError("wrongChain", `The wallet is on chain ${walletChain}, the loan book on ${chainId}`);
  };
  return {
    loanBook,
    chainId,
    read: (call) => client.readContract({ address: loanBook, ...call } as Parameters<typeof client.readContract>[0]),
    latestBlockTime: async () => (await client.getBlock()).timestamp,
    async write(from, call) {
      await onKeeperChain();
      const request = { address: loanBook, ...call, account: from } as Parameters<typeof client.simulateContract>[0];
      try {
        // Simulated first: a refusal is named from the ABI before the wallet is asked to sign anything.
        await client.simulateContract(request);
        const wallet = createWalletClient({ account: from, transport });
        const hash = await wallet.writeContract({ ...request, chain: null } as Parameters<
          typeof wallet.writeContract
        >[0]);
        const receipt = await client.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") throw new ChainWriteError("reverted", `Transaction ${hash} reverted`);
        return receipt;
      } catch (error) {
        if (error instanceof ChainWriteError) throw error;
        throw new ChainWriteError(revertReason(error), revertReason(error));
      }
    },
    async signTypedData(from, typedData) {
      await onKeeperChain();
      const wallet = createWalletClient({ account: from, transport });
      return wallet.signTypedData({ ...typedData, account: from } as Parameters<typeof wallet.signTypedData>[0]);
    },
  };
}
