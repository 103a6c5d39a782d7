/**
 * `#/lender`: the portfolio at a glance for a credit officer: totals, loans and principal by status, the arrears
 * ageing, the recovery funnel and the monthly collections, drawn from `GET /api/portfolio`. The open page polls the
 * keeper every `PORTFOLIO_REFRESH_MS` and redraws when anything changed (the chain moved, a payment came in), so
 * the charts follow the book without a reload. Below the totals, the offers the keeper's origination checks refused,
 * counted by reason (`refused-originations`).
 */
import { barChart, type BarDatum } from "../../barChart.ts";
import { h } from "../../dom.ts";
import type { MessageKey } from "../../i18n/index.ts";
import { getPortfolio, type PortfolioJson, type RecoveryFunnelJson } from "../../lenderApi.ts";
import { formatAmount, formatDate, statusLabel, type ViewContext } from "../context.ts";
import { compactAmount, tokens } from "./format.ts";
import { lenderHref } from "./route.ts";

/** How often the open portfolio asks the keeper again. */
export const PORTFOLIO_REFRESH_MS = 3_000;

const AGEING_LABELS: Readonly<Record<string, MessageKey>> = {
  current: "ageingCurrent",
  "1-30": "ageing1to30",
  "31-60": "ageing31to60",
  "61-90": "ageing61to90",
  "90+": "ageing90plus",
};

/** The recovery funnel's steps, in the order a loan goes through them. */
const FUNNEL_STEPS: readonly [keyof Omit<RecoveryFunnelJson, "writtenOffAmount">, MessageKey][] = [
  ["defaulted", "funnelDefaulted"],
  ["certified", "funnelCertified"],
  ["committed", "funnelCommitted"],
  ["settled", "funnelSettled"],
  ["enforced", "funnelEnforced"],
  ["writtenOff", "funnelWrittenOff"],
];

/** The origination checks' reason codes (keeper/src/core/originationChecks.ts), in their order. */
const REFUSAL_LABELS: readonly [string, MessageKey][] = [
  ["identity_attestation_missing", "refusalIdentityMissing"],
  ["identity_attestation_invalid", "refusalIdentityInvalid"],
  ["open_default_elsewhere", "refusalOpenDefault"],
  ["collateral_pledged", "refusalCollateralPledged"],
  ["value_unknown", "refusalValueUnknown"],
  ["loan_to_value_too_high", "refusalLoanToValue"],
  ["tracker_alarm", "refusalTrackerAlarm"],
  ["collateral_not_priced", "refusalNotPriced"],
];

/** The refused originations panel: the total, then each reason's count (a code this page does not know, as is). */
function refusalsPanel(context: ViewContext, refused: NonNullable<PortfolioJson["refusedOriginations"]>): HTMLElement {
  const { t } = context;
  const known = new Map(REFUSAL_LABELS);
  const codes = [
    ...REFUSAL_LABELS.map(([code]) => code),
    ...Object.keys(refused.byReason).filter((code) => !known.has(code)),
  ];
  const lines: [string, string, number][] = [["total", t("refusedOriginationsTotal"), refused.total]];
  for (const code of codes) {
    const count = refused.byReason[code] ?? 0;
    if (count > 0) lines.push([code, known.has(code) ? t(known.get(code)!) : code, count]);
  }
  return h(
    "section",
    { class: "refused-originations", "data-testid": "refused-originations" },
    h("h3", {}, t("refusedOriginations")),
    h(
      "dl",
      { class: "totals" },
      ...lines.map(([code, term, count]) =>
        h("div", { "data-reason": code }, h("dt", {}, term), h("dd", {}, String(count))),
      ),
    ),
  );
}

/** A titled chart, named by `data-chart` for the tests and the reader's eye. */
const figure = (name: string, title: string, chart: SVGSVGElement): HTMLElement => {
  const element = h("figure", { class: "chart-card", "data-chart": name }, h("figcaption", {}, title));
  element.append(chart);
  return element;
};

