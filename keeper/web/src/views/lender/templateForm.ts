/**
 * `#/lender/templates`: a new loan product. The form's schedule preview is the contract's own math
 * (`scheduleMath.ts`), drawn again on every keystroke; "Publish" sends `publishTemplate` from the connected lender
 * wallet (`chain.ts`: simulated, signed, mined) and shows the new template's id from its `TemplatePublished` event,
 * or the contract's error by name. The token is the book's latest template's, unless the lender types another.
 */
import { parseEventLogs, type Address } from "viem";
import { bookChain, loanBookAbi, revertReason } from "../../chain.ts";
import { h } from "../../dom.ts";
import type { MessageKey } from "../../i18n/index.ts";
import { MathRuleError } from "../../../../src/core/mathError.ts";
import { schedule, SECONDS_PER_DAY, type Installment } from "../../../../src/core/scheduleMath.ts";
import { formatAmount, type ViewContext } from "../context.ts";
import { dataTable } from "./table.ts";
import {
  COLLATERAL_KINDS,
  FORM_KINDS,
  PREPAYMENT_RULES,
  TEMPLATE_DEFAULTS,
  templateTermsOf,
  type TemplateField,
  type TemplateFormValues,
} from "./templateTerms.ts";

interface FieldSpec {
  readonly field: TemplateField;
  readonly label: MessageKey;
  /** The choices of a select, with their labels. */
  readonly options?: readonly (readonly [value: string, label: MessageKey])[];
}

type Options = FieldSpec["options"];
const KIND_OPTIONS = [
  ["annuity", "kindAnnuity"],
  ["equalPrincipal", "kindEqualPrincipal"],
  ["interestOnly", "kindInterestOnly"],
  ["bullet", "kindBullet"],
] as const satisfies Options & readonly (readonly [(typeof FORM_KINDS)[number], MessageKey])[];
const COLLATERAL_OPTIONS = [
  ["None", "collateralNone"],
  ["ERC20", "collateralERC20"],
  ["ERC721", "collateralERC721"],
  ["OffChain", "collateralOffChain"],
] as const satisfies Options & readonly (readonly [keyof typeof COLLATERAL_KINDS, MessageKey])[];
const PREPAYMENT_OPTIONS = [
  ["ShortenTerm", "prepaymentShortenTerm"],
  ["LowerInstallments", "prepaymentLowerInstallments"],
] as const satisfies Options & readonly (readonly [keyof typeof PREPAYMENT_RULES, MessageKey])[];

/** The form's fields, by group. */
const GROUPS: readonly (readonly [MessageKey, readonly FieldSpec[]])[] = [
  [
    "templateScheduleGroup",
    [
      { field: "kind", label: "scheduleKind", options: KIND_OPTIONS },
      { field: "ratePercent", label: "ratePercent" },
      { field: "count", label: "installmentCount" },
      { field: "intervalDays", label: "intervalDays" },
      { field: "minPrincipal", label: "minPrincipal" },
      { field: "maxPrincipal", label: "maxPrincipal" },
    ],
  ],
  [
    "templateChargesGroup",
    [
      { field: "flatFee", label: "flatFee" },
      { field: "graceDays", label: "graceDays" },
      { field: "penaltyRatePercent", label: "penaltyRatePercent" },
      { field: "penaltyCapPercent", label: "penaltyCapPercent" },
      { field: "prepaymentRule", label: "prepaymentRule", options: PREPAYMENT_OPTIONS },
      { field: "collateralKind", label: "collateralKind", options: COLLATERAL_OPTIONS },
    ],
  ],
  [
    "templateDefaultGroup",
    [
      { field: "defaultDaysPastDue", label: "defaultDaysPastDue" },
      { field: "defaultMissedInstallments", label: "defaultMissedInstallments" },
      { field: "objectionWindowDays", label: "objectionWindowDays" },
      { field: "requiresNotary", label: "requiresNotary" },
    ],
  ],
  [
    "templateCommitmentGroup",
    [
      { field: "commitmentMaxInstallments", label: "commitmentMaxInstallments" },
      { field: "commitmentMaxSpanDays", label: "commitmentMaxSpanDays" },
      { field: "commitmentMinFirstPaymentPercent", label: "commitmentMinFirstPaymentPercent" },
      { field: "commitmentGraceDays", label: "commitmentGraceDays" },
    ],
  ],
  ["templateTokenGroup", [{ field: "token", label: "tokenAddress" }]],
];

