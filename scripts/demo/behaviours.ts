/**
 * How each borrower behaves, assigned from the seed with a fixed mix, and the story each behaviour tells (the days,
 * counted from origination, on which the borrower, the notary and the keeper act).
 *
 * Days are counted from origination; loans fall due in the afternoon and the day's block comes in the morning
 * (`createWorld.ts`), so that a payment on day 30 is made on the due date, before the due time.
 *
 * Payers: on time (on each due date), late within grace (2 days late), late after grace (9 days late, with the
 * penalty), through the lender's bank (the bank feed reports the payment on the due date; the keeper relays it), or
 * by auto-debit (the borrower opts in; the keeper pulls what is due once it is due).
 * Defaulters stop paying at an installment; the keeper declares the default once the trigger holds, then:
 * - `defaulter`: nothing more (the notary certifies every other one's default two days later);
 * - `commitKeeper`: signs a repayment commitment three days after the default (4 payments, 30 days apart, accepted by
 *   the template's policy) and pays each the day before it is due: the loan is Settled;
 * - `commitBreaker`: the same commitment, but stops paying it: the keeper records the breach after the grace, and the
 *   notary certifies the default two days later;
 * - `objectorUpheld`, `objectorRejected`: file an objection two days after the default; the notary decides two days
 *   later. Upheld: the default is annulled, the borrower pays what is due the next day and then pays on time.
 *   Rejected: the notary certifies the default the next day.
 */
import type { Random } from "./random.ts";
import { COMMITMENT_POLICY, DAY, TEMPLATES, type DemoTemplate } from "./templates.ts";

