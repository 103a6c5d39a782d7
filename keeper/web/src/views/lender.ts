/**
 * `#/lender/...`: the lender's pages under one set of tabs (`lender/route.ts`): the portfolio, the loans and each
 * loan, a new template, the bank suspense queue and the contact log. The keeper decides who may see them: on its
 * 401 (nobody signed in) or 403 (not a lender) the page asks to sign in with a lender's wallet instead, and a loan it
 * does not follow (404) or whose claim another lender holds (403 `forbidden_loan`) is said to be so.
 */
import { ApiError } from "../api.ts";
import { h } from "../dom.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { View, ViewContext } from "./context.ts";
import { contactLogPage } from "./lender/contactLog.ts";
import { loanDetailPage } from "./lender/loanDetail.ts";
import { loanListPage } from "./lender/loanList.ts";
import { offersPage } from "./lender/offers.ts";
import { portfolioPage } from "./lender/portfolio.ts";
import { lenderHref, lenderRouteOf, LENDER_PAGES, type LenderPage, type LenderRoute } from "./lender/route.ts";
import { suspensePage } from "./lender/suspense.ts";
import { templateFormPage } from "./lender/templateForm.ts";

const TAB_LABELS: Readonly<Record<LenderPage, MessageKey>> = {
  portfolio: "tabPortfolio",
  loans: "tabLoans",
  offers: "tabOffers",
  templates: "tabTemplates",
  suspense: "tabSuspense",
  contacts: "tabContacts",
};

const PAGES: Readonly<Record<LenderPage, (context: ViewContext, route: LenderRoute) => Promise<HTMLElement>>> = {
  portfolio: portfolioPage,
  loans: (context, route) => (route.id === null ? loanListPage(context, route) : loanDetailPage(context, route)),
  offers: offersPage,
  templates: templateFormPage,
  suspense: suspensePage,
  contacts: contactLogPage,
};

/** The keeper's refusal of someone who is not a signed-in lender: what to do about it. */
function signInNotice(context: ViewContext, error: ApiError): HTMLElement {
  const { t } = context;
  return h(
    "div",
    { class: "card notice-card", "data-testid": "lender-sign-in", "data-status": String(error.status) },
    h("p", {}, h("strong", {}, t(error.status === 401 ? "lenderSignInNeeded" : "lenderRoleNeeded"))),
    h("p", { class: "notice" }, t("lenderSignInHow")),
  );
}

/** The keeper's answer about one loan that the page cannot show: unknown, or another lender's. */
const loanNotice = (context: ViewContext, error: ApiError): HTMLElement =>
  h(
    "p",
    { class: "card notice-card", "data-testid": "loan-unavailable", "data-status": String(error.status) },
    context.t(error.status === 404 ? "loanUnknown" : "loanNotYours"),
  );

export const lenderView: View = async (context) => {
  const { t } = context;
  const route = lenderRouteOf(context.path);
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": t("lenderTitle") },
    ...LENDER_PAGES.map((page) =>
      h(
        "a",
        { href: lenderHref(page), ...(page === route.page ? { "aria-current": "page" } : {}) },
        t(TAB_LABELS[page]),
      ),
    ),
  );
  const section = h(
    "section",
    { "data-view": "lender", "data-lender-page": route.page },
    h("h2", {}, t("lenderTitle")),
    tabs,
  );
  try {
    section.append(await PAGES[route.page](context, route));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === "forbidden_loan" || error.code === "unknown_loan") section.append(loanNotice(context, error));
    else if (error.status === 401 || error.status === 403) section.append(signInNotice(context, error));
    else throw error;
  }
  return section;
};