const LABELS = new Map<TemplateField, MessageKey>([
  ...GROUPS.flatMap(([, fields]) => fields.map((spec) => [spec.field, spec.label] as const)),
  ["previewPrincipal", "previewPrincipal"],
]);

/** An input (text, checkbox or select) for `spec`, named by the field, holding `value`. */
function fieldInput(context: ViewContext, spec: FieldSpec, value: string | boolean): HTMLElement {
  const { t } = context;
  const id = `template-${spec.field}`;
  const common = { id, name: spec.field, "data-testid": id };
  let input: HTMLElement;
  if (spec.options !== undefined) {
    input = h(
      "select",
      common,
      ...spec.options.map(([option, label]) =>
        h("option", option === value ? { value: option, selected: "" } : { value: option }, t(label)),
      ),
    );
  } else if (typeof value === "boolean") {
    input = h("input", { ...common, type: "checkbox", ...(value ? { checked: "" } : {}) });
  } else {
    const mode: Record<string, string> =
      spec.field === "token" ? { spellcheck: "false", autocomplete: "off" } : { inputmode: "decimal" };
    input = h("input", { ...common, type: "text", value, ...mode });
  }
  const kind = typeof value === "boolean" ? "field check" : spec.field === "token" ? "field wide" : "field";
  return h("div", { class: kind }, h("label", { for: id }, t(spec.label)), input);
}

/** The form's values as typed. */
function valuesOf(form: HTMLFormElement): TemplateFormValues {
  const read = (field: TemplateField) => {
    const element = form.elements.namedItem(field) as HTMLInputElement | HTMLSelectElement | null;
    return element === null ? "" : element.value;
  };
  const values: Record<string, string | boolean> = {};
  for (const field of Object.keys(TEMPLATE_DEFAULTS) as TemplateField[]) values[field] = read(field);
  values.requiresNotary = (form.elements.namedItem("requiresNotary") as HTMLInputElement).checked;
  return values as unknown as TemplateFormValues;
}

/** The preview of `values`: the installment table with its totals, or why there is none. */
function previewOf(context: ViewContext, values: TemplateFormValues): HTMLElement {
  const { t } = context;
  const { preview, invalid } = templateTermsOf(values, context.display.tokenDecimals);
  if (preview === null) {
    const names = invalid.map((field) => t(LABELS.get(field)!)).join(", ");
    return h("p", { class: "error", "data-testid": "preview-invalid" }, `${t("invalidFields")}: ${names}`);
  }
  let table: Installment[];
  try {
    table = schedule(preview);
  } catch (error) {
    const name = error instanceof MathRuleError ? error.errorName : String(error);
    return h("p", { class: "error", "data-testid": "preview-error" }, `${t("scheduleRefused")}: ${name}`);
  }
  const money = (units: bigint) => formatAmount(context, units);
  const interest = table.reduce((sum, row) => sum + row.interest, 0n);
  return h(
    "div",
    {
      "data-testid": "preview",
      "data-installments": String(table.length),
      "data-total-interest": String(interest),
      "data-first-total": String(table[0]?.total ?? 0n),
    },
    h(
      "p",
      {},
      `${t("totalInterest")}: `,
      h("strong", {}, money(interest)),
      ` · ${t("totalRepaid")}: `,
      h("strong", {}, money(preview.principal + interest)),
    ),
    dataTable<Installment>(
      [
        { header: "#", cell: (row) => String(row.number), numeric: true },
        { header: t("dueDay"), cell: (row) => String(row.dueOffset / SECONDS_PER_DAY), numeric: true },
        { header: t("principal"), cell: (row) => money(row.principal), numeric: true },
        { header: t("interest"), cell: (row) => money(row.interest), numeric: true },
        { header: t("installmentTotal"), cell: (row) => money(row.total), numeric: true },
        { header: t("balanceAfter"), cell: (row) => money(row.balanceAfter), numeric: true },
      ],
      table,
      { "data-testid": "preview-table" },
    ),
  );
}

