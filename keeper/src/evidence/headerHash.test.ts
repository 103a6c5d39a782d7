import { describe, it } from "node:test";
import { expect } from "chai";
import { keccak256, toRlp } from "viem";
import { computeHeaderHash } from "./headerHash.ts";

/** A post-London header (keccak-hashed against a real node in keeper/e2e/evidence.test.ts). */
const HEADER = {
  parentHash: `0x${"11".repeat(32)}`,
  sha3Uncles: `0x${"22".repeat(32)}`,
  miner: `0x${"33".repeat(20)}`,
  stateRoot: `0x${"44".repeat(32)}`,
  transactionsRoot: `0x${"55".repeat(32)}`,
  receiptsRoot: `0x${"66".repeat(32)}`,
  logsBloom: `0x${"00".repeat(256)}`,
  difficulty: "0x0",
  number: "0x10",
  gasLimit: "0x1c9c380",
  gasUsed: "0x5208",
  timestamp: "0x6790c0a0",
  extraData: "0x",
  mixHash: `0x${"77".repeat(32)}`,
  nonce: "0x0000000000000000",
  baseFeePerGas: "0x7",
  hash: "0x00",
  size: "0x200",
};

describe("computeHeaderHash", () => {
  it("hashes the RLP list of the fields, quantities as minimal bytes (zero: empty)", () => {
    const expected = keccak256(
      toRlp([
        HEADER.parentHash,
        HEADER.sha3Uncles,
        HEADER.miner,
        HEADER.stateRoot,
        HEADER.transactionsRoot,
        HEADER.receiptsRoot,
        HEADER.logsBloom,
        "0x",
        "0x10",
        "0x01c9c380",
        "0x5208",
        "0x6790c0a0",
        "0x",
        HEADER.mixHash,
        HEADER.nonce,
        "0x07",
      ] as `0x${string}`[]),
    );
    expect(computeHeaderHash(HEADER)).to.equal(expected);
  });

  it("changes with any hashed field and ignores the rest (hash, size)", () => {
    const base = computeHeaderHash(HEADER);
    expect(computeHeaderHash({ ...HEADER, timestamp: "0x6790c0a1" })).not.to.equal(base);
    expect(computeHeaderHash({ ...HEADER, blobGasUsed: "0x0" })).not.to.equal(base);
    expect(computeHeaderHash({ ...HEADER, size: "0x201", hash: "0x01" })).to.equal(base);
  });

  it("refuses a header with a field missing or not hex", () => {
    expect(() => computeHeaderHash({ ...HEADER, stateRoot: undefined })).to.throw(/stateRoot/);
    expect(() => computeHeaderHash({ ...HEADER, number: 16 })).to.throw(/number/);
  });
});
