import { describe, it } from "node:test";
import { expect } from "chai";
import { canonicalJson, sameJson, toJsonValue } from "./canonicalJson.ts";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes bigints as decimal strings", () => {
    expect(canonicalJson({ b: 2n, a: { d: [3n, { f: 1, e: null }], c: true } })).to.equal(
      '{\n  "a": {\n    "c": true,\n    "d": [\n      "3",\n      {\n        "e": null,\n        "f": 1\n      }\n    ]\n  },\n  "b": "2"\n}\n',
    );
  });

  it("gives the same text whatever the key order, and drops undefined members", () => {
    expect(canonicalJson({ x: 1, y: undefined, z: [1n] })).to.equal(canonicalJson({ z: ["1"], x: 1 }));
    expect(sameJson({ a: 1n, b: "x" }, { b: "x", a: "1" })).to.equal(true);
    expect(sameJson({ a: 1n }, { a: 2n })).to.equal(false);
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => toJsonValue({ a: Number.NaN })).to.throw(/NaN/);
    expect(() => toJsonValue({ a: () => 1 })).to.throw(/function/);
  });
});