/** The token of the book's latest template, to start from (empty when there is none or no chain to read). */
async function latestToken(context: ViewContext): Promise<string> {
  const chain = bookChain(context.wallet.provider, context.display);
  if (chain === null) return "";
  try {
    const count = (await chain.read({ abi: loanBookAbi, functionName: "templateCount", args: [] })) as bigint;
    if (count === 0n) return "";
    const template = (await chain.read({ abi: loanBookAbi, functionName: "templateOf", args: [count] })) as {
      token: Address;
    };
    return template.token;
  } catch {
    return "";
  }
}

/**
 * @example
 * section.append(await templateFormPage(context));
 */
export async function templateFormPage(context: ViewContext): Promise<HTMLElement> {
  const { t, wallet, display } = context;
  const values = { ...TEMPLATE_DEFAULTS, token: await latestToken(context) };
  const form = h(
    "form",
    { class: "template-form", "data-testid": "template-form" },
    ...GROUPS.map(([legend, fields]) =>
      h(
        "fieldset",
        {},
        h("legend", {}, t(legend)),
        ...fields.map((spec) => fieldInput(context, spec, values[spec.field])),
      ),
    ),
  );
  const previewAt = fieldInput(
    context,
    { field: "previewPrincipal", label: "previewPrincipal" },
    values.previewPrincipal,
  );
  const preview = h("div", { class: "preview" }, previewOf(context, values));
  const publish = h("button", { type: "submit", class: "primary", "data-testid": "publish" }, t("publishTemplate"));
  const outcome = h("p", { role: "status", "data-testid": "publish-outcome" });
  form.append(
    h("fieldset", {}, h("legend", {}, t("schedulePreview")), previewAt, preview),
    h("p", { class: "actions" }, publish),
    outcome,
  );
  form.addEventListener("input", () => preview.replaceChildren(previewOf(context, valuesOf(form))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { params, invalid } = templateTermsOf(valuesOf(form), display.tokenDecimals);
    const chain = bookChain(wallet.provider, display);
    const from = wallet.state().address;
    const say = (className: string, ...text: (Node | string)[]) => {
      outcome.className = className;
      outcome.replaceChildren(...text);
    };
    if (params === null) {
      return say("error", `${t("invalidFields")}: ${invalid.map((field) => t(LABELS.get(field)!)).join(", ")}`);
    }
    if (chain === null) return say("error", t("noLoanBook"));
    if (from === null) return say("error", t("connectToPublish"));
    publish.disabled = true;
    say("notice", t("publishing"));
    try {
      const receipt = await chain.write(from, {
        abi: loanBookAbi,
        functionName: "publishTemplate",
        args: [params, [], []],
      });
      const [published] = parseEventLogs({ abi: loanBookAbi, eventName: "TemplatePublished", logs: receipt.logs });
      const id = String(published?.args.templateId ?? "?");
      outcome.dataset.templateId = id;
      say(
        "success",
        `${t("templatePublished")} #${id} · `,
        h("code", { title: receipt.transactionHash }, receipt.transactionHash),
      );
    } catch (error) {
      say("error", `${t("publishFailed")}: `, h("code", { "data-testid": "publish-error" }, revertReason(error)));
    } finally {
      publish.disabled = false;
    }
  });
  return h("div", { "data-page": "templates" }, h("p", { class: "notice" }, t("templateIntro")), form);
}
