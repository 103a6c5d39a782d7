/**
 * The evidence package's contacts section end to end (issue 8): a real `hardhat node`, the keeper as its own process
 * sending a reminder to the borrower and anchoring its contact log in batches of one. `loanbook evidence export
 * --keeper` puts the loan's contact log entries, their Merkle proofs and anchoring transactions in the package;
 * `verify` proves each on chain; a tampered entry, or another anchoring account, fails by the entry's name. The
 * keeper serves the same package as a `.tar.gz` (`GET /api/loans/:id/evidence-package`, the loan page's download).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evidenceCli, rewriteSums } from "./support/evidenceTesting.ts";
import { privateKeyToAccount } from "viem/accounts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { canonicalJson } from "../src/evidence/canonicalJson.ts";
import { MANIFEST_FILE, receiptPath, type EvidenceManifest } from "../src/evidence/manifest.ts";
import type { Verdict } from "../src/evidence/verdict.ts";
import { verifyEvidence } from "../src/evidence/verifyEvidence.ts";
import { hardhatKey, ROLE_INDEX } from "../../scripts/demo/accounts.ts";
import { createWorld, type World } from "../../scripts/demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";

const TOKEN = "ops-token-evidence-0123456789abcdef0123456789";
const DAY = 86_400n;
const HOUR = 3_600n;
const POLL_MS = 100;

/** Changes the package's manifest and rewrites `SHA256SUMS` to match: a forger who recomputes the sums. */
function forgeManifest(dir: string, change: (manifest: any) => void): void {
  const path = join(dir, MANIFEST_FILE);
  const value = JSON.parse(readFileSync(path, "utf8"));
  change(value);
  writeFileSync(path, canonicalJson(value));
  rewriteSums(dir);
}

