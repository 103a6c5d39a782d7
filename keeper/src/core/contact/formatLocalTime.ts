/**
 * Dates and times for people, in the borrower's own time zone, as Chinese and English lenders write them. The zone is
 * always named (or, for mainland China, called 北京时间), so a borrower abroad is never left guessing.
 */
import { localTimeOf } from "./localTime.ts";

export type Locale = "zh" | "en";

/** Zones whose clocks are Beijing time, which Chinese lenders call 北京时间. */
const BEIJING_TIME_ZONES: ReadonlySet<string> = new Set([
  "Asia/Shanghai",
  "Asia/Chongqing",
  "Asia/Chungking",
  "Asia/Harbin",
  "PRC",
]);

const two = (value: number) => String(value).padStart(2, "0");

/** `+08:00`, `-04:00`, `+05:45`. */
function offsetText(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? "-" : "+";
  const minutes = Math.abs(offsetSeconds) / 60;
  return `${sign}${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}

/**
 * The local calendar date of `at` (unix seconds) in `timeZone`.
 *
 * @example
 * formatLocalDate(1_764_144_000n, "Asia/Shanghai", "zh"); // "2025年11月26日"
 * formatLocalDate(1_764_144_000n, "Asia/Shanghai", "en"); // "2025-11-26"
 */
export function formatLocalDate(at: bigint, timeZone: string, locale: Locale): string {
  const { date } = localTimeOf(at, timeZone);
  if (locale === "en") return date;
  const [year, month, day] = date.split("-").map(Number);
  return `${year}年${month}月${day}日`;
}

/**
 * The local date and clock time of `at` in `timeZone`, with the zone named: `HH:MM`, or `HH:MM:SS` when the seconds
 * are not zero (a due time of 23:59:59 is shown as such).
 *
 * @example
 * formatLocalDateTime(1_764_172_799n, "Asia/Shanghai", "zh"); // "2025年11月26日 23:59:59（北京时间）"
 * formatLocalDateTime(1_764_172_799n, "Asia/Shanghai", "en"); // "2025-11-26 23:59:59 (Asia/Shanghai time, UTC+08:00)"
 */
export function formatLocalDateTime(at: bigint, timeZone: string, locale: Locale): string {
  const { secondOfDay, offsetSeconds } = localTimeOf(at, timeZone);
  const seconds = secondOfDay % 60;
  const clock = `${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor(secondOfDay / 60) % 60)}${
    seconds === 0 ? "" : `:${two(seconds)}`
  }`;
  const date = formatLocalDate(at, timeZone, locale);
  const utc = `UTC${offsetText(offsetSeconds)}`;
  if (locale === "en") return `${date} ${clock} (${timeZone} time, ${utc})`;
  if (BEIJING_TIME_ZONES.has(timeZone)) return `${date} ${clock}（北京时间）`;
  return `${date} ${clock}（${timeZone} 当地时间，${utc}）`;
}
