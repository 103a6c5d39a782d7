import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import {
  addDays,
  isValidTimeZone,
  localTimeOf,
  MAX_INSTANT,
  UnknownTimeZoneError,
  utcOfLocal,
  type LocalTime,
} from "./localTime.ts";

const utc = (iso: string): bigint => BigInt(Date.parse(iso) / 1000);
const clock = (hours: number, minutes = 0, seconds = 0) => hours * 3600 + minutes * 60 + seconds;

describe("localTimeOf", () => {
  it("reads the local date, clock and offset", () => {
    const table: [string, string, LocalTime][] = [
      ["2026-11-26T02:00:00Z", "Asia/Shanghai", { date: "2026-11-26", secondOfDay: clock(10), offsetSeconds: 28_800 }],
      ["2026-11-26T16:00:00Z", "Asia/Shanghai", { date: "2026-11-27", secondOfDay: 0, offsetSeconds: 28_800 }],
      ["2026-11-26T16:15:00Z", "Asia/Kathmandu", { date: "2026-11-26", secondOfDay: clock(22), offsetSeconds: 20_700 }],
      [
        "2026-11-26T08:00:00Z",
        "Pacific/Kiritimati",
        { date: "2026-11-26", secondOfDay: clock(22), offsetSeconds: 50_400 },
      ],
      [
        "2026-11-26T11:00:00Z",
        "Pacific/Kiritimati",
        { date: "2026-11-27", secondOfDay: clock(1), offsetSeconds: 50_400 },
      ],
      [
        "2026-03-08T06:59:59Z",
        "America/New_York",
        { date: "2026-03-08", secondOfDay: clock(1, 59, 59), offsetSeconds: -18_000 },
      ],
      [
        "2026-03-08T07:00:00Z",
        "America/New_York",
        { date: "2026-03-08", secondOfDay: clock(3), offsetSeconds: -14_400 },
      ],
      [
        "2026-11-01T05:30:00Z",
        "America/New_York",
        { date: "2026-11-01", secondOfDay: clock(1, 30), offsetSeconds: -14_400 },
      ],
      [
        "2026-11-01T06:30:00Z",
        "America/New_York",
        { date: "2026-11-01", secondOfDay: clock(1, 30), offsetSeconds: -18_000 },
      ],
      ["2026-07-01T12:00:00Z", "Europe/London", { date: "2026-07-01", secondOfDay: clock(13), offsetSeconds: 3_600 }],
      ["1970-01-01T00:00:00Z", "UTC", { date: "1970-01-01", secondOfDay: 0, offsetSeconds: 0 }],
    ];
    for (const [iso, timeZone, expected] of table) {
      expect(localTimeOf(utc(iso), timeZone), `${iso} ${timeZone}`).to.deep.equal(expected);
    }
  });

  it("throws for an unknown zone and for an instant out of range", () => {
    expect(() => localTimeOf(0n, "Asia/Peking_Duck")).to.throw(UnknownTimeZoneError, /"Asia\/Peking_Duck"/);
    expect(() => localTimeOf(-1n, "UTC")).to.throw(RangeError, /outside/);
    expect(() => localTimeOf(MAX_INSTANT + 1n, "UTC")).to.throw(RangeError, /outside/);
    expect(localTimeOf(MAX_INSTANT, "UTC").date).to.equal("9999-12-31");
  });
});

describe("isValidTimeZone", () => {
  it("knows IANA names and aliases and refuses others", () => {
    const table: [string, boolean][] = [
      ["Asia/Shanghai", true],
      ["Asia/Kathmandu", true],
      ["America/New_York", true],
      ["Etc/GMT-8", true],
      ["UTC", true],
      ["Mars/Olympus_Mons", false],
      ["Asia/Shang_hai", false],
      ["", false],
    ];
    for (const [timeZone, valid] of table) expect(isValidTimeZone(timeZone), timeZone).to.equal(valid);
  });
});

