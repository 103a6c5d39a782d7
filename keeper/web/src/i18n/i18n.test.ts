import { describe, it } from "node:test";
import { expect } from "chai";
import { en } from "./en.ts";
import { defaultLocale, LOCALES, MESSAGES, translator } from "./index.ts";

describe("the app's strings", () => {
  for (const locale of LOCALES) {
    it(`has every key, and only those, in ${locale}`, () => {
      expect(Object.keys(MESSAGES[locale]).sort()).to.deep.equal(Object.keys(en).sort());
      for (const [key, text] of Object.entries(MESSAGES[locale])) {
        expect(text.trim(), `${locale}.${key}`).to.not.equal("");
      }
    });
  }

  it("translates every key in Chinese (no English left behind but the product name)", () => {
    const untranslated = Object.keys(en).filter(
      (key) => MESSAGES.zh[key as keyof typeof en] === en[key as keyof typeof en],
    );
    expect(untranslated).to.deep.equal([]);
    expect(translator("zh")("navBorrower")).to.equal("借款人");
    expect(translator("en")("navBorrower")).to.equal("Borrower");
  });

  it("names each loan book event about a loan, for the loan's timeline", async () => {
    const { loanBookAbi } = await import("../../../src/abi/loanBook.ts");
    const loanEvents = loanBookAbi.flatMap((item) =>
      item.type === "event" && item.inputs.some((input) => input.name === "loanId") ? [item.name] : [],
    );
    expect(loanEvents.length).to.be.greaterThan(15);
    for (const name of loanEvents) expect(en).to.have.property(`event${name}`);
  });

  it("names a status for each of the loan book's statuses", async () => {
    const { LoanStatus } = await import("../../../src/core/decisions.ts");
    for (const name of Object.keys(LoanStatus)) expect(en).to.have.property(`status${name}`);
  });

  const cases = [
    { languages: ["zh-CN", "en"], locale: "zh" },
    { languages: ["en-US", "zh-CN"], locale: "en" },
    { languages: ["fr-FR", "zh-TW"], locale: "zh" },
    { languages: ["en-GB"], locale: "en" },
    { languages: [], locale: "en" },
  ] as const;
  for (const { languages, locale } of cases) {
    it(`starts in ${locale} for a browser set to [${languages.join(", ")}]`, () => {
      expect(defaultLocale(languages)).to.equal(locale);
    });
  }
});
