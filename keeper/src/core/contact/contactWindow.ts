/**
 * When the keeper may contact a borrower, under the collection rules (China's rules on debt collection, and the
 * lender's own): never during quiet hours in the borrower's own time zone (22:00 to 08:00 by default), at most
 * `dailyLimit` contacts per borrower per local calendar day, and none while an objection is open. Pure: the time is
 * given (unix seconds, bigint), the zone is an IANA name, the contacts already made are passed in.
 */
import { addDays, assertTimeZone, localTimeOf, utcOfLocal } from "./localTime.ts";

export { isValidTimeZone, localTimeOf, UnknownTimeZoneError, utcOfLocal } from "./localTime.ts";
export type { LocalTime } from "./localTime.ts";

/** Quiet hours as the rules state them: no contact from 22:00 to 08:00, borrower's local time. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: "22:00", end: "08:00" };

const DAY_SECONDS = 86_400;
const HOUR_MINUTE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Local clock times, `HH:MM` (24 h). Contact is barred from `start` (inclusive) to `end` (exclusive). `start` after
 * `end` wraps midnight (22:00 to 08:00); `start` before `end` stays within a day (12:00 to 13:00).
 */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

export interface NextAllowedMomentParameters {
  /** The moment asked about, unix seconds. */
  readonly at: bigint;
  /** The borrower's IANA time zone: quiet hours and days are the borrower's. */
  readonly timeZone: string;
  readonly quietHours?: QuietHours;
  /** At most this many contacts per local calendar day of the borrower (at least 1). */
  readonly dailyLimit: number;
  /** Unix seconds of the contacts already made to this borrower (any order; older ones are simply not counted). */
  readonly contactsAt: readonly bigint[];
  /** An objection is open: no contact until it is resolved. */
  readonly objectionOpen: boolean;
}

export type NextAllowedMomentReturnType =
  | { readonly kind: "now" }
  | { readonly kind: "wait"; readonly until: bigint; readonly reason: "quiet_hours" | "daily_limit" }
  | { readonly kind: "blocked"; readonly reason: "objection_open" };

/**
 * `HH:MM` as seconds since 00:00; throws a `RangeError` on anything else.
 *
 * @example
 * secondOfDayOf("22:00"); // 79_200
 */
export function secondOfDayOf(clock: string): number {
  const match = HOUR_MINUTE.exec(clock);
  if (match === null) throw new RangeError(`Quiet hours time "${clock}" is not HH:MM (00:00 to 23:59)`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60;
}

/**
 * Whether the clock reading `secondOfDay` falls within the quiet hours `[start, end)`.
 *
 * @example
 * isQuietAt(23 * 3600, DEFAULT_QUIET_HOURS); // true
 * isQuietAt(8 * 3600, DEFAULT_QUIET_HOURS); // false (08:00 is the first allowed second)
 */
export function isQuietAt(secondOfDay: number, quietHours: QuietHours): boolean {
  const start = secondOfDayOf(quietHours.start);
  const end = secondOfDayOf(quietHours.end);
  return start < end ? secondOfDay >= start && secondOfDay < end : secondOfDay >= start || secondOfDay < end;
}

function checkParameters(parameters: NextAllowedMomentParameters, quietHours: QuietHours): void {
  assertTimeZone(parameters.timeZone);
  if (secondOfDayOf(quietHours.start) === secondOfDayOf(quietHours.end)) {
    throw new RangeError(`Quiet hours ${quietHours.start} to ${quietHours.end} are empty: start must differ from end`);
  }
  if (!Number.isSafeInteger(parameters.dailyLimit) || parameters.dailyLimit < 1) {
    throw new RangeError(`dailyLimit ${parameters.dailyLimit} is not a whole number of at least 1`);
  }
}

/** Contacts per local date of the borrower. */
function countByLocalDate(contactsAt: readonly bigint[], timeZone: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const contact of contactsAt) {
    const { date } = localTimeOf(contact, timeZone);
    counts.set(date, (counts.get(date) ?? 0) + 1);
  }
  return counts;
}

/**
 * `target` if it is after `moment`; else (the clocks read the target's time first before `moment`, in a fall-back
 * overlap that `moment` is in the second pass of) `moment` plus the clock seconds to go, at the current offset.
 */
function forward(moment: bigint, target: bigint, clockSecondsToGo: number): bigint {
  return target > moment ? target : moment + BigInt(clockSecondsToGo);
}

/**
 * The first second at or after `at` when the borrower may be contacted: outside quiet hours (local) and on a local
 * day with fewer than `dailyLimit` contacts. With the day's limit reached, the answer is on the next local day, at
 * the end of its quiet hours (08:00 local by default), found by the zone's own offsets so that days of 23 or 25
 * hours are right. A quiet-hours end in a spring-forward gap moves to the end of the gap; an ambiguous one takes
 * the first instant. The reason is `daily_limit` if the limit moved the answer, else `quiet_hours`. While an
 * objection is open the answer is `blocked`, with no time: it waits for the objection to be resolved.
 *
 * @example
 * // 23:30 in Shanghai (15:30 UTC): wait for 08:00 local (00:00 UTC).
 * nextAllowedMoment({
 *   at: 1_764_171_000n, timeZone: "Asia/Shanghai", dailyLimit: 3, contactsAt: [], objectionOpen: false,
 * });
 * // { kind: "wait", until: 1_764_201_600n, reason: "quiet_hours" }
 */
export function nextAllowedMoment(parameters: NextAllowedMomentParameters): NextAllowedMomentReturnType {
  const { at, timeZone, dailyLimit, contactsAt, objectionOpen } = parameters;
  const quietHours = parameters.quietHours ?? DEFAULT_QUIET_HOURS;
  checkParameters(parameters, quietHours);
  if (objectionOpen) return { kind: "blocked", reason: "objection_open" };

  const quietStart = secondOfDayOf(quietHours.start);
  const quietEnd = secondOfDayOf(quietHours.end);
  const counts = countByLocalDate(contactsAt, timeZone);
  let moment = at;
  let limited = false;
  // Each step moves strictly forward, past a quiet period or to the next day; days at the limit are finitely many.
  for (let step = 0; step <= 2 * counts.size + 4; step++) {
    const local = localTimeOf(moment, timeZone);
    if (isQuietAt(local.secondOfDay, quietHours)) {
      // The quiet period ends today unless it wraps midnight and began this evening.
      const endsTomorrow = quietStart > quietEnd && local.secondOfDay >= quietStart;
      const end = utcOfLocal(endsTomorrow ? addDays(local.date, 1) : local.date, quietEnd, timeZone);
      moment = forward(moment, end, quietEnd - local.secondOfDay + (endsTomorrow ? DAY_SECONDS : 0));
    } else if ((counts.get(local.date) ?? 0) >= dailyLimit) {
      limited = true;
      moment = forward(moment, utcOfLocal(addDays(local.date, 1), 0, timeZone), DAY_SECONDS - local.secondOfDay);
    } else if (moment === at) {
      return { kind: "now" };
    } else {
      return { kind: "wait", until: moment, reason: limited ? "daily_limit" : "quiet_hours" };
    }
  }
  throw new Error(`nextAllowedMoment did not settle for ${at} in ${timeZone}: a bug`);
}
