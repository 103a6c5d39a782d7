import { describe, it } from "node:test";
import { expect } from "chai";
import { readCsvRecords } from "./csvRecords.ts";

describe("readCsvRecords", () => {
  it("reads RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes", () => {
    const records = readCsvRecords('a,"b,c",""\r\n"say ""hi""","two\r\nlines",x\n"",,\n');
    expect(records.map((record) => record.fields)).to.deep.equal([
      ["a", "b,c", ""],
      ['say "hi"', "two\r\nlines", "x"],
      ["", "", ""],
    ]);
    expect(records.map((record) => record.line)).to.deep.equal([1, 2, 4]);
    expect(records[1].raw).to.equal('"say ""hi""","two\r\nlines",x');
    expect(records.every((record) => record.error === undefined)).to.equal(true);
  });

  it("reads LF and CRLF alike, with or without a final line break", () => {
    for (const text of ["a,b\nc,d", "a,b\r\nc,d\r\n", "a,b\nc,d\n"]) {
      expect(
        readCsvRecords(text).map((record) => record.fields),
        JSON.stringify(text),
      ).to.deep.equal([
        ["a", "b"],
        ["c", "d"],
      ]);
    }
  });

  it("keeps an empty line as one empty field and an empty text as no record", () => {
    expect(readCsvRecords("a\n\nb").map((record) => record.fields)).to.deep.equal([["a"], [""], ["b"]]);
    expect(readCsvRecords("")).to.deep.equal([]);
  });

  it("marks a record with a stray quote, text after a closing quote, or an unclosed quote", () => {
    const table: [string, RegExp][] = [
      ['a,b"c\nok', /quote inside an unquoted field on line 1/],
      ['"a"b,c\nok', /text after a closing quote on line 1/],
      ['ok\n"never closed,x\ny', /quoted field opened on line 2 is never closed/],
    ];
    for (const [text, message] of table) {
      const records = readCsvRecords(text);
      const bad = records.find((record) => record.error !== undefined);
      expect(bad?.error, text).to.match(message);
    }
    expect(readCsvRecords('a,b"c\nok')[1]).to.deep.equal({ fields: ["ok"], line: 2, raw: "ok" });
  });
});
