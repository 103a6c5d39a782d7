import { describe, it } from "node:test";
import { expect } from "chai";
import { lenderHref, lenderRouteOf } from "./route.ts";

describe("lenderRouteOf", () => {
  const cases: [path: string[], page: string, id: string | null, query: Record<string, string>][] = [
    [[], "portfolio", null, {}],
    [["portfolio"], "portfolio", null, {}],
    [["loans"], "loans", null, {}],
    [["loans?status=Late&page=2"], "loans", null, { status: "Late", page: "2" }],
    [["loans", "7"], "loans", "7", {}],
    [["loans", "7?tx=0xab"], "loans", "7", { tx: "0xab" }],
    [["templates"], "templates", null, {}],
    [["suspense"], "suspense", null, {}],
    [["contacts?loanId=3"], "contacts", null, { loanId: "3" }],
    // An unknown page is the portfolio; only a loan has an id.
    [["nowhere", "9"], "portfolio", null, {}],
    [["suspense", "9"], "suspense", null, {}],
  ];
  for (const [path, page, id, query] of cases) {
    it(`reads #/lender/${path.join("/")}`, () => {
      const route = lenderRouteOf(path);
      expect({ page: route.page, id: route.id, query: Object.fromEntries(route.query) }).to.deep.equal({
        page,
        id,
        query,
      });
    });
  }
});

describe("lenderHref", () => {
  it("writes the hash each route is read from", () => {
    expect(lenderHref("portfolio")).to.equal("#/lender");
    expect(lenderHref("loans", "7")).to.equal("#/lender/loans/7");
    expect(lenderHref("loans", null, { status: "Late", page: "2" })).to.equal("#/lender/loans?status=Late&page=2");
    expect(lenderHref("contacts", null, { loanId: "3" })).to.equal("#/lender/contacts?loanId=3");
  });

  it("round-trips through lenderRouteOf (as main.ts splits the hash)", () => {
    const hash = lenderHref("loans", "12", { tx: "0xabc" });
    const route = lenderRouteOf(hash.replace(/^#\/lender\/?/, "").split("/"));
    expect([route.page, route.id, route.query.get("tx")]).to.deep.equal(["loans", "12", "0xabc"]);
  });
});
