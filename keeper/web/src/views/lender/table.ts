/**
 * A table that stays on a phone's screen: each cell carries its column's name (`data-label`), which `styles.css`
 * shows beside the value when the rows turn into cards on a narrow screen.
 */
import { h } from "../../dom.ts";

export interface Column<Row> {
  readonly header: string;
  cell(row: Row): Node | string;
  /** Right-aligned (amounts, counts). */
  readonly numeric?: boolean;
}

/**
 * @example
 * dataTable([{ header: t("loan"), cell: (loan) => loan.id }], loans, { "data-testid": "loans" });
 */
export function dataTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  attributes: Readonly<Record<string, string>> = {},
  rowAttributes: (row: Row) => Readonly<Record<string, string>> = () => ({}),
): HTMLTableElement {
  return h(
    "table",
    { ...attributes, class: "data" },
    h(
      "thead",
      {},
      h("tr", {}, ...columns.map((column) => h("th", column.numeric ? { class: "num" } : {}, column.header))),
    ),
    h(
      "tbody",
      {},
      ...rows.map((row) =>
        h(
          "tr",
          rowAttributes(row),
          ...columns.map((column) =>
            h("td", { "data-label": column.header, ...(column.numeric ? { class: "num" } : {}) }, column.cell(row)),
          ),
        ),
      ),
    ),
  );
}
