/**
 * The keeper process at start-up, against a real node: a bad setting stops it at once with the setting's name; a
 * node that does not answer yet is waited for (the keeper stays up and says so); a node that answers without a
 * contract at the loan book's address stops it with that fact.
 */
import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { freePort, startKeeperProcess, type KeeperProcess } from "./support/keeperProcess.ts";

/** Hardhat's account #2 and an address where nothing is deployed on a fresh node. */
const KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const NO_CONTRACT = "0x000000000000000000000000000000000000bEEF";

describe("the keeper process at start-up", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-startup-"));
  const keepers: KeeperProcess[] = [];
  let chain: LocalChain | undefined;
  after(async () => {
    for (const keeper of keepers) await keeper.kill("SIGKILL");
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const keeper = startKeeperProcess({
      env: {
        KEEPER_DB_PATH: join(dir, "keeper.sqlite"),
        KEEPER_HTTP_PORT: String(await freePort()),
        KEEPER_LOG_LEVEL: "info",
        ...env,
      },
    });
    keepers.push(keeper);
    return keeper;
  };

  it("stops with exit code 2 and every bad setting named", async () => {
    const keeper = await start({ KEEPER_RPC_URL: "ftp://127.0.0.1:1", KEEPER_CONFIRMATIONS: "-1" });
    expect(await keeper.exited).to.deep.equal({ code: 2, signal: null });
    expect(keeper.logs()).to.contain("KEEPER_RPC_URL").and.contain("KEEPER_CONFIRMATIONS");
    expect(keeper.logs()).to.contain("KEEPER_PRIVATE_KEY").and.contain("KEEPER_LOAN_BOOK_ADDRESS");
  });

  it("waits for a node that does not answer, then stops when it answers without the loan book", async () => {
    const port = await freePort();
    const keeper = await start({
      KEEPER_RPC_URL: `http://127.0.0.1:${port}`,
      KEEPER_PRIVATE_KEY: KEY,
      KEEPER_LOAN_BOOK_ADDRESS: NO_CONTRACT,
    });
    const warning = await keeper.waitForLog(
      (line) => line.msg === "chain unreachable: trying again" && line.attempt >= 3,
      30_000,
    );
    expect(warning.err).to.be.a("string");
    expect(keeper.child.exitCode).to.equal(null);

    chain = await startLocalChain({ port });
    const exit = await keeper.exited;
    expect(exit.code).to.equal(1);
    expect(keeper.logs()).to.contain(`no contract at the loan book's address ${NO_CONTRACT} on chain 31337`);
  });
});