/** Every part of the page for `portfolio`. */
function portfolioParts(context: ViewContext, portfolio: PortfolioJson): HTMLElement[] {
  const { t } = context;
  const money = (units: string) => formatAmount(context, units);
  const totals: [string, string, string][] = [
    ["total-loans", t("totalLoans"), String(portfolio.loans)],
    ["total-principal", t("principalLent"), money(portfolio.principal)],
    ["arrears-loans", t("loansOwing"), String(portfolio.arrears.loans)],
    ["arrears-outstanding", t("outstanding"), money(portfolio.arrears.outstanding)],
    ["written-off", t("writtenOffAmount"), money(portfolio.recovery.writtenOffAmount)],
  ];
  const statuses = portfolio.byStatus.map((line) => ({ ...line, label: statusLabel(t, line.status) }));
  // A status's bar leads to its loans.
  const byStatus: BarDatum[] = statuses.map((line) => ({
    label: line.label,
    value: line.loans,
    href: lenderHref("loans", null, { status: line.status }),
  }));
  const principal: BarDatum[] = statuses.map((line) => ({
    label: line.label,
    value: tokens(context, line.principal),
    text: compactAmount(context, line.principal),
  }));
  const ageing: BarDatum[] = portfolio.arrears.buckets.map((bucket) => ({
    label: AGEING_LABELS[bucket.bucket] === undefined ? bucket.bucket : t(AGEING_LABELS[bucket.bucket]!),
    value: bucket.loans,
    text: `${bucket.loans} · ${compactAmount(context, bucket.outstanding)}`,
  }));
  const funnel: BarDatum[] = FUNNEL_STEPS.map(([step, key]) => ({ label: t(key), value: portfolio.recovery[step] }));
  const month = new Intl.DateTimeFormat(context.locale, { month: "short", timeZone: "UTC" });
  const collections: BarDatum[] = portfolio.collections.map((line) => ({
    label: month.format(new Date(`${line.month}-01T00:00:00Z`)),
    value: tokens(context, line.amount),
    text: compactAmount(context, line.amount),
  }));
  return [
    h(
      "p",
      { class: "notice" },
      `${t("portfolioAsOf")} `,
      h(
        "span",
        { "data-testid": "portfolio-as-of", "data-as-of": portfolio.asOf },
        formatDate(context, portfolio.asOf),
      ),
      ` · ${t("portfolioRefreshes")}`,
    ),
    h(
      "dl",
      { class: "totals" },
      ...totals.map(([id, term, value]) => h("div", {}, h("dt", {}, term), h("dd", { "data-testid": id }, value))),
    ),
    ...(portfolio.refusedOriginations === undefined ? [] : [refusalsPanel(context, portfolio.refusedOriginations)]),
    h(
      "div",
      { class: "charts" },
      figure(
        "loans-by-status",
        t("loansByStatus"),
        barChart(byStatus, { title: t("loansByStatus"), horizontal: true }),
      ),
      figure(
        "principal-by-status",
        t("principalByStatus"),
        barChart(principal, { title: t("principalByStatus"), horizontal: true }),
      ),
      figure("ageing", t("arrearsAgeing"), barChart(ageing, { title: t("arrearsAgeing"), horizontal: true })),
      figure("funnel", t("recoveryFunnel"), barChart(funnel, { title: t("recoveryFunnel"), horizontal: true })),
      figure("collections", t("monthlyCollections"), barChart(collections, { title: t("monthlyCollections") })),
    ),
  ];
}

/**
 * The portfolio page; throws the keeper's refusal (`ApiError` 401/403) when the caller is not a lender.
 *
 * @example
 * section.append(await portfolioPage(context));
 */
export async function portfolioPage(context: ViewContext): Promise<HTMLElement> {
  let portfolio = await getPortfolio();
  const page = h("div", { "data-page": "portfolio" });
  const draw = () => page.replaceChildren(...portfolioParts(context, portfolio));
  draw();
  let shown = JSON.stringify(portfolio);
  const timer = setInterval(async () => {
    // Stops once the page has left the screen (another page, a new render): it is shown long before the first tick.
    if (!page.isConnected) return clearInterval(timer);
    const next = await getPortfolio().catch(() => null);
    const text = JSON.stringify(next);
    if (next === null || text === shown || !page.isConnected) return;
    portfolio = next;
    shown = text;
    draw();
  }, PORTFOLIO_REFRESH_MS);
  return page;
}
