import { describe, it } from "node:test";
import { expect } from "chai";
import { loanBookAbi } from "../../abi/loanBook.ts";
import { eventLabel, REPORT_LOCALES, REPORT_TEXT } from "./i18n.ts";
import { KNOWN_EVENTS, STAGES, stageOf } from "./stages.ts";

/** The loan book's events about one loan: those with a `loanId` argument, and the claim token's. */
const LOAN_EVENTS = loanBookAbi
  .filter((item) => item.type === "event")
  .filter((event) => event.inputs.some((input) => input.name === "loanId" || input.name === "tokenId"))
  .map((event) => event.name);

/** Every leaf of a text table, as `[path, text]` (functions called with a sample argument). */
function leaves(value: unknown, path = ""): [string, string][] {
  if (typeof value === "function") return [[path, String(value(7))]];
  if (typeof value === "string") return [[path, value]];
  return Object.entries(value as object).flatMap(([key, child]) => leaves(child, path === "" ? key : `${path}.${key}`));
}

describe("the report's text", () => {
  it("has every key in both languages, none empty", () => {
    const [en, zh] = REPORT_LOCALES.map((locale) => new Map(leaves(REPORT_TEXT[locale])));
    expect([...zh.keys()].sort()).to.deep.equal([...en.keys()].sort());
    for (const [key, text] of [...en, ...zh]) expect(text.trim(), key).not.to.equal("");
    expect(en.size).to.be.greaterThan(60);
  });

  it("writes the Chinese report in Chinese", () => {
    for (const [key, text] of leaves(REPORT_TEXT.zh)) {
      if (key !== "htmlLang") expect(text, key).to.match(/\p{Script=Han}/u);
    }
  });

  it("names every event of a loan in both languages, and puts each in a stage", () => {
    expect(LOAN_EVENTS).to.include.members(["LoanOriginated", "Transfer", "LoanDefaulted", "CommitmentBreached"]);
    expect([...KNOWN_EVENTS].sort()).to.deep.equal([...new Set(LOAN_EVENTS)].sort());
    for (const locale of REPORT_LOCALES) {
      expect(Object.keys(REPORT_TEXT[locale].eventNames).sort()).to.deep.equal([...KNOWN_EVENTS].sort());
    }
    for (const name of LOAN_EVENTS) expect(stageOf(name), name).not.to.equal("other");
    expect(new Set(LOAN_EVENTS.map(stageOf))).to.have.length(STAGES.length - 1);
  });

  it("shows an unknown event by its Solidity name", () => {
    expect(eventLabel(REPORT_TEXT.zh, "LoanDefaulted")).to.equal("贷款违约");
    expect(eventLabel(REPORT_TEXT.en, "SomethingNew")).to.equal("SomethingNew");
    expect(eventLabel(REPORT_TEXT.en, "toString")).to.equal("toString");
  });
});
