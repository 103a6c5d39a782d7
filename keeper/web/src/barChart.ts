/**
 * A tiny bar chart as inline SVG (no library, nothing loaded): one bar per datum with its value and its label, in
 * columns (`barChartLayout`: values above, labels under) or in rows (`horizontal`, `rowChartLayout`: labels in a
 * column on the left, values after the bars), which keeps long labels readable on a phone. The layouts are pure
 * geometry; `barChart` draws them with a document's elements. Each bar's group carries `data-label` and `data-value`.
 */

export interface BarDatum {
  readonly label: string;
  readonly value: number;
  /** Written by the bar instead of the value (an amount with its currency, a count with an amount). */
  readonly text?: string;
  /** Where the bar leads (the loans behind it): the bar becomes a link. */
  readonly href?: string;
}

export interface BarChartOptions {
  readonly width?: number;
  /** Columns only: rows take `ROW_HEIGHT` each. */
  readonly height?: number;
  /** The chart's accessible name. */
  readonly title?: string;
  /** Bars in rows, left to right from a column of labels, instead of columns. */
  readonly horizontal?: boolean;
}

export interface BarLayout {
  readonly label: string;
  readonly value: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const SVG_NS = "http://www.w3.org/2000/svg";
const DEFAULT_WIDTH = 480;
const DEFAULT_HEIGHT = 220;
/** Room above the bars for their values and below them for their labels, in chart units. */
const TOP_MARGIN = 20;
const BOTTOM_MARGIN = 28;
/** The share of each slot a bar fills, and the widest a bar gets (a lone bar stays a bar). */
const BAR_FILL = 0.7;
const MAX_BAR_WIDTH = 72;
/** Rows: the height of each, the share of the width the labels take, and the room kept after a bar for its value. */
export const ROW_HEIGHT = 28;
const LABEL_SHARE = 0.36;
const VALUE_ROOM = 120;
/** The gap between a label or a bar and its text, and between the chart's edge and the first row. */
const TEXT_GAP = 6;
const ROW_PADDING = 4;

/** Each bar's place and size: slots of equal width, heights proportional to the largest value (0 for none). */
export function barChartLayout(data: readonly BarDatum[], width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT): BarLayout[] {
  const plotHeight = height - TOP_MARGIN - BOTTOM_MARGIN;
  const max = Math.max(0, ...data.map((datum) => datum.value));
  const slot = data.length === 0 ? 0 : width / data.length;
  const barWidth = Math.min(slot * BAR_FILL, MAX_BAR_WIDTH);
  return data.map((datum, index) => {
    const barHeight = max === 0 ? 0 : (Math.max(0, datum.value) / max) * plotHeight;
    return {
      label: datum.label,
      value: datum.value,
      x: index * slot + (slot - barWidth) / 2,
      y: TOP_MARGIN + plotHeight - barHeight,
      width: barWidth,
      height: barHeight,
    };
  });
}

/** The height of a row chart of `rows` rows. */
export const rowChartHeight = (rows: number): number => rows * ROW_HEIGHT + 2 * ROW_PADDING;

/**
 * Each bar of a row chart: one row per datum, top to bottom, bars starting after the label column, lengths
 * proportional to the largest value (0 for none), leaving `VALUE_ROOM` for the value's text.
 */
export function rowChartLayout(data: readonly BarDatum[], width = DEFAULT_WIDTH): BarLayout[] {
  const start = width * LABEL_SHARE;
  const plotWidth = Math.max(0, width - start - VALUE_ROOM);
  const max = Math.max(0, ...data.map((datum) => datum.value));
  const thickness = ROW_HEIGHT * BAR_FILL;
  return data.map((datum, index) => ({
    label: datum.label,
    value: datum.value,
    x: start,
    y: ROW_PADDING + index * ROW_HEIGHT + (ROW_HEIGHT - thickness) / 2,
    width: max === 0 ? 0 : (Math.max(0, datum.value) / max) * plotWidth,
    height: thickness,
  }));
}

/** The subset of `Document` the chart draws with (a test may pass its own). */
export type SvgDocument = Pick<Document, "createElementNS">;

const round = (value: number): string => String(Math.round(value * 100) / 100);

/**
 * An `<svg>` bar chart of `data`, scaled to its container's width (`viewBox`).
 *
 * @example
 * section.append(barChart([{ label: "Active", value: 4 }, { label: "Late", value: 2 }]));
 * section.append(barChart([{ label: "Written off", value: 1, text: "1 · 2,000 TUSD" }], { horizontal: true }));
 */
export function barChart(
  data: readonly BarDatum[],
  options: BarChartOptions = {},
  doc: SvgDocument = document,
): SVGSVGElement {
  const width = options.width ?? DEFAULT_WIDTH;
  const horizontal = options.horizontal === true;
  const height = horizontal ? rowChartHeight(data.length) : (options.height ?? DEFAULT_HEIGHT);
  const element = <K extends keyof SVGElementTagNameMap>(
    name: K,
    attributes: Record<string, string>,
    ...children: SVGElement[]
  ) => {
    const node = doc.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    node.append(...children);
    return node;
  };
  const svg = element("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: horizontal ? "chart rows" : "chart",
    role: "img",
  });
  if (options.title !== undefined) {
    svg.setAttribute("aria-label", options.title);
    const title = element("title", {});
    title.textContent = options.title;
    svg.append(title);
  }
  const bars = horizontal ? rowChartLayout(data, width) : barChartLayout(data, width, height);
  bars.forEach((bar, index) => {
    const group = element("g", { "data-label": bar.label, "data-value": String(bar.value) });
    group.append(
      element("rect", {
        class: "bar",
        x: round(bar.x),
        y: round(bar.y),
        width: round(bar.width),
        height: round(bar.height),
      }),
    );
    const middle = bar.y + bar.height / 2 + 4;
    const value = horizontal
      ? element("text", { x: round(bar.x + bar.width + TEXT_GAP), y: round(middle), "text-anchor": "start" })
      : element("text", { x: round(bar.x + bar.width / 2), y: round(bar.y - TEXT_GAP), "text-anchor": "middle" });
    value.textContent = data[index]!.text ?? String(bar.value);
    const label = horizontal
      ? element("text", { x: round(bar.x - TEXT_GAP), y: round(middle), "text-anchor": "end" })
      : element("text", {
          x: round(bar.x + bar.width / 2),
          y: String(height - BOTTOM_MARGIN / 2 + 4),
          "text-anchor": "middle",
        });
    label.textContent = bar.label;
    group.append(value, label);
    const link = data[index]!.href;
    if (link === undefined) svg.append(group);
    else svg.append(element("a", { href: link, class: "bar-link" }, group));
  });
  return svg;
}
