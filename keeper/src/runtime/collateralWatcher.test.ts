/**
 * What the collateral watcher plans for a loan's margin standing (`marginActions`): a margin call on chain and a
 * letter at the warning, once per period; a default, under the decision core's key, at the default threshold or a
 * tracker's alarm; nothing for a safe, unknown (stale) or unwatched loan.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { MARGIN_CALL_PERIOD_SECONDS, Margin, marginActions } from "./collateralWatcher.ts";

/** The start of a margin-call period. */
const NOW = MARGIN_CALL_PERIOD_SECONDS * 2_976n;

describe("marginActions", () => {
  it("at the warning: a margin call and its letter, keyed by the period", () => {
    const actions = marginActions(7n, Margin.Warning, 0n, NOW);
    expect(actions.map((action) => [action.kind, action.key])).to.deep.equal([
      ["callMargin", "7:callMargin:p2976"],
      ["marginCallNotice", "7:marginCallNotice:p2976"],
    ]);
    expect(actions.every((action) => action.loanId === 7n && action.validFrom === NOW)).to.equal(true);
  });

  it("the letter carries the debt the watch measured, for the borrower to read", () => {
    const [, letter] = marginActions(7n, Margin.Warning, 0n, NOW, 1_234_567n);
    expect(letter.payload).to.deep.equal({ debt: 1_234_567n });
  });

  it("the same period gives the same keys (the outbox keeps one); the next period new ones", () => {
    const a = marginActions(7n, Margin.Warning, 0n, NOW).map((action) => action.key);
    const b = marginActions(7n, Margin.Warning, 0n, NOW + 60n).map((action) => action.key);
    const c = marginActions(7n, Margin.Warning, 0n, NOW + MARGIN_CALL_PERIOD_SECONDS).map((action) => action.key);
    expect(b).to.deep.equal(a);
    expect(c).to.deep.equal(["7:callMargin:p2977", "7:marginCallNotice:p2977"]);
  });

  for (const margin of [Margin.Default, Margin.TrackerMoved, Margin.TrackerSilent]) {
    it(`margin ${margin}: declareDefault under the core's key for the default epoch`, () => {
      const actions = marginActions(9n, margin, 1_700_000_000n, NOW);
      expect(actions).to.have.length(1);
      expect(actions[0]).to.include({ kind: "declareDefault", key: "9:declareDefault:d1700000000", loanId: 9n });
    });
  }

  for (const margin of [Margin.None, Margin.Unknown, Margin.Safe]) {
    it(`margin ${margin}: nothing (a stale value neither defaults a loan nor keeps it safe: the keeper logs it)`, () => {
      expect(marginActions(9n, margin, 0n, NOW)).to.deep.equal([]);
    });
  }
});
