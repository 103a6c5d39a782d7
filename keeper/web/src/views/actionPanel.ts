/**
 * One thing a user can do on a page: a titled panel with its inputs and one button. Clicking runs the step, shows
 * "working" while the wallet and the chain answer, then the outcome: done (with the transaction) or the refusal, named
 * as the contract or the keeper named it. A finished step redraws the page from fresh data.
 */
import { ApiError } from "../api.ts";
import { revertReason } from "../chain.ts";
import { h } from "../dom.ts";
import type { ViewContext } from "./context.ts";

/** How long "done" stays on screen before the page is redrawn with the new state. */
const REFRESH_AFTER_MS = 1_500;

export interface ActionPanelParameters {
  readonly title: string;
  /** `data-action` of the panel, for tests and styling. */
  readonly name: string;
  readonly body: readonly (Node | string)[];
  readonly button: string;
  /** Does the step; what it returns is shown once done (e.g. the transaction hash). */
  run(): Promise<string>;
}

/** The refusal's words: the contract's error name, the keeper's code and message, or the wallet's. */
export function refusalOf(error: unknown): string {
  if (error instanceof ApiError) return `${error.code ?? error.status}: ${error.message}`;
  return revertReason(error);
}

export function actionPanel(context: ViewContext, parameters: ActionPanelParameters): HTMLElement {
  const { t } = context;
  const button = h("button", { class: "primary", type: "button", "data-testid": `${parameters.name}-submit` });
  button.textContent = parameters.button;
  const outcome = h("p", { class: "outcome", role: "status", "data-testid": `${parameters.name}-outcome` });
  button.addEventListener("click", async () => {
    button.disabled = true;
    outcome.className = "outcome";
    outcome.textContent = t("working");
    try {
      const result = await parameters.run();
      outcome.className = "outcome done";
      outcome.textContent = `${t("done")} ${result}`;
      setTimeout(() => context.refresh(), REFRESH_AFTER_MS);
    } catch (error) {
      outcome.className = "outcome error";
      outcome.textContent = `${t("refused")}: ${refusalOf(error)}`;
      button.disabled = false;
    }
  });
  const panel = h(
    "details",
    { class: "action", "data-action": parameters.name },
    h("summary", {}, parameters.title),
    ...parameters.body,
    button,
    outcome,
  );
  // A refusal is about what was asked: editing the inputs clears it.
  panel.addEventListener("input", () => {
    if (outcome.classList.contains("error")) outcome.replaceChildren();
  });
  return panel;
}
