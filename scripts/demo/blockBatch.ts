/**
 * Sends many accounts' transactions into as few blocks as the gas limit allows, at a chosen time. Hardhat's
 * automine rejects a sender's nonce gap when its transactions arrive out of order, and mines one block per
 * transaction: with automine off, every transaction is signed here (nonces kept per account), sent to the mempool,
 * and mined with `evm_mine` at the block time asked, in nonce order per account; then automine is turned back on
 * (the keeper's own transactions are mined as they come).
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  keccak256,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type TransactionReceipt,
} from "viem";
import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import type { ChainRpc } from "./chainRpc.ts";

/** One transaction to send: a call from `from`, with a fixed gas limit (estimates would see a stale mempool). */
export interface TxRequest {
  readonly from: PrivateKeyAccount;
  readonly to: Address;
  readonly data: Hex;
  readonly gas: bigint;
  /** Wei sent with the call (none by default). */
  readonly value?: bigint;
  /** Names it in an error: `repay loan 7`. */
  readonly label: string;
}

export interface MinedTx {
  readonly request: TxRequest;
  readonly receipt: TransactionReceipt;
}

/** A transaction of a batch reverted: the batch's effects stand, the run cannot go on. */
export class BatchTxRevertedError extends Error {
  override readonly name = "BatchTxRevertedError";
}

/** Priority fee of the demo's transactions. */
const PRIORITY_FEE = 1_000_000_000n;
/** At most this many blocks per batch: a batch that does not fit is a bug (a gas limit far too high). */
const MAX_BLOCKS_PER_BATCH = 50;

export interface BlockBatcher {
  /**
   * Turns automine off and fixes the next block's time, so that `blockTag: "pending"` reads see the state the
   * batch's transactions will run on. `send` must follow.
   */
  open(at: bigint): Promise<void>;
  /** Signs and sends `requests`, mines them at `at`, `at + 1`... and turns automine back on. Throws on a revert. */
  send(requests: readonly TxRequest[], at: bigint): Promise<MinedTx[]>;
  /** Turns automine back on if `open` left it off (nothing to do after `send`). */
  close(): Promise<void>;
}

/**
 * @example
 * const batcher = createBlockBatcher(rpc);
 * await batcher.open(t);
 * const amounts = await readAll(...blockTag: "pending"...);
 * await batcher.send(requests, t);
 */
export function createBlockBatcher(rpc: ChainRpc): BlockBatcher {
  const { client, chainId } = rpc;
  const nonces = new Map<Address, number>();
  let opened = false;

  async function loadNonces(requests: readonly TxRequest[]) {
    const missing = [...new Set(requests.map((r) => r.from.address))].filter((a) => !nonces.has(a));
    const counts = await Promise.all(
      missing.map((address) => client.getTransactionCount({ address, blockTag: "pending" })),
    );
    missing.forEach((address, i) => nonces.set(address, counts[i]));
  }

  async function revertReason(mined: MinedTx): Promise<string> {
    const { request, receipt } = mined;
    try {
      await client.call({
        account: request.from.address,
        to: request.to,
        data: request.data,
        gas: request.gas,
        blockNumber: receipt.blockNumber - 1n,
      });
      return "reverted (the call succeeds on the block before: it depended on a transaction of its own block)";
    } catch (error) {
      const data = (error as { walk?: (fn: (e: unknown) => boolean) => unknown }).walk?.(
        (e) => typeof (e as { data?: unknown }).data === "string",
      ) as { data?: Hex } | undefined;
      if (data?.data !== undefined && data.data.length >= 10) {
        try {
          const decoded = decodeErrorResult({ abi: loanBookAbi, data: data.data });
          return `${decoded.errorName}(${decoded.args?.map(String).join(", ") ?? ""})`;
        } catch {
          // not one of the book's errors
        }
      }
      if (error instanceof BaseError) {
        const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
        if (reverted instanceof ContractFunctionRevertedError) return reverted.shortMessage;
        return error.shortMessage;
      }
      return String(error);
    }
  }

  return {
    async open(at) {
      await rpc.setAutomine(false);
      opened = true;
      await rpc.setNextBlockTimestamp(at);
    },

    async send(requests, at) {
      if (!opened) await this.open(at);
      try {
        await loadNonces(requests);
        const latest = await client.getBlock({ blockTag: "latest" });
        const maxFeePerGas = (latest.baseFeePerGas ?? 0n) * 3n + PRIORITY_FEE;
        const signed = await Promise.all(
          requests.map((request) => {
            const nonce = nonces.get(request.from.address)!;
            nonces.set(request.from.address, nonce + 1);
            return request.from.signTransaction({
              chainId,
              type: "eip1559",
              to: request.to,
              data: request.data,
              value: request.value,
              gas: request.gas,
              nonce,
              maxFeePerGas,
              maxPriorityFeePerGas: PRIORITY_FEE,
            });
          }),
        );
        const hashes = signed.map((raw) => keccak256(raw));
        // In request order: one sender's nonces arrive in order.
        await Promise.all(signed.map((raw) => client.sendRawTransaction({ serializedTransaction: raw })));
        const receipts = new Map<Hex, TransactionReceipt>();
        for (let block = 0; ; block++) {
          await rpc.mineAt(at + BigInt(block));
          const waiting = hashes.filter((hash) => !receipts.has(hash));
          const found = await Promise.all(
            waiting.map((hash) => client.getTransactionReceipt({ hash }).catch(() => null)),
          );
          waiting.forEach((hash, i) => found[i] !== null && receipts.set(hash, found[i]!));
          if (receipts.size === hashes.length) break;
          if (block + 1 >= MAX_BLOCKS_PER_BATCH) {
            throw new Error(`${hashes.length - receipts.size} transactions not mined after ${block + 1} blocks`);
          }
        }
        const mined = requests.map((request, i) => ({ request, receipt: receipts.get(hashes[i])! }));
        const reverted = mined.filter((m) => m.receipt.status !== "success");
        if (reverted.length > 0) {
          const reasons = await Promise.all(
            reverted.slice(0, 5).map(async (m) => `${m.request.label}: ${await revertReason(m)}`),
          );
          throw new BatchTxRevertedError(
            `${reverted.length} of ${mined.length} transactions reverted, e.g.\n  ${reasons.join("\n  ")}`,
          );
        }
        return mined;
      } finally {
        opened = false;
        await rpc.setAutomine(true);
      }
    },

    async close() {
      if (!opened) return;
      opened = false;
      await rpc.setAutomine(true);
    },
  };
}
