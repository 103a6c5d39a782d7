import { describe, it } from "node:test";
import { expect } from "chai";
import { keccak256, type Hex } from "viem";
import {
  CONTENT_HASH_DOMAIN,
  contentHashOf,
  RECIPIENT_HASH_DOMAIN,
  recipientHashOf,
  ZERO_SALT,
  type HashedContent,
} from "./contentHash.ts";

const ADDRESS = "0x00000000000000000000000000000000000000aa";
const SALT: Hex = `0x${"11".repeat(32)}`;
/** The fixed vectors: change them only with a new domain version. */
const ADDRESS_HASH = "0xde991426d74fcc893e7d6c04c602a7b520d2e2b282edd8c22b8b0e7a24f5fc54";
const PHONE_HASH = "0x5bb9c4679258341a9c6d41aa871d33a585ece7c56b792b4d1ce59934f3a481b5";
const CONTENT_HASH = "0xfb1c234473c8bb75ab0a5c35d601021e1b1f6a6871fc8fcea2013a7cc570fd3d";

const message: HashedContent = {
  kind: "remindLate1",
  locale: "zh",
  loanId: 7n,
  recipientHash: ADDRESS_HASH,
  subject: "逾期通知：您的借款LOAN-7已逾期",
  body: "尊敬的借款人：\n\n金额 1,234.56789 USDC",
};

/** Solidity's abi.encode, written out by hand for strings, bytes32 and uint256 (head words, then tails). */
function abiEncode(values: readonly (string | bigint)[], types: readonly ("string" | "bytes32" | "uint256")[]): Hex {
  const word = (n: bigint) => n.toString(16).padStart(64, "0");
  const heads: string[] = [];
  const tails: string[] = [];
  let tailOffset = 32 * values.length;
  values.forEach((value, i) => {
    if (types[i] === "uint256") heads.push(word(value as bigint));
    else if (types[i] === "bytes32") heads.push((value as string).slice(2).toLowerCase());
    else {
      const bytes = Buffer.from(value as string, "utf8");
      const padded = bytes.toString("hex").padEnd(Math.ceil(bytes.length / 32) * 64, "0");
      heads.push(word(BigInt(tailOffset)));
      tails.push(word(BigInt(bytes.length)) + padded);
      tailOffset += 32 + padded.length / 2;
    }
  });
  return `0x${heads.join("")}${tails.join("")}`;
}

describe("recipientHashOf", () => {
  it("matches the fixed vectors and keccak256(abi.encode(domain, salt, handle))", () => {
    expect(recipientHashOf(ADDRESS)).to.equal(ADDRESS_HASH);
    expect(recipientHashOf("+86 138 0000 0000", SALT)).to.equal(PHONE_HASH);
    const manual = keccak256(abiEncode([RECIPIENT_HASH_DOMAIN, ZERO_SALT, ADDRESS], ["string", "bytes32", "string"]));
    expect(manual).to.equal(ADDRESS_HASH);
  });

  it("normalizes case, spaces around and Unicode form, and nothing else", () => {
    const same: string[] = ["0x00000000000000000000000000000000000000AA", `  ${ADDRESS}\n`];
    for (const handle of same) expect(recipientHashOf(handle)).to.equal(ADDRESS_HASH);
    expect(recipientHashOf("Li@Example.com")).to.equal(recipientHashOf("li@example.com"));
    expect(recipientHashOf("北京市朝阳区\u0065\u0301")).to.equal(recipientHashOf("北京市朝阳区\u00e9"));
    expect(recipientHashOf("+86 138 0000 0000")).to.not.equal(recipientHashOf("+8613800000000"));
  });

  it("differs with the salt, and never contains the handle", () => {
    expect(recipientHashOf("+86 138 0000 0000")).to.not.equal(PHONE_HASH);
    expect(recipientHashOf(ADDRESS, SALT)).to.not.equal(ADDRESS_HASH);
    expect(ADDRESS_HASH).to.not.include(ADDRESS.slice(2).replace(/^0+/, ""));
  });

  it("refuses an empty handle and a malformed salt", () => {
    expect(() => recipientHashOf("  ")).to.throw(TypeError, /non-empty/);
    expect(() => recipientHashOf(ADDRESS, "0x1234")).to.throw(TypeError, /salt/);
  });
});

describe("contentHashOf", () => {
  it("matches the fixed vector and keccak256(abi.encode(domain, kind, locale, loanId, recipientHash, subject, body))", () => {
    expect(contentHashOf(message)).to.equal(CONTENT_HASH);
    const manual = keccak256(
      abiEncode(
        [
          CONTENT_HASH_DOMAIN,
          message.kind,
          message.locale,
          message.loanId,
          message.recipientHash,
          message.subject,
          message.body,
        ],
        ["string", "string", "string", "uint256", "bytes32", "string", "string"],
      ),
    );
    expect(manual).to.equal(CONTENT_HASH);
  });

  it("does not depend on key order or on other fields", () => {
    const reordered = {
      body: message.body,
      subject: message.subject,
      recipientHash: message.recipientHash,
      loanId: message.loanId,
      locale: message.locale,
      kind: message.kind,
    };
    expect(contentHashOf(reordered)).to.equal(CONTENT_HASH);
    expect(contentHashOf({ ...message, to: "+86 138 0000 0000", id: "x" } as HashedContent)).to.equal(CONTENT_HASH);
    expect(
      contentHashOf({ ...message, recipientHash: message.recipientHash.toUpperCase().replace("0X", "0x") as Hex }),
    ).to.equal(CONTENT_HASH);
  });

  it("changes with every field", () => {
    const changes: Partial<HashedContent>[] = [
      { kind: "remindLate7" },
      { locale: "en" },
      { loanId: 8n },
      { recipientHash: PHONE_HASH },
      { subject: `${message.subject} ` },
      { body: message.body.replace("1,234.56789", "1,234.56788") },
      // Moving text between subject and body changes the hash: each string is length-prefixed.
      { subject: `${message.subject}\n`, body: message.body.slice(0) },
    ];
    const hashes = new Set(changes.map((change) => contentHashOf({ ...message, ...change })));
    expect(hashes.size).to.equal(changes.length);
    expect(hashes.has(CONTENT_HASH)).to.equal(false);
  });

  it("refuses what is not a message", () => {
    const table: [Partial<Record<keyof HashedContent, unknown>>, RegExp][] = [
      [{ kind: "bribe" }, /kind "bribe"/],
      [{ locale: "de" }, /locale "de"/],
      [{ loanId: -1n }, /loanId -1/],
      [{ loanId: 7 }, /loanId 7/],
      [{ recipientHash: "0x1234" }, /recipientHash/],
      [{ body: undefined }, /strings/],
    ];
    for (const [change, error] of table) {
      expect(() => contentHashOf({ ...message, ...change } as HashedContent)).to.throw(TypeError, error);
    }
  });
});
