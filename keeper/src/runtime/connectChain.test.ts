import { describe, it } from "node:test";
import { expect } from "chai";
import type { Address } from "viem";
import { connectChain, LoanBookNotFoundError } from "./connectChain.ts";

const LOAN_BOOK: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** A client whose first `failures` calls throw, then answers `chainId` and `code`. */
function flakyClient(failures: number, code: string | undefined) {
  let calls = 0;
  const fail = () => {
    if (calls++ < failures) throw new Error("fetch failed\nat the socket");
  };
  return {
    calls: () => calls,
    getChainId: async () => (fail(), 31337),
    getCode: async () => (fail(), code as `0x${string}` | undefined),
  };
}

function recordingLogger() {
  const warnings: Record<string, unknown>[] = [];
  return { warnings, warn: (fields: object) => void warnings.push(fields as Record<string, unknown>) };
}

describe("connectChain", () => {
  it("waits for a node that does not answer yet, with doubling pauses up to the cap", async () => {
    const client = flakyClient(5, "0x6080");
    const logger = recordingLogger();
    const pauses: number[] = [];
    const { chainId } = await connectChain({
      client,
      loanBook: LOAN_BOOK,
      logger,
      firstDelayMs: 100,
      maxDelayMs: 500,
      sleep: async (ms) => void pauses.push(ms),
    });
    expect(chainId).to.equal(31337);
    expect(pauses).to.deep.equal([100, 200, 400, 500, 500]);
    expect(logger.warnings.map((w) => w.attempt)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(logger.warnings[0].err).to.equal("fetch failed");
  });

  it("reports a chain with no contract at the loan book's address at once", async () => {
    for (const code of [undefined, "0x"]) {
      const client = flakyClient(0, code);
      const pauses: number[] = [];
      const attempt = connectChain({
        client,
        loanBook: LOAN_BOOK,
        logger: recordingLogger(),
        sleep: async (ms) => void pauses.push(ms),
      });
      await attempt.then(
        () => expect.fail("connected to an address without code"),
        (error: unknown) => {
          expect(error).to.be.instanceOf(LoanBookNotFoundError);
          expect((error as Error).message)
            .to.contain(LOAN_BOOK)
            .and.contain("chain 31337");
        },
      );
      expect(pauses).to.deep.equal([]);
    }
  });

  it("stops waiting when the keeper is stopped", async () => {
    const controller = new AbortController();
    const client = flakyClient(Number.POSITIVE_INFINITY, "0x6080");
    const attempt = connectChain({
      client,
      loanBook: LOAN_BOOK,
      logger: recordingLogger(),
      signal: controller.signal,
      sleep: async () => controller.abort(new Error("stopping")),
    });
    await attempt.then(
      () => expect.fail("connected"),
      (error: unknown) => expect((error as Error).message).to.equal("stopping"),
    );
    expect(client.calls()).to.equal(1);
  });
});
