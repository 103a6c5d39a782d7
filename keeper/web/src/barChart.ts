/**
 * A tiny bar chart as inline SVG (no library, nothing loaded): one bar per datum, its value above it and its label
 * under it. `barChartLayout` is the geometry, pure; `barChart` draws it with a document's elements.
 */

export interface BarDatum {
  readonly label: string;
  readonly value: number;
}

export interface BarChartOptions {
  readonly width?: number;
  readonly height?: number;
  /** The chart's accessible name. */
  readonly title?: string;
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

/** The subset of `Document` the chart draws with (a test may pass its own). */
export type SvgDocument = Pick<Document, "createElementNS">;

const round = (value: number): string => String(Math.round(value * 100) / 100);

/**
 * An `<svg>` bar chart of `data`, scaled to its container's width (`viewBox`).
 *
 * @example
 * section.append(barChart([{ label: "Active", value: 4 }, { label: "Late", value: 2 }]));
 */
export function barChart(
  data: readonly BarDatum[],
  options: BarChartOptions = {},
  doc: SvgDocument = document,
): SVGSVGElement {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const element = <K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string>) => {
    const node = doc.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    return node;
  };
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  if (options.title !== undefined) {
    svg.setAttribute("aria-label", options.title);
    const title = element("title", {});
    title.textContent = options.title;
    svg.append(title);
  }
  for (const bar of barChartLayout(data, width, height)) {
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
    const value = element("text", { x: round(bar.x + bar.width / 2), y: round(bar.y - 6), "text-anchor": "middle" });
    value.textContent = String(bar.value);
    const label = element("text", {
      x: round(bar.x + bar.width / 2),
      y: String(height - BOTTOM_MARGIN / 2 + 4),
      "text-anchor": "middle",
    });
    label.textContent = bar.label;
    group.append(value, label);
    svg.append(group);
  }
  return svg;
}
