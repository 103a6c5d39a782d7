/**
 * The demo's connection to the node: a public client that batches JSON-RPC calls made together (hundreds of reads
 * in one HTTP request), and the node's test methods, sent once without retries (a retried `evm_mine` would mine
 * twice).
 */
import { createPublicClient, http, numberToHex, type PublicClient } from "viem";

export interface ChainRpc {
  readonly url: string;
  /** Reads and sends; concurrent calls share HTTP requests. */
  readonly client: PublicClient;
  readonly chainId: number;
  /** With automine off, transactions wait in the mempool until `mine`. */
  setAutomine(enabled: boolean): Promise<void>;
  /** The timestamp of the next block (and of `blockTag: "pending"` reads until then). */
  setNextBlockTimestamp(timestamp: bigint): Promise<void>;
  /** Mines one block at `timestamp`, with what the mempool holds (as much as the block's gas limit takes). */
  mineAt(timestamp: bigint): Promise<void>;
  latestTimestamp(): Promise<bigint>;
}

/**
 * @example
 * const rpc = await connectChain(chain.url);
 * await rpc.mineAt(rpc.latestTimestamp() + 86_400n);
 */
export async function connectChain(url: string): Promise<ChainRpc> {
  const client = createPublicClient({
    transport: http(url, { batch: { batchSize: 250, wait: 0 }, retryCount: 2, timeout: 60_000 }),
  }) as PublicClient;
  const control = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 60_000 }) });
  const request = (method: string, params: unknown[]) => control.request({ method, params } as never);
  const chainId = await client.getChainId();
  return {
    url,
    client,
    chainId,
    setAutomine: async (enabled) => void (await request("evm_setAutomine", [enabled])),
    setNextBlockTimestamp: async (timestamp) =>
      void (await request("evm_setNextBlockTimestamp", [numberToHex(timestamp)])),
    mineAt: async (timestamp) => void (await request("evm_mine", [numberToHex(timestamp)])),
    latestTimestamp: async () => (await client.getBlock({ blockTag: "latest" })).timestamp,
  };
}
