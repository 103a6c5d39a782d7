/**
 * The package archive against the system's own `tar`: what it unpacks is the folder, byte for byte, long paths and
 * empty files included, and the same folder gives the same archive.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "chai";
import { packTarGz, tarOf } from "./tarGz.ts";

describe("packTarGz", () => {
  const root = mkdtempSync(join(tmpdir(), "tar-gz-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  const longName = `0x${"ab".repeat(32)}.json`;
  const files: Record<string, string> = {
    "manifest.json": '{"format":"x"}\n',
    SHA256SUMS: "",
    [`transactions/${longName}`]: "x".repeat(1_300),
    "report.zh.html": "<p>借款合同 第 7 号</p>",
  };
  const source = join(root, "source");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(source, path, ".."), { recursive: true });
    writeFileSync(join(source, path), text);
  }
  const archiveRoot = `loan-123456789-evidence-${"n".repeat(60)}`;

  it("unpacks with tar into the same files, a path over 100 bytes included", () => {
    const archive = join(root, "package.tar.gz");
    writeFileSync(archive, packTarGz(source, { root: archiveRoot, mtime: 1_764_115_200 }));
    const out = join(root, "out");
    mkdirSync(out);
    execFileSync("tar", ["-xzf", archive, "-C", out]);
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(out, archiveRoot, path), "utf8"), path).to.equal(text);
    }
    const listing = execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).trim().split("\n");
    expect(listing).to.have.length(Object.keys(files).length + 2);
    expect(listing[0]).to.equal(`${archiveRoot}/`);
  });

  it("gives the same bytes for the same folder", () => {
    const options = { root: "p", mtime: 0 };
    expect(packTarGz(source, options).equals(packTarGz(source, options))).to.equal(true);
  });

  it("refuses a path ustar cannot hold", () => {
    expect(() => tarOf([{ path: "x".repeat(101), bytes: new Uint8Array() }], 0)).to.throw(RangeError, /too long/);
  });
});
