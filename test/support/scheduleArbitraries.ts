/**
 * fast-check generators of schedule terms: valid terms over the whole domain the issue names (principal 1 to
 * 10^30 base units, rates 0 to 10,000 bps, 1 to 360 installments, intervals of 1 day to 1 year, custom plans),
 * and terms that may break any rule, to check that both sides refuse the same inputs with the same error.
 */
import fc from "fast-check";

import { SCHEDULE_KINDS, type ScheduleTerms } from "../../keeper/src/core/scheduleMath.ts";

const DAY = 86_400;
const YEAR = 365 * DAY;

const principal = fc.oneof(
  fc.bigInt({ min: 1n, max: 10n ** 30n }),
  fc.bigInt({ min: 1n, max: 10n ** 12n }),
  fc.constantFrom(1n, 10n ** 30n, (1n << 128n) - 1n),
);
const rateBps = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 1, 10_000));
const intervalSeconds = fc.oneof(fc.integer({ min: DAY, max: YEAR }), fc.constantFrom(DAY, 30 * DAY, YEAR / 12, YEAR));
const count = fc.oneof(fc.integer({ min: 1, max: 360 }), fc.constantFrom(1, 2, 12, 360));

/** A custom plan of `n` installments for `principal`: increasing due offsets, principals summing exactly to it. */
function customPlan(total: bigint, n: number) {
  return fc
    .record({
      gaps: fc.array(fc.integer({ min: 1, max: YEAR }), { minLength: n, maxLength: n }),
      weights: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: n, maxLength: n }),
    })
    .map(({ gaps, weights }) => {
      const dueOffsets = gaps.reduce<number[]>((offsets, gap) => [...offsets, (offsets.at(-1) ?? 0) + gap], []);
      const weightSum = weights.reduce((sum, weight) => sum + weight, 0n) || 1n;
      const principals = weights.map((weight) => (total * weight) / weightSum);
      const shortfall = total - principals.reduce((sum, part) => sum + part, 0n);
      principals[n - 1] += shortfall;
      return { dueOffsets, principals };
    });
}

/** Valid terms of every kind. */
export const validTerms: fc.Arbitrary<ScheduleTerms> = fc
  .record({ kind: fc.constantFrom(...SCHEDULE_KINDS), principal, rateBps, intervalSeconds, count })
  .chain((terms) =>
    terms.kind === "custom"
      ? customPlan(terms.principal, terms.count).map((plan) => ({ ...terms, intervalSeconds: 0, ...plan }))
      : fc.constant({ ...terms, dueOffsets: [] as number[], principals: [] as bigint[] }),
  );

/** Terms that may break any rule (but stay within the ABI types, which viem checks before sending). */
export const anyTerms: fc.Arbitrary<ScheduleTerms> = fc.oneof(
  validTerms,
  fc.record({
    kind: fc.constantFrom(...SCHEDULE_KINDS),
    principal: fc.oneof(fc.constant(0n), principal),
    rateBps: fc.integer({ min: 0, max: 20_000 }),
    intervalSeconds: fc.oneof(fc.integer({ min: 0, max: 2 * YEAR }), fc.constantFrom(0, DAY - 1, YEAR + 1)),
    count: fc.integer({ min: 0, max: 400 }),
    dueOffsets: fc.array(fc.integer({ min: 0, max: 10 * YEAR }), { maxLength: 4 }),
    principals: fc.array(fc.bigInt({ min: 0n, max: 10n ** 6n }), { maxLength: 4 }),
  }),
);