describe("utcOfLocal", () => {
  it("converts local readings, moving forward out of gaps and taking the first of overlaps", () => {
    const table: [string, string, number, string][] = [
      ["Asia/Shanghai", "2026-11-27", clock(8), "2026-11-27T00:00:00Z"],
      ["Asia/Kathmandu", "2026-11-27", clock(8), "2026-11-27T02:15:00Z"],
      ["Pacific/Kiritimati", "2026-11-27", clock(8), "2026-11-26T18:00:00Z"],
      ["America/New_York", "2026-03-08", clock(8), "2026-03-08T12:00:00Z"],
      ["America/New_York", "2026-03-08", clock(1, 59, 59), "2026-03-08T06:59:59Z"],
      // 02:00 to 02:59:59 do not exist on 2026-03-08: the end of the gap, 03:00 EDT.
      ["America/New_York", "2026-03-08", clock(2), "2026-03-08T07:00:00Z"],
      ["America/New_York", "2026-03-08", clock(2, 30), "2026-03-08T07:00:00Z"],
      ["America/New_York", "2026-03-08", clock(3), "2026-03-08T07:00:00Z"],
      // 01:00 to 01:59:59 happen twice on 2026-11-01: the first (EDT).
      ["America/New_York", "2026-11-01", clock(1, 30), "2026-11-01T05:30:00Z"],
      ["America/New_York", "2026-11-01", clock(2), "2026-11-01T07:00:00Z"],
      ["Europe/London", "2026-03-29", clock(1, 30), "2026-03-29T01:00:00Z"],
      ["Europe/London", "2026-10-25", clock(1, 30), "2026-10-25T00:30:00Z"],
      ["Pacific/Auckland", "2026-09-27", clock(2, 30), "2026-09-26T14:00:00Z"],
      // Samoa skipped 2011-12-30 entirely: its readings move to the start of 12-31.
      ["Pacific/Apia", "2011-12-30", clock(12), "2011-12-30T10:00:00Z"],
    ];
    for (const [timeZone, date, secondOfDay, iso] of table) {
      expect(utcOfLocal(date, secondOfDay, timeZone), `${date} ${secondOfDay} ${timeZone}`).to.equal(utc(iso));
    }
  });

  it("round-trips localTimeOf for any instant whose reading happens once", () => {
    const zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Auckland", "Asia/Kathmandu"];
    fc.assert(
      fc.property(
        fc.integer({ min: Number(utc("2000-01-01T00:00:00Z")), max: Number(utc("2035-01-01T00:00:00Z")) }),
        fc.constantFrom(...zones),
        (atNumber, timeZone) => {
          const at = BigInt(atNumber);
          const { date, secondOfDay } = localTimeOf(at, timeZone);
          const back = utcOfLocal(date, secondOfDay, timeZone);
          // Equal, or (the second pass of an overlap) the first instant with that reading, an hour or so before.
          expect(back <= at && at - back <= 7_200n).to.equal(true);
          expect(localTimeOf(back, timeZone)).to.include({ date, secondOfDay });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects impossible dates and clock readings", () => {
    expect(() => utcOfLocal("2026-02-30", 0, "UTC")).to.throw(RangeError, /not a calendar date/);
    expect(() => utcOfLocal("2026-2-3", 0, "UTC")).to.throw(RangeError, /not a calendar date/);
    expect(() => utcOfLocal("2026-02-03", 86_400, "UTC")).to.throw(RangeError, /secondOfDay/);
    expect(() => utcOfLocal("2026-02-03", 0.5, "UTC")).to.throw(RangeError, /secondOfDay/);
    expect(() => utcOfLocal("2026-02-03", 0, "Nowhere/Else")).to.throw(UnknownTimeZoneError);
  });
});

describe("addDays", () => {
  it("moves by calendar days across months, years and leap days", () => {
    const table: [string, number, string][] = [
      ["2026-02-28", 1, "2026-03-01"],
      ["2028-02-28", 1, "2028-02-29"],
      ["2026-12-31", 1, "2027-01-01"],
      ["2026-03-01", -1, "2026-02-28"],
      ["2026-11-26", 0, "2026-11-26"],
    ];
    for (const [date, days, expected] of table) expect(addDays(date, days)).to.equal(expected);
  });
});
