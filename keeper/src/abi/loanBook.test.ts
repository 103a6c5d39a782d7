import { describe, it } from "node:test";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Abi } from "viem";
import {
  ABI_MODULE_PATH,
  COLLATERAL_ABI_MODULE_PATH,
  EVIDENCE_ANCHOR_ABI_MODULE_PATH,
  entryKey,
  mergeAbis,
  renderAbiModule,
  renderCollateralAbiModule,
  renderEvidenceAnchorAbiModule,
  type AbiEntry,
} from "../../../scripts/exportAbis.ts";
import { evidenceAnchorAbi } from "./evidenceAnchor.ts";
import { loanBookAbi, testTokenAbi } from "./loanBook.ts";

// Compile-time: the generated constants are ABIs viem can type contracts with.
const typed: readonly [Abi, Abi, Abi] = [loanBookAbi, testTokenAbi, evidenceAnchorAbi];

/** The first line where `actual` and `expected` differ, to point at the stale part of a long file. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split("\n");
  const e = expected.split("\n");
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at])}, artifacts give ${JSON.stringify(e[at])}`;
}

const has = (abi: readonly AbiEntry[], type: string, name: string) =>
  abi.filter((entry) => entry.type === type && entry.name === name).length;

describe("keeper/src/abi/loanBook.ts", () => {
  it("is what `npm run abi` writes from the current artifacts", async () => {
    const expected = await renderAbiModule();
    const committed = await readFile(ABI_MODULE_PATH, "utf8");
    expect(
      committed === expected,
      `out of date, run \`npm run abi\` (${firstDifference(committed, expected)})`,
    ).to.equal(true);
  });

  it("serves the keeper's functions and events at LoanBook's address", () => {
    for (const [type, name] of [
      ["function", "certify"],
      ["function", "repay"],
      ["function", "declareDefault"],
      ["function", "statusOf"],
      ["function", "checkActions"],
      ["event", "LoanDefaulted"],
      ["error", "LoanBook_WrongStatus"],
    ]) {
      expect(has(loanBookAbi, type, name), `${type} ${name}`).to.equal(1);
    }
    expect(has(testTokenAbi, "function", "permit")).to.equal(1);
    expect(typed).to.have.length(3);
  });

  it("holds every entry once, and only LoanBook's constructor", () => {
    const keys = loanBookAbi.map(entryKey);
    expect(new Set(keys).size).to.equal(keys.length);
    const constructors = loanBookAbi.filter((entry) => entry.type === "constructor");
    expect(constructors.map((entry) => entry.inputs.map((input) => input.name))).to.deep.equal([
      ["admin", "enforcement"],
    ]);
  });
});

describe("keeper/src/abi/collateral.ts", () => {
  it("is what `npm run abi` writes from the current artifacts", async () => {
    const expected = await renderCollateralAbiModule();
    const committed = await readFile(COLLATERAL_ABI_MODULE_PATH, "utf8");
    expect(
      committed === expected,
      `out of date, run \`npm run abi\` (${firstDifference(committed, expected)})`,
    ).to.equal(true);
  });
});

describe("keeper/src/abi/evidenceAnchor.ts", () => {
  it("is what `npm run abi` writes from the current artifacts", async () => {
    const expected = await renderEvidenceAnchorAbiModule();
    const committed = await readFile(EVIDENCE_ANCHOR_ABI_MODULE_PATH, "utf8");
    expect(
      committed === expected,
      `out of date, run \`npm run abi\` (${firstDifference(committed, expected)})`,
    ).to.equal(true);
  });

  it("serves the anchor's functions, event and errors, each once, and nothing of LoanBook", () => {
    for (const [type, name] of [
      ["function", "anchor"],
      ["function", "anchorOf"],
      ["function", "verify"],
      ["function", "leafOf"],
      ["event", "ContactLogAnchored"],
      ["error", "EvidenceAnchor_ZeroRoot"],
      ["error", "EvidenceAnchor_AlreadyAnchored"],
      ["error", "EvidenceAnchor_EmptyBatch"],
      ["error", "EvidenceAnchor_InvalidRange"],
    ]) {
      expect(has(evidenceAnchorAbi, type, name), `${type} ${name}`).to.equal(1);
    }
    expect(evidenceAnchorAbi.filter((entry) => entry.type === "function")).to.have.length(4);
    expect(has(evidenceAnchorAbi, "function", "repay")).to.equal(0);
  });
});

describe("renderAbiModule", () => {
  it("tells to build when the artifacts are missing", async () => {
    const artifactsDir = join(tmpdir(), `no-artifacts-${process.pid}`);
    let message = "";
    await renderAbiModule({ artifactsDir }).catch((error: Error) => (message = error.message));
    expect(message).to.include("npm run build").and.include("LoanBook.json");
    await renderEvidenceAnchorAbiModule({ artifactsDir }).catch((error: Error) => (message = error.message));
    expect(message).to.include("npm run build").and.include("EvidenceAnchor.json");
  });
});

describe("mergeAbis", () => {
  const event = { type: "event", name: "Paid", inputs: [{ type: "uint256", indexed: true }], anonymous: false };
  const fn = (name: string, inputs: AbiEntry["inputs"] = []) => ({ type: "function", name, inputs, outputs: [] });
  const tuple = (types: string[]) => ({ type: "tuple", components: types.map((type) => ({ type })) });

  it("keeps the first-seen order and drops identical entries", () => {
    const merged = mergeAbis([
      [fn("a"), event],
      [event, fn("b")],
      [fn("c"), event],
    ]);
    expect(merged.map(entryKey)).to.deep.equal(["function:a()", "event:Paid(uint256)", "function:b()", "function:c()"]);
  });

  it("keeps overloads and tuples of different shapes apart", () => {
    const merged = mergeAbis([
      [fn("f", [{ type: "uint256" }]), fn("f", [{ type: "uint256" }, { type: "bytes" }])],
      [fn("g", [tuple(["uint256"])]), fn("g", [tuple(["address"])])],
    ]);
    expect(merged.map(entryKey)).to.deep.equal([
      "function:f(uint256)",
      "function:f(uint256,bytes)",
      "function:g((uint256))",
      "function:g((address))",
    ]);
  });

  it("keeps the entry contract's constructor and fallback only", () => {
    const constructor = (name: string) => ({ type: "constructor", inputs: [{ type: "address", name }] });
    const fallback = (stateMutability: string) => ({ type: "fallback", stateMutability });
    const merged = mergeAbis([
      [constructor("admin"), fallback("nonpayable")],
      [constructor("views"), fallback("payable")],
    ]);
    expect(merged).to.deep.equal([constructor("admin"), fallback("nonpayable")]);
  });

  it("refuses two different entries under one signature", () => {
    const unindexed = { ...event, inputs: [{ type: "uint256", indexed: false }] };
    expect(() => mergeAbis([[event], [unindexed]])).to.throw("ABIs disagree on event:Paid(uint256)");
  });
});
