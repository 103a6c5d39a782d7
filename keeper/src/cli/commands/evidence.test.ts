import { after, describe, it } from "node:test";
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../command.ts";
import { runCli } from "../runCli.ts";
import { createEvidenceCommand, EVIDENCE_USAGE, formatVerdicts, parseEvidenceArgs } from "./evidence.ts";

const BOOK = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const root = mkdtempSync(join(tmpdir(), "evidence-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `loanbook evidence <argv>` in-process with the keeper's configuration `env`. */
async function cli(env: Record<string, string>, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  };
  const code = await runCli(["evidence", ...argv], io, [createEvidenceCommand({ env })]);
  return { code, stdout, stderr };
}

describe("parseEvidenceArgs", () => {
  it("reads export and verify requests", () => {
    expect(
      parseEvidenceArgs(["export", "7", "--out", "pkg", "--loan-book", BOOK.toLowerCase(), "--from-block", "12"]),
    ).to.deep.equal({
      action: "export",
      loanId: 7n,
      out: "pkg",
      rpc: undefined,
      loanBook: BOOK,
      fromBlock: 12n,
      pdf: true,
      keeper: undefined,
    });
    expect(
      parseEvidenceArgs(["export", "7", "--out", "pkg", "--keeper", "http://127.0.0.1:8080", "--token", "ops-token"]),
    ).to.deep.include({ keeper: { url: "http://127.0.0.1:8080", token: "ops-token" } });
    for (const argv of [
      ["export", "7", "--out", "pkg", "--no-pdf"],
      ["export", "--no-pdf", "7", "--out", "pkg"],
    ]) {
      expect(parseEvidenceArgs(argv)).to.deep.include({ action: "export", loanId: 7n, out: "pkg", pdf: false });
    }
    expect(parseEvidenceArgs(["verify", "pkg", "--rpc", "http://node:8545", "--docs", "docs"])).to.deep.equal({
      action: "verify",
      dir: "pkg",
      rpc: "http://node:8545",
      docs: "docs",
    });
    expect(parseEvidenceArgs([])).to.equal("help");
    expect(parseEvidenceArgs(["verify", "--help"])).to.equal("help");
  });

  for (const [argv, message] of [
    [["prove", "7"], /unknown evidence subcommand "prove"/],
    [["export", "--out", "pkg"], /takes the LOAN_ID, got 0/],
    [["export", "7"], /needs --out DIR/],
    [["export", "-7", "--out", "pkg"], /unknown option|LOAN_ID/],
    [["export", "seven", "--out", "pkg"], /LOAN_ID must be a whole number/],
    [["export", "7", "--out", "pkg", "--loan-book", "0x12"], /--loan-book must be a 0x address/],
    [["export", "7", "--out", "pkg", "--docs", "d"], /does not take --docs/],
    [["verify", "a", "b"], /takes the package DIR, got 2/],
    [["verify", "pkg", "--out", "x"], /does not take --out/],
    [["verify", "pkg", "--no-pdf"], /does not take --no-pdf/],
    [["verify", "pkg", "--keeper", "http://k", "--token", "t"], /does not take --keeper, --token/],
    [["export", "7", "--out", "pkg", "--keeper", "http://k"], /--keeper URL and --token TOKEN go together/],
    [["export", "7", "--out", "pkg", "--token", "t"], /--keeper URL and --token TOKEN go together/],
    [["export", "7", "--out", "pkg", "--keeper", "k:8080", "--token", "t"], /--keeper must be an http\(s\) URL/],
    [["verify", "pkg", "--rpc", "node:8545"], /--rpc must be an http\(s\) URL/],
  ] as const) {
    it(`refuses ${argv.join(" ")}`, () => {
      expect(() => parseEvidenceArgs(argv)).to.throw(message);
    });
  }
});

describe("loanbook evidence", () => {
  it("prints its help", async () => {
    const { code, stdout } = await cli({}, "--help");
    expect(code).to.equal(0);
    expect(stdout).to.equal(EVIDENCE_USAGE);
  });

  it("exits 2 with one line when no node is configured or given", async () => {
    const { code, stderr } = await cli({}, "export", "1", "--out", join(root, "pkg"));
    expect(code).to.equal(2);
    expect(stderr.split("\n")[0]).to.equal("error: no node to read: pass --rpc URL or set KEEPER_RPC_URL");
  });

  it("exits 2 when the package folder does not exist", async () => {
    const { code, stderr } = await cli({}, "verify", join(root, "nowhere"), "--rpc", "http://127.0.0.1:1");
    expect(code).to.equal(2);
    expect(stderr).to.match(/^error: DIR .*nowhere is not a folder$/m);
  });

  it("takes the node and the loan book from the keeper's configuration, and names a node that fails", async () => {
    const env = {
      KEEPER_RPC_URL: "http://127.0.0.1:1",
      KEEPER_LOAN_BOOK_ADDRESS: BOOK,
      KEEPER_PRIVATE_KEY: `0x${"11".repeat(32)}`,
    };
    const { code, stderr } = await cli(env, "export", "1", "--out", join(root, "pkg"));
    expect(code).to.equal(1);
    expect(stderr).to.match(/^error: the node at http:\/\/127\.0\.0\.1:1 failed: /);
    expect(stderr.trim().split("\n")).to.have.length(1);
  });
});

describe("formatVerdicts", () => {
  it("prints ok or FAIL per item and a summary", () => {
    const lines = formatVerdicts([
      { item: "chain id", ok: true, detail: "chain 1" },
      { item: "event 2 RepaymentMade", ok: false, detail: "its data differs" },
    ]);
    expect(lines).to.deep.equal([
      "ok    chain id: chain 1",
      "FAIL  event 2 RepaymentMade: its data differs",
      "",
      "1 of 2 checks FAIL: the package does not hold",
    ]);
    expect(formatVerdicts([{ item: "x", ok: true, detail: "y" }]).at(-1)).to.equal(
      "all 1 checks hold: the package is consistent with the chain",
    );
  });
});