describe("loanbook evidence export --keeper: the contact log's proofs in the package", { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), "keeper-evidence-contacts-"));
  const packageDir = join(root, "package");
  const keeperAddress = privateKeyToAccount(hardhatKey(ROLE_INDEX.keeper)).address;
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let manifest: EvidenceManifest;
  let copies = 0;

  const call = async (method: string, path: string, body?: object) => {
    const response = await fetch(`${keeper!.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  /** The failed verdicts of a fresh copy of the package after `change` to its manifest. */
  const tamper = async (change: (manifest: any) => void): Promise<Verdict[]> => {
    const dir = join(root, `copy-${++copies}`);
    cpSync(packageDir, dir, { recursive: true });
    forgeManifest(dir, change);
    return (await verifyEvidence({ dir, client: world.rpc.client })).filter((verdict) => !verdict.ok);
  };

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: 1, seed: "e2e-evidence-contacts", horizonDays: 60 });
    keeper = await startDemoKeeper({
      world,
      dbPath: join(root, "keeper.sqlite"),
      logFile: join(root, "keeper.log"),
      env: {
        KEEPER_OPERATOR_TOKENS: JSON.stringify({ ops: TOKEN }),
        KEEPER_ANCHOR_BATCH_SIZE: "1",
        KEEPER_ANCHOR_MAX_AGE_SECONDS: "60",
      },
    });
    await keeper.link.waitUntilCaughtUp();
    const loanId = world.loans[0].loanId;
    const contact = await call("PUT", `/api/borrowers/${world.loans[0].borrower.address}/contact`, {
      timeZone: "Asia/Shanghai",
      locale: "zh",
      channel: "letters",
      recipient: "borrower-0@example.org",
    });
    expect(contact.status).to.equal(200);
    // Two days before the first due date, 11:00 in Shanghai: a reminder is due.
    const detail = await call("GET", `/api/loans/${loanId}`);
    await world.rpc.mineAt(BigInt(detail.body.loan.nextDueTime) - 2n * DAY - 12n * HOUR);

    // The reminder goes out, is logged, and its batch (of one) is anchored; mining moves the keeper on.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const { body: log } = await call("GET", `/api/contacts/log?loanId=${loanId}`);
      const entry = log.entries?.[0];
      if (entry !== undefined) {
        const proof = await call("GET", `/api/contacts/log/${entry.id}/proof`);
        if (proof.status === 200 && proof.body.anchor.state === "done") break;
      }
      if (Date.now() > deadline) throw new Error("timed out waiting for an anchored contact of the loan");
      await world.rpc.mineAt((await world.rpc.latestTimestamp()) + 1n);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }

    const exported = await evidenceCli(
      "export",
      String(loanId),
      "--out",
      packageDir,
      "--rpc",
      chain.url,
      "--loan-book",
      world.loanBook,
      "--from-block",
      String(world.deployBlock),
      "--no-pdf",
      "--keeper",
      keeper.url,
      "--token",
      TOKEN,
    );
    expect(exported.stderr).to.equal("");
    expect(exported.code).to.equal(0);
    expect(exported.stdout).to.match(/\d+ contacts, \d+ files/);
    manifest = JSON.parse(readFileSync(join(packageDir, MANIFEST_FILE), "utf8"));
  });

  after(async () => {
    await keeper?.stop();
    await chain?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("exports the loan's contact entries (hashes only) with proof, root and the keeper's anchoring transaction", () => {
    const contacts = manifest.contacts!;
    expect(contacts.keeper).to.equal(keeper!.url);
    expect(contacts.entries.length).to.be.greaterThan(0);
    const [first] = contacts.entries;
    expect(first.anchored).to.equal(true);
    expect(first.leafValues.loanId).to.equal(manifest.loanId);
    expect(first.anchor).to.include({ contract: world.evidenceAnchor, anchoredBy: keeperAddress });
    expect(first.proof).to.be.an("array");
    // The anchoring transaction's receipt is in the package, beside the events'.
    const receipt = JSON.parse(readFileSync(join(packageDir, receiptPath(first.anchor!.transactionHash)), "utf8"));
    expect(receipt.transactionHash).to.equal(first.anchor!.transactionHash);
    // No recipient in clear: the package holds its hash only.
    expect(readFileSync(join(packageDir, MANIFEST_FILE), "utf8")).not.to.include("borrower-0@example.org");
  });

  it("verifies the package: every contact holds on chain, and so does the anchoring transaction's data", async () => {
    const { code, stdout } = await evidenceCli("verify", packageDir, "--rpc", chain!.url);
    expect(stdout).not.to.match(/^FAIL/m);
    for (const contact of manifest.contacts!.entries) {
      expect(stdout).to.match(new RegExp(`^ok {4}contact ${contact.entryId}: leaf 0x[0-9a-f]{64} is in root`, "m"));
      expect(stdout).to.match(new RegExp(`^ok {4}receipt ${contact.anchor!.transactionHash}: `, "m"));
    }
    expect(code).to.equal(0);
  });

  it("serves the same package from the keeper as a .tar.gz (the loan page's download) that tar, sha256sum and verify accept", async () => {
    const loanId = world.loans[0].loanId;
    const path = `/api/loans/${loanId}/evidence-package`;
    const response = await fetch(`${keeper!.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.equal("application/gzip");
    expect(response.headers.get("content-disposition")).to.equal(
      `attachment; filename="loan-${loanId}-evidence.tar.gz"`,
    );
    const archive = join(root, "download.tar.gz");
    writeFileSync(archive, Buffer.from(await response.arrayBuffer()));
    const unpacked = join(root, "download");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", archive, "-C", unpacked]);
    const dir = join(unpacked, `loan-${loanId}-evidence`);
    execFileSync("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: dir });
    const served = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as EvidenceManifest;
    expect(served.contacts!.keeper).to.equal(keeper!.url);
    expect(served.contacts!.entries.map((entry) => entry.leaf)).to.deep.equal(
      manifest.contacts!.entries.map((entry) => entry.leaf),
    );
    expect(served.events).to.deep.equal(manifest.events);
    const { code, stdout } = await evidenceCli("verify", dir, "--rpc", chain!.url);
    expect(stdout).not.to.match(/^FAIL/m);
    expect(code).to.equal(0);

    expect((await fetch(`${keeper!.url}${path}`)).status).to.equal(401);
    const unknown = await fetch(`${keeper!.url}/api/loans/999999/evidence-package`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(unknown.status).to.equal(404);
  });

  it("fails a contact entry changed, by its name, and nothing else", async () => {
    const { entryId } = manifest.contacts!.entries[0];
    const failed = await tamper((value) => {
      value.contacts.entries[0].leafValues.contentHash = `0x${"11".repeat(32)}`;
    });
    expect(failed.map((verdict) => verdict.item)).to.deep.equal([`contact ${entryId}`]);
    expect(failed[0].detail).to.match(/not the stated leaf .*: an entry field was changed/);
  });

  it("fails a contact whose anchoring account is changed", async () => {
    const { entryId } = manifest.contacts!.entries[0];
    const failed = await tamper((value) => {
      value.contacts.entries[0].anchor.anchoredBy = world.accounts.lender.address;
    });
    expect(failed.map((verdict) => verdict.item)).to.deep.equal([`contact ${entryId}`]);
    expect(failed[0].detail).to.include(`the root was anchored by ${keeperAddress}`);
  });
});
