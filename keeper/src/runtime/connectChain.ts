/**
 * The keeper's first contact with the chain: the chain id, and a contract at the loan book's address. A node that
 * does not answer yet (restarting, a load balancer warming up) is waited for, with a growing pause and a warning each
 * time, as long as it takes: a keeper that exits on a blip at start-up needs a human at 3 a.m. A chain that answers
 * but has no contract at the address is a configuration error, reported at once.
 */
import type { Address, PublicClient } from "viem";

/** The loan book's address holds no contract on the chain the RPC URL reaches. */
export class LoanBookNotFoundError extends Error {
  override readonly name = "LoanBookNotFoundError";
}

export interface ConnectChainParameters {
  readonly client: Pick<PublicClient, "getChainId" | "getCode">;
  readonly loanBook: Address;
  readonly logger: { warn(fields: object, message: string): void };
  /** Stops the waiting (the keeper is shutting down): the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The first pause; each next one doubles, up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * @example
 * const { chainId } = await connectChain({ client, loanBook, logger });
 */
export async function connectChain(parameters: ConnectChainParameters): Promise<{ chainId: number }> {
  const { client, loanBook, logger, signal, firstDelayMs = 250, maxDelayMs = 10_000 } = parameters;
  const sleep = parameters.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let answered: { chainId: number; code: string | undefined };
    try {
      const chainId = await client.getChainId();
      answered = { chainId, code: await client.getCode({ address: loanBook }) };
    } catch (error) {
      const delay = Math.min(firstDelayMs * 2 ** (attempt - 1), maxDelayMs);
      const err = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      logger.warn({ attempt, retryInMs: delay, err }, "chain unreachable: trying again");
      await sleep(delay);
      continue;
    }
    if (answered.code === undefined || answered.code === "0x") {
      throw new LoanBookNotFoundError(
        `no contract at the loan book's address ${loanBook} on chain ${answered.chainId}: check KEEPER_LOAN_BOOK_ADDRESS and KEEPER_RPC_URL`,
      );
    }
    return { chainId: answered.chainId };
  }
}