export const BEHAVIOURS = [
  "onTime",
  "lateInGrace",
  "lateAfterGrace",
  "bankFeed",
  "autoDebit",
  "defaulter",
  "commitKeeper",
  "commitBreaker",
  "objectorUpheld",
  "objectorRejected",
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** The book's mix, in percent (a book of at least ten loans has each behaviour at least once). */
export const MIX: Readonly<Record<Behaviour, number>> = {
  onTime: 30,
  lateInGrace: 10,
  lateAfterGrace: 10,
  bankFeed: 10,
  autoDebit: 5,
  defaulter: 10,
  commitKeeper: 8,
  commitBreaker: 7,
  objectorUpheld: 5,
  objectorRejected: 5,
};

/** Days from an installment's due date to the day a payer pays it. */
export const PAY_OFFSET_DAYS: Readonly<Record<"onTime" | "lateInGrace" | "lateAfterGrace", number>> = {
  onTime: 0,
  lateInGrace: 2,
  lateAfterGrace: 9,
};

/** The days of the enforcement stories, counted from the day the keeper declared the default. */
export const STORY = {
  certifyAfterDefault: 2,
  commitAfterDefault: 3,
  objectAfterDefault: 2,
  decideAfterObjection: 2,
  /** The upheld objector pays what is due the day after the decision; the rejected one is certified then. */
  afterDecision: 1,
  certifyAfterBreach: 2,
} as const;

/** The commitment a defaulter signs: installments, 30 days apart from the day it is signed. */
export const COMMITMENT_INSTALLMENTS = 4;
export const COMMITMENT_INTERVAL_DAYS = 30;

export function isDefaulting(behaviour: Behaviour): boolean {
  return (
    behaviour === "defaulter" ||
    behaviour === "commitKeeper" ||
    behaviour === "commitBreaker" ||
    behaviour === "objectorUpheld" ||
    behaviour === "objectorRejected"
  );
}

/** One loan's script: who, which product, and where its story turns. */
export interface LoanScript {
  readonly behaviour: Behaviour;
  readonly template: DemoTemplate;
  /** Defaulters: the first installment they do not pay (they pay the ones before it on time); 0 otherwise. */
  readonly stopAt: number;
  /** Commitment breakers: the first commitment installment they do not pay; 0 otherwise. */
  readonly breakAt: number;
  /** Plain defaulters: whether the notary certifies the default. */
  readonly certify: boolean;
}

/**
 * The day (from origination) of a story's last step: for a payer, its first payment; for a defaulter, the last step
 * of its enforcement story. A story must end within the horizon, so that every borrower meets the keeper in a run
 * of that many days.
 */
export function storyEndDay(behaviour: Behaviour, template: DemoTemplate, stopAt: number, breakAt: number): number {
  // The trigger holds from the due time plus the days past due, in the afternoon: the next morning's block.
  const defaultDay = template.dueDay(stopAt) + template.defaultAfterDays + 1;
  const graceDays = Math.ceil(COMMITMENT_POLICY.graceSeconds / DAY);
  switch (behaviour) {
    case "onTime":
    case "bankFeed":
    case "autoDebit":
      return template.dueDay(1) + PAY_OFFSET_DAYS.onTime;
    case "lateInGrace":
    case "lateAfterGrace":
      return template.dueDay(1) + PAY_OFFSET_DAYS[behaviour];
    case "defaulter":
      return defaultDay + STORY.certifyAfterDefault;
    case "commitKeeper":
      return defaultDay + STORY.commitAfterDefault + COMMITMENT_INTERVAL_DAYS;
    case "commitBreaker":
      // The breach is recordable the second after the missed installment's due time (a day's block) plus the grace:
      // the next day's block.
      return defaultDay + STORY.commitAfterDefault + breakAt * COMMITMENT_INTERVAL_DAYS + graceDays + 1;
    case "objectorUpheld":
    case "objectorRejected":
      return defaultDay + STORY.objectAfterDefault + STORY.decideAfterObjection + STORY.afterDecision;
  }
}

/**
 * Counts per behaviour for a book of `loans`: one each first (when the book is big enough), the rest by the mix's
 * weights, largest remainder first, ties in the order of BEHAVIOURS.
 */
export function behaviourCounts(loans: number): Map<Behaviour, number> {
  const counts = new Map<Behaviour, number>(BEHAVIOURS.map((b) => [b, 0]));
  let left = loans;
  for (const behaviour of BEHAVIOURS) {
    if (left === 0) break;
    counts.set(behaviour, 1);
    left--;
  }
  const total = BEHAVIOURS.reduce((sum, b) => sum + MIX[b], 0);
  const shares = BEHAVIOURS.map((b) => ({ b, exact: (left * MIX[b]) / total }));
  for (const { b, exact } of shares) counts.set(b, counts.get(b)! + Math.floor(exact));
  left -= shares.reduce((sum, { exact }) => sum + Math.floor(exact), 0);
  const byRemainder = [...shares].sort((x, y) => y.exact - Math.floor(y.exact) - (x.exact - Math.floor(x.exact)));
  for (let i = 0; i < left; i++) counts.set(byRemainder[i].b, counts.get(byRemainder[i].b)! + 1);
  return counts;
}

/**
 * The scripts of a book of `loans`, in loan order: behaviours shuffled by the seed, each with a template drawn by
 * the templates' weights among those whose story fits `horizonDays` (a short run has no bullet loans: they fall due
 * after 180 days), and its turning points (drawn among those that fit).
 *
 * @example
 * const scripts = assignScripts(200, 365, createRandom("loanbook").fork("scripts"));
 */
export function assignScripts(loans: number, horizonDays: number, random: Random): LoanScript[] {
  const behaviours: Behaviour[] = [];
  for (const [behaviour, count] of behaviourCounts(loans)) for (let i = 0; i < count; i++) behaviours.push(behaviour);
  let defaulters = 0;
  return random.shuffle(behaviours).map((behaviour) => {
    // Every (template, stopAt, breakAt) whose story ends within the horizon (for a breaker, the later break first).
    const options: { template: DemoTemplate; stopAt: number; breakAt: number }[] = [];
    for (const template of TEMPLATES) {
      const stops = isDefaulting(behaviour) ? Math.min(3, template.installments) : 0;
      for (let stopAt = isDefaulting(behaviour) ? 1 : 0; stopAt <= stops; stopAt++) {
        for (const breakAt of behaviour === "commitBreaker" ? [2, 1] : [0]) {
          if (storyEndDay(behaviour, template, Math.max(stopAt, 1), breakAt) <= horizonDays) {
            options.push({ template, stopAt, breakAt });
            break;
          }
        }
      }
    }
    const certify = behaviour === "defaulter" && defaulters++ % 2 === 0;
    if (options.length === 0) {
      // No story fits: the shortest one (the run ends before it does).
      const stopAt = isDefaulting(behaviour) ? 1 : 0;
      return { behaviour, template: TEMPLATES[0], stopAt, breakAt: behaviour === "commitBreaker" ? 1 : 0, certify };
    }
    const template = weighted([...new Set(options.map((o) => o.template))], random);
    const choice = random.pick(options.filter((o) => o.template === template));
    return { behaviour, template, stopAt: choice.stopAt, breakAt: choice.breakAt, certify };
  });
}

function weighted(templates: readonly DemoTemplate[], random: Random): DemoTemplate {
  const total = templates.reduce((sum, t) => sum + t.weight, 0);
  let at = random.next() * total;
  for (const template of templates) {
    at -= template.weight;
    if (at < 0) return template;
  }
  return templates[templates.length - 1];
}
