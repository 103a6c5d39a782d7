import { describe, it } from "node:test";
import { expect } from "chai";
import { formatLocalDate, formatLocalDateTime, type Locale } from "./formatLocalTime.ts";

const utc = (iso: string): bigint => BigInt(Date.parse(iso) / 1000);

describe("formatLocalDateTime and formatLocalDate", () => {
  it("write the borrower's local date and time, naming the zone", () => {
    const table: [string, string, Locale, string, string][] = [
      ["2026-11-29T15:59:59Z", "Asia/Shanghai", "zh", "2026年11月29日 23:59:59（北京时间）", "2026年11月29日"],
      ["2026-11-29T16:00:00Z", "Asia/Shanghai", "zh", "2026年11月30日 00:00（北京时间）", "2026年11月30日"],
      ["2026-11-29T16:00:00Z", "PRC", "zh", "2026年11月30日 00:00（北京时间）", "2026年11月30日"],
      ["2026-11-29T16:00:00Z", "Asia/Shanghai", "en", "2026-11-30 00:00 (Asia/Shanghai time, UTC+08:00)", "2026-11-30"],
      [
        "2026-03-08T12:00:00Z",
        "America/New_York",
        "en",
        "2026-03-08 08:00 (America/New_York time, UTC-04:00)",
        "2026-03-08",
      ],
      [
        "2026-03-08T12:00:00Z",
        "America/New_York",
        "zh",
        "2026年3月8日 08:00（America/New_York 当地时间，UTC-04:00）",
        "2026年3月8日",
      ],
      [
        "2026-11-26T16:15:00Z",
        "Asia/Kathmandu",
        "en",
        "2026-11-26 22:00 (Asia/Kathmandu time, UTC+05:45)",
        "2026-11-26",
      ],
      [
        "2026-11-26T10:00:00Z",
        "Pacific/Kiritimati",
        "en",
        "2026-11-27 00:00 (Pacific/Kiritimati time, UTC+14:00)",
        "2026-11-27",
      ],
      [
        "2026-07-01T09:30:05Z",
        "America/St_Johns",
        "en",
        "2026-07-01 07:00:05 (America/St_Johns time, UTC-02:30)",
        "2026-07-01",
      ],
    ];
    for (const [iso, timeZone, locale, dateTime, date] of table) {
      expect(formatLocalDateTime(utc(iso), timeZone, locale), `${iso} ${timeZone}`).to.equal(dateTime);
      expect(formatLocalDate(utc(iso), timeZone, locale)).to.equal(date);
    }
  });
});
