/** Plain-text tables for terminal output: padded columns, a rule under the header and above the footer. */

export type Align = "left" | "right";

export interface TableParameters {
  header: readonly string[];
  rows: readonly (readonly string[])[];
  /** Rows set off below a rule, e.g. totals. */
  footer?: readonly (readonly string[])[];
  /** Alignment of each column; right when not given. */
  align?: readonly Align[];
}

const COLUMN_GAP = "  ";

/**
 * The table as lines of text (no trailing spaces), each column as wide as its widest cell.
 *
 * @example
 * renderTable({ header: ["#", "amount"], rows: [["1", "5"], ["2", "100"]] });
 * // ["#  amount", "-  ------", "1       5", "2     100"]
 */
export function renderTable({ header, rows, footer = [], align = [] }: TableParameters): string[] {
  const all = [header, ...rows, ...footer];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]): string =>
    widths
      .map((width, column) => {
        const cell = row[column] ?? "";
        return (align[column] ?? "right") === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(COLUMN_GAP)
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join(COLUMN_GAP);
  const lines = [line(header), rule, ...rows.map(line)];
  if (footer.length > 0) lines.push(rule, ...footer.map(line));
  return lines;
}
