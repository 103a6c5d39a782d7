import { describe, it } from "node:test";
import { createHmac } from "node:crypto";
import { expect } from "chai";
import { identityCommitment, normaliseIdentityDocument } from "./identityCommitment.ts";

const KEY = new Uint8Array(32).fill(7);

describe("identityCommitment", () => {
  it("normalises the document: trimmed, upper case, no spaces or dashes", () => {
    expect(normaliseIdentityDocument(" 1101-0119 9001 01123x \n")).to.equal("11010119900101123X");
    expect(identityCommitment(KEY, " 1101-0119 9001 01123x ")).to.equal(identityCommitment(KEY, "11010119900101123X"));
  });

  it("is HMAC-SHA256 under the key, 32 bytes of hex", () => {
    const expected = createHmac("sha256", KEY).update("AB123").digest("hex");
    expect(identityCommitment(KEY, "ab-123")).to.equal(`0x${expected}`);
    expect(identityCommitment(KEY, "AB123")).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("depends on the key and on the document", () => {
    const other = new Uint8Array(32).fill(8);
    expect(identityCommitment(other, "AB123")).to.not.equal(identityCommitment(KEY, "AB123"));
    expect(identityCommitment(KEY, "AB124")).to.not.equal(identityCommitment(KEY, "AB123"));
  });

  it("refuses a short key and an empty document", () => {
    expect(() => identityCommitment(new Uint8Array(8), "AB123")).to.throw(RangeError);
    expect(() => identityCommitment(KEY, " - ")).to.throw(RangeError);
  });
});
