import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress } from "viem";
import { openStore } from "../../adapters/store/openStore.ts";
import { hashSecret } from "../../http/auth/secrets.ts";
import { runCli } from "../runCli.ts";
import { UsageError } from "../command.ts";
import { createApiKeyCommand, parseApiKeyArgs } from "./apiKey.ts";

const LENDER = getAddress("0x" + "12".repeat(20));
const dir = mkdtempSync(join(tmpdir(), "keeper-api-key-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.parse("2026-11-26T03:00:00.000Z");

async function run(database: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const command = createApiKeyCommand({ env: {}, clock: () => NOW });
  const code = await runCli(["api-key", ...argv, "--database", database], io, [command]);
  return { code, stdout, stderr };
}

describe("loanbook api-key", () => {
  it("parses create, list and revoke, and refuses a bad command line", () => {
    expect(parseApiKeyArgs(["create", "--lender", LENDER.toLowerCase(), "--name", "erp"])).to.deep.equal({
      action: "create",
      lender: LENDER,
      name: "erp",
      database: undefined,
    });
    expect(parseApiKeyArgs(["list", "--database", "x.sqlite"])).to.deep.equal({ action: "list", database: "x.sqlite" });
    expect(parseApiKeyArgs(["revoke", "3"])).to.deep.equal({ action: "revoke", id: 3, database: undefined });
    expect(parseApiKeyArgs([])).to.equal("help");
    for (const argv of [
      ["create", "--name", "erp"],
      ["create", "--lender", "0x12", "--name", "erp"],
      ["create", "--lender", LENDER],
      ["create", "--lender", LENDER, "--name", ""],
      ["revoke"],
      ["revoke", "0"],
      ["revoke", "x"],
      ["rotate"],
      ["list", "--lender"],
    ]) {
      expect(() => parseApiKeyArgs(argv), argv.join(" ")).to.throw(UsageError);
    }
  });

  it("creates a key shown once and stored hashed, lists it, and revokes it", async () => {
    const database = join(dir, "keys.sqlite");
    const created = await run(database, "create", "--lender", LENDER, "--name", "erp");
    expect(created.code, created.stderr).to.equal(0);
    const key = /^lk_[A-Za-z0-9_-]{43}$/m.exec(created.stdout)?.[0] as string;
    expect(key).to.be.a("string");
    expect(created.stdout).to.include(`created API key 1 "erp" for lender ${LENDER}`);

    const store = openStore(database);
    try {
      expect(store.sessions.getApiKeyByHash(hashSecret(key))).to.deep.include({ id: 1, lender: LENDER, name: "erp" });
      expect(store.sessions.getApiKeyByHash(key)).to.equal(undefined);
    } finally {
      store.close();
    }

    const listed = await run(database, "list");
    expect(listed.code).to.equal(0);
    expect(listed.stdout).to.include(LENDER).and.include("erp").and.include("valid").and.include("2026-11-26T03:00:00");
    expect(listed.stdout).not.to.include(key);

    expect((await run(database, "revoke", "1")).stdout).to.equal("revoked API key 1\n");
    expect((await run(database, "list")).stdout).to.include("revoked 2026-11-26T03:00:00.000Z");
    const again = await run(database, "revoke", "1");
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include("no valid API key 1");
    const store2 = openStore(database);
    try {
      expect(store2.sessions.getApiKeyByHash(hashSecret(key))).to.equal(undefined);
    } finally {
      store2.close();
    }
  });

  it("prints its usage, and says when there are no keys", async () => {
    expect((await run(join(dir, "empty.sqlite"), "list")).stdout).to.equal("no API keys\n");
    const help = await runCli(["api-key", "--help"], { stdout: { write: () => true }, stderr: { write: () => true } });
    expect(help).to.equal(0);
  });
});
