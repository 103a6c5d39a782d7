import { after, describe, it } from "node:test";
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, stringToHex, type Hex } from "viem";
import { documentsOf } from "./documentHashes.ts";
import type { EvidenceManifest, ManifestEvent } from "./manifest.ts";
import { formatSha256Sums, SHA256SUMS_FILE } from "./sha256Sums.ts";
import { verifyChecksums } from "./verifyChecksums.ts";
import { verifyDocuments } from "./verifyDocuments.ts";

const root = mkdtempSync(join(tmpdir(), "evidence-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A package folder holding `files`, with their SHA256SUMS. */
function packageWith(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, SHA256SUMS_FILE), formatSha256Sums(new Map(Object.entries(files))));
  return dir;
}

describe("verifyChecksums", () => {
  it("passes every listed file of an untouched package", () => {
    const dir = packageWith("untouched", { "manifest.json": "{}\n", "blocks/1.json": "{}\n" });
    expect(verifyChecksums(dir).map((v) => [v.item, v.ok])).to.deep.equal([
      ["sha256 blocks/1.json", true],
      ["sha256 manifest.json", true],
    ]);
  });

  it("names a changed file, a missing one and one left out of the list", () => {
    const dir = packageWith("tampered", { "manifest.json": "{}\n", "blocks/1.json": "{}\n", "blocks/2.json": "{}\n" });
    writeFileSync(join(dir, "manifest.json"), "{ }\n");
    rmSync(join(dir, "blocks/2.json"));
    writeFileSync(join(dir, "extra.json"), "{}\n");
    const failed = verifyChecksums(dir).filter((v) => !v.ok);
    expect(failed.map((v) => v.item)).to.deep.equal([
      "sha256 blocks/2.json",
      "sha256 manifest.json",
      "sha256 extra.json",
    ]);
    expect(failed[0].detail).to.equal("blocks/2.json is listed in SHA256SUMS but missing");
    expect(failed[1].detail).to.match(
      /^manifest\.json has SHA-256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}: the file was changed$/,
    );
    expect(failed[2].detail).to.equal("extra.json is in the package but not in SHA256SUMS");
  });

  it("fails a package without SHA256SUMS", () => {
    const dir = join(root, "no-sums");
    mkdirSync(dir);
    expect(verifyChecksums(dir)).to.deep.equal([
      { item: "sha256 SHA256SUMS", ok: false, detail: "SHA256SUMS is missing" },
    ]);
  });
});

describe("document hashes", () => {
  const hash = (text: string): Hex => keccak256(stringToHex(text));
  const event = (index: number, name: string, args: Record<string, string>) =>
    ({ index, name, args }) as unknown as ManifestEvent;
  const events = [
    event(0, "LoanOriginated", { documentHash: hash("contract"), loanId: "1" }),
    event(1, "RepaymentMade", { loanId: "1" }),
    event(2, "DefaultCertified", {
      debtInstrumentHash: hash("contract"),
      defaultProofHash: hash("proof"),
      identityProofHash: hash("identity"),
    }),
  ];

  it("lists the hashes the events name as documents", () => {
    expect(documentsOf(events).map((d) => [d.role, d.eventIndex])).to.deep.equal([
      ["documentHash", 0],
      ["debtInstrumentHash", 2],
      ["defaultProofHash", 2],
      ["identityProofHash", 2],
    ]);
  });

  it("matches each supplied file by the keccak256 of its bytes, and names a file that matches none", () => {
    const docs = join(root, "docs");
    mkdirSync(docs);
    writeFileSync(join(docs, "contract.txt"), "contract");
    writeFileSync(join(docs, "proof.txt"), "proof, altered");
    const manifest = { documents: documentsOf(events) } as unknown as EvidenceManifest;
    const verdicts = verifyDocuments({ manifest, docsDir: docs });
    expect(verdicts.map((v) => [v.item, v.ok])).to.deep.equal([
      ["document contract.txt", true],
      ["document proof.txt", false],
    ]);
    expect(verdicts[0].detail).to.include("documentHash of event 0, debtInstrumentHash of event 2");
    expect(verdicts[1].detail).to.equal(
      `keccak256 ${hash("proof, altered")} is none of the manifest's document hashes`,
    );
  });
});
