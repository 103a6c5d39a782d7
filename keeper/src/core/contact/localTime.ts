/**
 * Wall-clock time in a borrower's IANA time zone, both ways, with no dependency: `Intl.DateTimeFormat` (Node ships
 * full ICU) reads an instant's local date and time; `utcOfLocal` finds the instant of a local date and time from the
 * zone's offsets around it, moving forward out of a spring-forward gap and taking the first of the two instants of a
 * fall-back overlap. Pure: the instant is always given (unix seconds, bigint), never read from a clock.
 */

/** Seconds in a (UTC) day; a local day may have 23 or 25 hours, or other lengths, around an offset change. */
const DAY_SECONDS = 86_400;
/** The instants this module handles: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (four-digit years). */
export const MIN_INSTANT = 0n;
export const MAX_INSTANT = 253_402_300_799n;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An instant as read on the wall clocks of a time zone. */
export interface LocalTime {
  /** The local calendar date, `YYYY-MM-DD`. */
  readonly date: string;
  /**
   * The clock reading as seconds since 00:00:00 (`hour * 3600 + minute * 60 + second`), 0 to 86,399. On the day of
   * an offset change this is the reading, not the seconds elapsed since local midnight.
   */
  readonly secondOfDay: number;
  /** The zone's offset from UTC at that instant, seconds east (Asia/Shanghai: 28,800). */
  readonly offsetSeconds: number;
}

/** Thrown for a time zone name the runtime's ICU does not know. */
export class UnknownTimeZoneError extends Error {
  override readonly name = "UnknownTimeZoneError";
  readonly timeZone: string;

  constructor(timeZone: string) {
    super(`Unknown time zone "${timeZone}": expected an IANA name such as "Asia/Shanghai" or "America/New_York"`);
    this.timeZone = timeZone;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone, kept: building one costs far more than using it. */
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch (error) {
      if (error instanceof RangeError) throw new UnknownTimeZoneError(timeZone);
      throw error;
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Whether `timeZone` is an IANA zone name (or alias) the runtime knows.
 *
 * @example
 * isValidTimeZone("Asia/Kathmandu"); // true
 * isValidTimeZone("Mars/Olympus_Mons"); // false
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone === "") return false;
  try {
    formatterOf(timeZone);
    return true;
  } catch (error) {
    if (error instanceof UnknownTimeZoneError) return false;
    throw error;
  }
}

/**
 * Throws an `UnknownTimeZoneError` unless `timeZone` is known.
 *
 * @example
 * assertTimeZone("Asia/Beijing"); // throws: Unknown time zone "Asia/Beijing": expected an IANA name such as ...
 */
export function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new UnknownTimeZoneError(String(timeZone));
}

function checkInstant(at: bigint): void {
  if (typeof at !== "bigint" || at < MIN_INSTANT || at > MAX_INSTANT) {
    throw new RangeError(`Instant ${String(at)} is outside ${MIN_INSTANT}..${MAX_INSTANT} (unix seconds, bigint)`);
  }
}

/** The wall clock at `at` (unix seconds, a plain number) as seconds since 1970-01-01T00:00:00 of that clock. */
function wallSecondsAt(at: number, timeZone: string): number {
  const parts = formatterOf(timeZone).formatToParts(at * 1000);
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of parts) {
    if (part.type === "year") year = Number(part.value);
    else if (part.type === "month") month = Number(part.value);
    else if (part.type === "day") day = Number(part.value);
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
    else if (part.type === "second") second = Number(part.value);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

/** The zone's offset at `at` (unix seconds, a plain number), seconds east of UTC. */
function offsetAt(at: number, timeZone: string): number {
  return wallSecondsAt(at, timeZone) - at;
}

/** `YYYY-MM-DD` and the second of the day of wall-clock seconds since the epoch. */
function splitWall(wall: number): { date: string; secondOfDay: number } {
  const days = Math.floor(wall / DAY_SECONDS);
  return {
    date: new Date(days * DAY_SECONDS * 1000).toISOString().slice(0, 10),
    secondOfDay: wall - days * DAY_SECONDS,
  };
}

/** Wall-clock seconds since the epoch of a local date's midnight; throws on a malformed or impossible date. */
function wallOfDate(date: string): number {
  const match = LOCAL_DATE.exec(date);
  if (match !== null) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const ms = Date.UTC(year, month - 1, day);
    if (new Date(ms).toISOString().slice(0, 10) === date) return ms / 1000;
  }
  throw new RangeError(`Local date "${date}" is not a calendar date YYYY-MM-DD`);
}

/**
 * The local date, clock reading and UTC offset of the instant `at` (unix seconds) in `timeZone`.
 *
 * @example
 * localTimeOf(1_764_115_200n, "Asia/Shanghai");
 * // { date: "2025-11-26", secondOfDay: 28_800, offsetSeconds: 28_800 } (08:00 local)
 */
export function localTimeOf(at: bigint, timeZone: string): LocalTime {
  checkInstant(at);
  const instant = Number(at);
  const wall = wallSecondsAt(instant, timeZone);
  return { ...splitWall(wall), offsetSeconds: wall - instant };
}

/**
 * The date `days` calendar days after the local date `date` (negative: before).
 *
 * @example
 * addDays("2026-02-28", 1); // "2026-03-01"
 */
export function addDays(date: string, days: number): string {
  return splitWall(wallOfDate(date) + days * DAY_SECONDS).date;
}

/**
 * The first instant (unix seconds) at which the clocks of `timeZone` read `date` at `secondOfDay` or later:
 * - a reading that happens once: its instant;
 * - a reading that happens twice (a fall-back overlap, e.g. 01:30 on 2026-11-01 in New York): the first;
 * - a reading that never happens (a spring-forward gap, e.g. 02:30 on 2026-03-08 in New York): the end of the gap,
 *   the first instant after it (03:00 EDT), since no instant reads exactly that.
 *
 * Found from the zone's offsets a day either side: each gives a candidate instant, kept if the clocks then read
 * `date` and `secondOfDay`; with none kept, the transition between them is found by bisection. (Assumes at most
 * one offset change within a day either side, true of the whole tz database since 1970.)
 *
 * @example
 * utcOfLocal("2026-03-08", 8 * 3600, "America/New_York"); // 1_772_971_200n (12:00 UTC, EDT)
 */
export function utcOfLocal(date: string, secondOfDay: number, timeZone: string): bigint {
  if (!Number.isInteger(secondOfDay) || secondOfDay < 0 || secondOfDay >= DAY_SECONDS) {
    throw new RangeError(`secondOfDay ${secondOfDay} is not an integer in 0..86399`);
  }
  const wall = wallOfDate(date) + secondOfDay;
  const offsetBefore = offsetAt(wall - DAY_SECONDS, timeZone);
  const offsetAfter = offsetAt(wall + DAY_SECONDS, timeZone);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter(
    (instant) => wallSecondsAt(instant, timeZone) === wall,
  );
  let result: number;
  if (candidates.length > 0) {
    result = Math.min(...candidates);
  } else {
    // A gap: the clocks jump over `wall`. Bisect for the first instant reading later than it (low reads earlier).
    let low = Math.min(wall - offsetBefore, wall - offsetAfter);
    let high = Math.max(wall - offsetBefore, wall - offsetAfter);
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (wallSecondsAt(middle, timeZone) > wall) high = middle;
      else low = middle;
    }
    result = high;
  }
  const instant = BigInt(result);
  checkInstant(instant);
  return instant;
}
