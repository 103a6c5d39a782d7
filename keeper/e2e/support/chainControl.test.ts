import { after, before, describe, it } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { expect } from "chai";
import { createWalletClient, http, parseEther, type Hash, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createChainControl, createReorgPlan, type ChainControl } from "./chainControl.ts";
import { childEnvironment, freePort, nodeBinary, repositoryRoot } from "./keeperProcess.ts";

/** Hardhat's first default account (public test key). */
const SENDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const NODE_STARTUP_MS = 20_000;
const DAY = 86_400;

interface HardhatNode {
  url: string;
  child: ChildProcess;
  output(): string;
}

/** `hardhat node` on a free loopback port, from the repository root; resolves once eth_chainId answers. */
async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    nodeBinary,
    ["node_modules/.bin/hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: repositoryRoot, env: childEnvironment({}), stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (text: Buffer) => (output = (output + text.toString("utf8")).slice(-8_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const deadline = performance.now() + NODE_STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const answer = (await response.json()) as { result?: string };
      if (answer.result === `0x${hardhat.id.toString(16)}`) return { url, child, output: () => output };
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not answer within ${NODE_STARTUP_MS} ms:\n${output}`);
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

describe("chainControl on a hardhat node", { timeout: 60_000 }, () => {
  let node: HardhatNode;
  let chain: ChainControl;
  let wallet: WalletClient<ReturnType<typeof http>, typeof hardhat, ReturnType<typeof privateKeyToAccount>>;
  const send = (value = 1n, data?: `0x${string}`) =>
    wallet.sendTransaction({ to: RECIPIENT, value, ...(data ? { data } : {}) });
  const receipt = (hash: Hash) => chain.publicClient.request({ method: "eth_getTransactionReceipt", params: [hash] });
  const transaction = (hash: Hash) =>
    chain.publicClient.request({ method: "eth_getTransactionByHash", params: [hash] });

  before(async () => {
    node = await startHardhatNode();
    chain = createChainControl(node.url);
    wallet = createWalletClient({
      account: privateKeyToAccount(SENDER_KEY),
      chain: hardhat,
      transport: http(node.url, { retryCount: 0 }),
    });
  });
  after(async () => {
    if (node.child.exitCode !== null) return;
    const exited = new Promise((resolve) => node.child.once("close", resolve));
    node.child.kill("SIGKILL");
    await exited;
  });

  it("snapshots, reverts and refuses a used snapshot", async () => {
    const start = await chain.latestBlock();
    const id = await chain.snapshot();
    await chain.mine(4);
    expect((await chain.latestBlock()).number).to.equal(start.number + 4n);
    await chain.revert(id);
    expect((await chain.latestBlock()).hash).to.equal(start.hash);
    const used = await chain.revert(id).then(
      () => "reverted",
      (error: Error) => error.message,
    );
    expect(used).to.match(/unknown or used snapshot/);
  });

  it("mines blocks whose timestamps keep increasing, and moves the clock", async () => {
    const start = await chain.latestBlock();
    await chain.mine(5);
    await chain.mine(1);
    const timestamps = [];
    for (let i = 0n; i <= 6n; i++) {
      timestamps.push((await chain.publicClient.getBlock({ blockNumber: start.number + i })).timestamp);
    }
    for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]! > timestamps[i - 1]!).to.equal(true);

    await chain.increaseTime(30 * DAY);
    await chain.mine(1);
    const jumped = await chain.latestBlock();
    expect(Number(jumped.timestamp - timestamps[6]!)).to.be.at.least(30 * DAY);

    await chain.setNextBlockTimestamp(jumped.timestamp + 1_000n);
    await chain.mine(1);
    expect((await chain.latestBlock()).timestamp).to.equal(jumped.timestamp + 1_000n);
    // The first block takes the node's clock, the next ones come intervalSeconds apart.
    const set = await chain.latestBlock();
    await chain.mine(3, 60);
    const spaced = [];
    for (let i = 1n; i <= 3n; i++)
      spaced.push((await chain.publicClient.getBlock({ blockNumber: set.number + i })).timestamp);
    expect([spaced[1]! - spaced[0]!, spaced[2]! - spaced[1]!]).to.deep.equal([60n, 60n]);
  });

  it("holds transactions in the mempool while automine is off", async () => {
    expect(await chain.getAutomine()).to.equal(true);
    await chain.setAutomine(false);
    try {
      const before = await chain.latestBlock();
      const hash = await send();
      expect(await receipt(hash)).to.equal(null);
      expect((await chain.latestBlock()).number).to.equal(before.number);
      await chain.mine(1);
      expect((await receipt(hash))?.blockNumber).to.equal(`0x${(before.number + 1n).toString(16)}`);
    } finally {
      await chain.setAutomine(true);
    }
  });

  it("reorganises: other hashes at the heights an observer saw, a higher head, the old branch's transaction gone", async () => {
    const plan = createReorgPlan(node.url);
    const { head: forkPoint } = await plan.mark();
    const sent = await send(parseEther("1"));
    await chain.mine(2);
    // The observer reads the old branch.
    const seen = new Map<bigint, Hash>();
    for (let n = forkPoint.number + 1n; n <= forkPoint.number + 3n; n++) {
      seen.set(n, (await chain.publicClient.getBlock({ blockNumber: n })).hash);
    }
    const oldHead = await chain.latestBlock();
    expect(oldHead.number).to.equal(forkPoint.number + 3n);
    const nonceBefore = await chain.publicClient.getTransactionCount({ address: wallet.account.address });

    const result = await plan.reorganise({ extraBlocks: 2, timeShift: 5 });

    expect(result.forkPoint).to.deep.equal(forkPoint);
    expect(result.oldHead.hash).to.equal(oldHead.hash);
    expect(result.newHead.number).to.equal(oldHead.number + 2n);
    expect(result.heights.map((height) => height.number)).to.deep.equal([...seen.keys()]);
    for (const [number, oldHash] of seen) {
      const now = await chain.publicClient.getBlock({ blockNumber: number });
      expect(now.hash, `block ${number}`).to.not.equal(oldHash);
      expect(result.heights.find((height) => height.number === number)).to.deep.equal({
        number,
        oldHash,
        newHash: now.hash,
      });
    }
    const firstNew = await chain.publicClient.getBlock({ blockNumber: forkPoint.number + 1n });
    expect(firstNew.parentHash).to.equal(forkPoint.hash);
    // Hardhat forgets the old branch: its blocks, its transaction, and the sender's nonce.
    expect(await chain.publicClient.request({ method: "eth_getBlockByHash", params: [oldHead.hash, false] })).to.equal(
      null,
    );
    expect(await transaction(sent)).to.equal(null);
    expect(result.droppedTransactions).to.deep.equal([sent]);
    expect(result.reincludedTransactions).to.deep.equal([]);
    expect(await chain.publicClient.getTransactionCount({ address: wallet.account.address })).to.equal(nonceBefore - 1);
    // The mark is used up.
    const again = await plan.reorganise().then(
      () => "reorganised",
      (error: Error) => error.message,
    );
    expect(again).to.match(/call mark\(\) first/);
  });

  it("re-includes the old branch's transactions in other blocks when asked", async () => {
    const plan = createReorgPlan(node.url);
    await plan.mark();
    const first = await send(2n);
    const second = await send(3n, "0x1234abcd");
    const oldReceipts = await Promise.all([first, second].map((hash) => receipt(hash)));

    const result = await plan.reorganise({ extraBlocks: 1, reincludeTransactions: true });

    expect(result.reincludedTransactions).to.deep.equal([first, second]);
    expect(result.droppedTransactions).to.deep.equal([]);
    expect(result.newHead.number).to.equal(result.oldHead.number + 1n);
    const newReceipts = await Promise.all([first, second].map((hash) => receipt(hash)));
    for (const [index, newReceipt] of newReceipts.entries()) {
      expect(newReceipt?.status).to.equal("0x1");
      expect(newReceipt?.blockHash).to.not.equal(oldReceipts[index]?.blockHash);
    }
    expect((await transaction(second))?.input).to.equal("0x1234abcd");
    expect(await chain.getAutomine()).to.equal(true);
  });

  it("mines what beforeMining sends into the new branch's first block, at its time, and nothing before", async () => {
    const plan = createReorgPlan(node.url);
    await plan.mark();
    await send(6n);
    const oldFirst = await chain.latestBlock();
    let sentInBetween: Hash | undefined;
    let pendingTime: bigint | undefined;

    const result = await plan.reorganise({
      timeShift: 7,
      beforeMining: async () => {
        expect(await chain.getAutomine()).to.equal(false);
        sentInBetween = await send(7n);
        expect(await receipt(sentInBetween)).to.equal(null);
        pendingTime = (await chain.publicClient.getBlock({ blockTag: "pending" })).timestamp;
      },
    });

    const mined = await receipt(sentInBetween!);
    expect(mined?.blockHash).to.equal(result.heights[0]!.newHash);
    const first = await chain.publicClient.getBlock({ blockHash: result.heights[0]!.newHash });
    expect(first.timestamp).to.equal(oldFirst.timestamp + 7n);
    expect(pendingTime).to.equal(first.timestamp);
    expect(await chain.getAutomine()).to.equal(true);
  });

  it("restores the mempool of the mark: a transaction pending then comes back, one sent after it is lost", async () => {
    await chain.setAutomine(false);
    try {
      const pendingAtMark = await send(4n);
      const plan = createReorgPlan(node.url);
      await plan.mark();
      const sentAfterMark = await send(5n);
      await chain.mine(2);
      expect(await receipt(pendingAtMark)).to.not.equal(null);
      expect(await receipt(sentAfterMark)).to.not.equal(null);

      const result = await plan.reorganise();

      expect(result.droppedTransactions).to.deep.equal([sentAfterMark]);
      expect(await transaction(sentAfterMark)).to.equal(null);
      const again = await receipt(pendingAtMark);
      expect(again?.blockNumber).to.equal(`0x${(result.forkPoint.number + 1n).toString(16)}`);
      expect(again?.blockHash).to.equal(result.heights[0]!.newHash);
    } finally {
      await chain.setAutomine(true);
    }
  });

  it("refuses a reorganise with nothing mined since the mark, or a zero time shift", async () => {
    const plan = createReorgPlan(node.url);
    const { snapshotId } = await plan.mark();
    const refused = (parameters?: Parameters<typeof plan.reorganise>[0]) =>
      plan.reorganise(parameters).then(
        () => "reorganised",
        (error: Error) => error.message,
      );
    expect(await refused({ timeShift: 0 })).to.match(/timeShift must be an integer >= 1/);
    expect(await refused({ extraBlocks: -1 })).to.match(/extraBlocks must be an integer >= 0/);
    expect(await refused()).to.match(/no block was mined since mark\(\)/);
    await chain.revert(snapshotId);
  });
});
