import { describe, it } from "node:test";
import { expect } from "chai";
import { formatSha256Sums, parseSha256Sums, sha256Hex } from "./sha256Sums.ts";

describe("SHA256SUMS", () => {
  it("writes sha256sum's text-mode lines sorted by path, and reads them back", () => {
    const text = formatSha256Sums(
      new Map([
        ["receipts/0xab.json", "{}\n"],
        ["manifest.json", "abc"],
      ]),
    );
    expect(text).to.equal(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  manifest.json\n" +
        `${sha256Hex("{}\n")}  receipts/0xab.json\n`,
    );
    expect(parseSha256Sums(text).map((line) => line.path)).to.deep.equal(["manifest.json", "receipts/0xab.json"]);
  });

  it("reads binary-mode lines and refuses a malformed one, naming its line", () => {
    expect(parseSha256Sums(`${"a".repeat(64)} *blocks/1.json\n`)).to.deep.equal([
      { digest: "a".repeat(64), path: "blocks/1.json" },
    ]);
    expect(() => parseSha256Sums(`${"a".repeat(64)}  ok.json\nnot a line\n`)).to.throw(/line 2/);
  });
});
