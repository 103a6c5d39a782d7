import { describe, it } from "node:test";
import { expect } from "chai";
import { barChart, barChartLayout, ROW_HEIGHT, rowChartHeight, rowChartLayout, type SvgDocument } from "./barChart.ts";

/** A document just big enough for `barChart`: elements with a name, attributes, text and children. */
interface FakeElement {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly children: FakeElement[];
  textContent: string | null;
  setAttribute(key: string, value: string): void;
  append(...children: FakeElement[]): void;
}
const fakeDocument = {
  createElementNS: (_namespace: string, name: string): FakeElement => {
    const element: FakeElement = {
      name,
      attributes: new Map(),
      children: [],
      textContent: null,
      setAttribute: (key, value) => void element.attributes.set(key, value),
      append: (...children) => void element.children.push(...children),
    };
    return element;
  },
} as unknown as SvgDocument;

const chart = (...arguments_: Parameters<typeof barChart>) => barChart(...arguments_) as unknown as FakeElement;

describe("barChartLayout", () => {
  const cases = [
    { name: "no data", data: [], heights: [] },
    { name: "all zero", data: [{ label: "a", value: 0 }], heights: [0] },
    {
      name: "proportional to the largest",
      data: [
        { label: "a", value: 4 },
        { label: "b", value: 2 },
        { label: "c", value: 1 },
      ],
      heights: [172, 86, 43],
    },
    {
      name: "a negative value draws nothing",
      data: [
        { label: "a", value: -3 },
        { label: "b", value: 3 },
      ],
      heights: [0, 172],
    },
  ];
  for (const { name, data, heights } of cases) {
    it(`lays out bars: ${name}`, () => {
      const bars = barChartLayout(data, 480, 220);
      expect(bars.map((bar) => bar.height)).to.deep.equal(heights);
      for (const bar of bars) {
        // Every bar stands on the baseline and stays inside the chart.
        expect(bar.y + bar.height).to.equal(220 - 28);
        expect(bar.x).to.be.at.least(0);
        expect(bar.x + bar.width).to.be.at.most(480);
      }
    });
  }

  it("gives each bar its own slot, left to right", () => {
    const bars = barChartLayout(
      Array.from({ length: 8 }, (_, index) => ({ label: String(index), value: index + 1 })),
      400,
      200,
    );
    for (let index = 1; index < bars.length; index++) {
      expect(bars[index]!.x).to.be.at.least(bars[index - 1]!.x + bars[index - 1]!.width);
    }
  });
});

describe("rowChartLayout", () => {
  it("gives each datum a row, top to bottom, bars from one start, lengths proportional to the largest", () => {
    const bars = rowChartLayout(
      [
        { label: "defaulted", value: 4 },
        { label: "certified", value: 1 },
        { label: "written off", value: 0 },
      ],
      480,
    );
    expect(new Set(bars.map((bar) => bar.x)).size).to.equal(1);
    expect(bars[0]!.width).to.equal(bars[1]!.width * 4);
    expect(bars[2]!.width).to.equal(0);
    for (let index = 1; index < bars.length; index++) {
      expect(bars[index]!.y).to.equal(bars[index - 1]!.y + ROW_HEIGHT);
    }
    // The longest bar leaves room for its value inside the chart.
    expect(bars[0]!.x + bars[0]!.width).to.be.at.most(480 - 100);
    expect(bars.at(-1)!.y + bars.at(-1)!.height).to.be.at.most(rowChartHeight(3));
  });

  it("draws nothing for all-zero or negative values", () => {
    expect(rowChartLayout([{ label: "a", value: 0 }]).map((bar) => bar.width)).to.deep.equal([0]);
    expect(
      rowChartLayout([
        { label: "a", value: -2 },
        { label: "b", value: 2 },
      ]).map((bar) => bar.width)[0],
    ).to.equal(0);
  });
});

describe("barChart", () => {
  it("draws rows with the label before the bar and the datum's text after it", () => {
    const svg = chart(
      [
        { label: "Late", value: 3, text: "3 · 1,200 TUSD" },
        { label: "Active", value: 1 },
      ],
      { horizontal: true, width: 400 },
      fakeDocument,
    );
    expect(svg.attributes.get("viewBox")).to.equal(`0 0 400 ${rowChartHeight(2)}`);
    expect(svg.attributes.get("class")).to.equal("chart rows");
    const groups = svg.children.filter((child) => child.name === "g");
    expect(groups.map((group) => group.attributes.get("data-value"))).to.deep.equal(["3", "1"]);
    const [late] = groups;
    const texts = late!.children.filter((child) => child.name === "text");
    expect(texts.map((text) => text.textContent)).to.deep.equal(["3 · 1,200 TUSD", "Late"]);
    expect(texts.map((text) => text.attributes.get("text-anchor"))).to.deep.equal(["start", "end"]);
  });

  it("draws an svg with a bar, a value and a label per datum", () => {
    const svg = chart(
      [
        { label: "Active", value: 4 },
        { label: "Late", value: 2 },
      ],
      { title: "Loans by status", width: 300, height: 150 },
      fakeDocument,
    );
    expect(svg.name).to.equal("svg");
    expect(svg.attributes.get("viewBox")).to.equal("0 0 300 150");
    expect(svg.attributes.get("aria-label")).to.equal("Loans by status");
    const groups = svg.children.filter((child) => child.name === "g");
    expect(groups.map((group) => group.attributes.get("data-label"))).to.deep.equal(["Active", "Late"]);
    const [active, late] = groups.map((group) => ({
      height: Number(group.children.find((child) => child.name === "rect")!.attributes.get("height")),
      texts: group.children.filter((child) => child.name === "text").map((text) => text.textContent),
    }));
    expect(active!.texts).to.deep.equal(["4", "Active"]);
    expect(late!.texts).to.deep.equal(["2", "Late"]);
    expect(active!.height).to.equal(late!.height * 2);
  });

  it("makes a bar with an href a link around its group", () => {
    const svg = chart(
      [
        { label: "Late", value: 2, href: "#/lender/loans?status=Late" },
        { label: "Active", value: 1 },
      ],
      { horizontal: true },
      fakeDocument,
    );
    const [late, active] = svg.children.filter((child) => child.name !== "title");
    expect(late!.name).to.equal("a");
    expect(late!.attributes.get("href")).to.equal("#/lender/loans?status=Late");
    expect(late!.children.map((child) => [child.name, child.attributes.get("data-value")])).to.deep.equal([["g", "2"]]);
    expect(active!.name).to.equal("g");
  });

  it("draws no style attribute (the app's CSP allows no inline style)", () => {
    const svg = chart([{ label: "a", value: 1 }], {}, fakeDocument);
    const all = (element: FakeElement): FakeElement[] => [element, ...element.children.flatMap(all)];
    expect(all(svg).filter((element) => element.attributes.has("style"))).to.deep.equal([]);
  });
});
