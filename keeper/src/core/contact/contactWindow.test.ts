import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import {
  DEFAULT_QUIET_HOURS,
  isQuietAt,
  nextAllowedMoment,
  type NextAllowedMomentParameters,
  type NextAllowedMomentReturnType,
  type QuietHours,
} from "./contactWindow.ts";
import { localTimeOf, UnknownTimeZoneError } from "./localTime.ts";

/** Unix seconds of an ISO instant. */
const utc = (iso: string): bigint => BigInt(Date.parse(iso) / 1000);
const now: NextAllowedMomentReturnType = { kind: "now" };
const quietUntil = (iso: string): NextAllowedMomentReturnType => ({
  kind: "wait",
  until: utc(iso),
  reason: "quiet_hours",
});
const limitUntil = (iso: string): NextAllowedMomentReturnType => ({
  kind: "wait",
  until: utc(iso),
  reason: "daily_limit",
});

interface Case {
  readonly name: string;
  readonly timeZone: string;
  readonly at: string;
  readonly dailyLimit?: number;
  readonly contactsAt?: readonly string[];
  readonly quietHours?: QuietHours;
  readonly expected: NextAllowedMomentReturnType;
}

function ask(c: Case): NextAllowedMomentReturnType {
  return nextAllowedMoment({
    at: utc(c.at),
    timeZone: c.timeZone,
    quietHours: c.quietHours,
    dailyLimit: c.dailyLimit ?? 3,
    contactsAt: (c.contactsAt ?? []).map(utc),
    objectionOpen: false,
  });
}

function runTable(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      expect(ask(c)).to.deep.equal(c.expected);
    });
  }
}

describe("nextAllowedMoment: quiet hours", () => {
  describe("Asia/Shanghai (UTC+8, no DST)", () => {
    runTable([
      { name: "10:00 local: now", timeZone: "Asia/Shanghai", at: "2026-11-26T02:00:00Z", expected: now },
      { name: "08:00:00 local: now", timeZone: "Asia/Shanghai", at: "2026-11-26T00:00:00Z", expected: now },
      { name: "21:59:59 local: now", timeZone: "Asia/Shanghai", at: "2026-11-26T13:59:59Z", expected: now },
      {
        name: "22:00:00 local: the next morning's 08:00",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T14:00:00Z",
        expected: quietUntil("2026-11-27T00:00:00Z"),
      },
      {
        name: "23:59:59 local: the next morning",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T15:59:59Z",
        expected: quietUntil("2026-11-27T00:00:00Z"),
      },
      {
        name: "00:00 local (16:00 UTC the day before): the same local morning",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T16:00:00Z",
        expected: quietUntil("2026-11-27T00:00:00Z"),
      },
      {
        name: "07:59:59 local: one second",
        timeZone: "Asia/Shanghai",
        at: "2026-11-25T23:59:59Z",
        expected: quietUntil("2026-11-26T00:00:00Z"),
      },
    ]);
  });

  describe("America/New_York across 2026-03-08 (spring forward) and 2026-11-01 (fall back)", () => {
    runTable([
      {
        name: "22:00 EST on 03-07: 08:00 EDT on 03-08 (9 h later, not 10)",
        timeZone: "America/New_York",
        at: "2026-03-08T03:00:00Z",
        expected: quietUntil("2026-03-08T12:00:00Z"),
      },
      {
        name: "01:59:59 EST, just before the gap: 08:00 EDT",
        timeZone: "America/New_York",
        at: "2026-03-08T06:59:59Z",
        expected: quietUntil("2026-03-08T12:00:00Z"),
      },
      { name: "08:00 EDT on 03-08: now", timeZone: "America/New_York", at: "2026-03-08T12:00:00Z", expected: now },
      {
        name: "07:59:59 EDT on 03-08 (11:59:59 UTC), which 08:00 EST would wrongly allow",
        timeZone: "America/New_York",
        at: "2026-03-08T11:59:59Z",
        expected: quietUntil("2026-03-08T12:00:00Z"),
      },
      {
        name: "22:00 EDT on 10-31: 08:00 EST on 11-01 (11 h later)",
        timeZone: "America/New_York",
        at: "2026-11-01T02:00:00Z",
        expected: quietUntil("2026-11-01T13:00:00Z"),
      },
      {
        name: "01:30 EST, the second 01:30 of 11-01: 08:00 EST",
        timeZone: "America/New_York",
        at: "2026-11-01T06:30:00Z",
        expected: quietUntil("2026-11-01T13:00:00Z"),
      },
      {
        name: "12:00 EST on 11-01 (17:00 UTC): now",
        timeZone: "America/New_York",
        at: "2026-11-01T17:00:00Z",
        expected: now,
      },
      {
        name: "21:59:59 EST on 11-01: now; 22:00 EST: the next 08:00 EST",
        timeZone: "America/New_York",
        at: "2026-11-02T02:59:59Z",
        expected: now,
      },
      {
        name: "22:00 EST on 11-01",
        timeZone: "America/New_York",
        at: "2026-11-02T03:00:00Z",
        expected: quietUntil("2026-11-02T13:00:00Z"),
      },
    ]);
  });

  describe("Europe/London across 2026-03-29 and 2026-10-25", () => {
    runTable([
      {
        name: "22:30 GMT on 03-28: 08:00 BST on 03-29 (07:00 UTC)",
        timeZone: "Europe/London",
        at: "2026-03-28T22:30:00Z",
        expected: quietUntil("2026-03-29T07:00:00Z"),
      },
      {
        name: "07:30 UTC on 03-29 is 08:30 BST: now",
        timeZone: "Europe/London",
        at: "2026-03-29T07:30:00Z",
        expected: now,
      },
      {
        name: "21:30 UTC on 10-24 is 22:30 BST: 08:00 GMT on 10-25",
        timeZone: "Europe/London",
        at: "2026-10-24T21:30:00Z",
        expected: quietUntil("2026-10-25T08:00:00Z"),
      },
      {
        name: "07:30 UTC on 10-25 is 07:30 GMT: half an hour",
        timeZone: "Europe/London",
        at: "2026-10-25T07:30:00Z",
        expected: quietUntil("2026-10-25T08:00:00Z"),
      },
    ]);
  });

  describe("zones where the local night is the UTC day", () => {
    runTable([
      {
        name: "Pacific/Kiritimati (UTC+14): 08:00 UTC is 22:00 local",
        timeZone: "Pacific/Kiritimati",
        at: "2026-11-26T08:00:00Z",
        expected: quietUntil("2026-11-26T18:00:00Z"),
      },
      {
        name: "Pacific/Kiritimati: 07:59:59 UTC is 21:59:59 local: now",
        timeZone: "Pacific/Kiritimati",
        at: "2026-11-26T07:59:59Z",
        expected: now,
      },
      {
        name: "Pacific/Kiritimati: 12:00 UTC is 02:00 local the next day",
        timeZone: "Pacific/Kiritimati",
        at: "2026-11-26T12:00:00Z",
        expected: quietUntil("2026-11-26T18:00:00Z"),
      },
      {
        name: "Pacific/Auckland (NZDT, UTC+13): 09:00 UTC is 22:00 local",
        timeZone: "Pacific/Auckland",
        at: "2026-11-26T09:00:00Z",
        expected: quietUntil("2026-11-26T19:00:00Z"),
      },
      {
        name: "Pacific/Auckland across 2026-09-27: 22:00 NZST to 08:00 NZDT",
        timeZone: "Pacific/Auckland",
        at: "2026-09-26T10:00:00Z",
        expected: quietUntil("2026-09-26T19:00:00Z"),
      },
      {
        name: "Pacific/Auckland across 2026-04-05: 22:00 NZDT to 08:00 NZST",
        timeZone: "Pacific/Auckland",
        at: "2026-04-04T09:00:00Z",
        expected: quietUntil("2026-04-04T20:00:00Z"),
      },
    ]);
  });

  describe("Asia/Kathmandu (UTC+5:45)", () => {
    runTable([
      { name: "21:59:59 local: now", timeZone: "Asia/Kathmandu", at: "2026-11-26T16:14:59Z", expected: now },
      {
        name: "22:00 local (16:15 UTC): 08:00 local (02:15 UTC)",
        timeZone: "Asia/Kathmandu",
        at: "2026-11-26T16:15:00Z",
        expected: quietUntil("2026-11-27T02:15:00Z"),
      },
      { name: "08:00 local: now", timeZone: "Asia/Kathmandu", at: "2026-11-27T02:15:00Z", expected: now },
    ]);
  });

  describe("quiet hours that do not wrap midnight (12:00 to 13:00)", () => {
    const lunch = { start: "12:00", end: "13:00" };
    runTable([
      {
        name: "12:30 local: 13:00",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T04:30:00Z",
        quietHours: lunch,
        expected: quietUntil("2026-11-26T05:00:00Z"),
      },
      {
        name: "13:00 local: now",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T05:00:00Z",
        quietHours: lunch,
        expected: now,
      },
      {
        name: "11:59 local: now",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T03:59:00Z",
        quietHours: lunch,
        expected: now,
      },
      {
        name: "23:00 local: now",
        timeZone: "Asia/Shanghai",
        at: "2026-11-26T15:00:00Z",
        quietHours: lunch,
        expected: now,
      },
    ]);
  });
});

describe("nextAllowedMoment: the daily limit counts the borrower's local day", () => {
  runTable([
    {
      name: "N=1, Shanghai, one contact this morning: tomorrow 08:00",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T06:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-26T01:00:00Z"],
      expected: limitUntil("2026-11-27T00:00:00Z"),
    },
    {
      name: "N=1, Shanghai, one contact yesterday evening local: now",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T01:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-25T13:00:00Z"],
      expected: now,
    },
    {
      name: "N=3, Shanghai, two contacts today: now",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T04:00:00Z",
      dailyLimit: 3,
      contactsAt: ["2026-11-26T01:00:00Z", "2026-11-26T02:00:00Z"],
      expected: now,
    },
    {
      name: "N=3, Shanghai, three contacts today: tomorrow 08:00",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T04:00:00Z",
      dailyLimit: 3,
      contactsAt: ["2026-11-26T03:00:00Z", "2026-11-26T01:00:00Z", "2026-11-26T02:00:00Z"],
      expected: limitUntil("2026-11-27T00:00:00Z"),
    },
    {
      name: "N=3, Shanghai, three contacts on the UTC day before but the same local day: tomorrow",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T02:00:00Z",
      dailyLimit: 3,
      contactsAt: ["2026-11-25T16:30:00Z", "2026-11-25T17:00:00Z", "2026-11-25T17:30:00Z"],
      expected: limitUntil("2026-11-27T00:00:00Z"),
    },
    {
      name: "N=1, Kiritimati: a contact on the same UTC date but the previous local day does not count",
      timeZone: "Pacific/Kiritimati",
      at: "2026-11-26T19:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-26T05:00:00Z"],
      expected: now,
    },
    {
      name: "N=1, Kiritimati: a contact on the previous UTC date but the same local day counts",
      timeZone: "Pacific/Kiritimati",
      at: "2026-11-26T05:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-25T20:00:00Z"],
      expected: limitUntil("2026-11-26T18:00:00Z"),
    },
    {
      name: "N=1, Kathmandu, limit reached in the afternoon: 08:00 local tomorrow",
      timeZone: "Asia/Kathmandu",
      at: "2026-11-26T10:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-26T03:00:00Z"],
      expected: limitUntil("2026-11-27T02:15:00Z"),
    },
    {
      name: "N=1, Kathmandu, at 23:59:59 local after today's contact: quiet hours decide alone",
      timeZone: "Asia/Kathmandu",
      at: "2026-11-26T18:14:59Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-26T03:00:00Z"],
      expected: quietUntil("2026-11-27T02:15:00Z"),
    },
    {
      name: "N=1, New York, limit reached on 03-07: 08:00 EDT on 03-08 (a 23-hour day)",
      timeZone: "America/New_York",
      at: "2026-03-07T20:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-03-07T15:00:00Z"],
      expected: limitUntil("2026-03-08T12:00:00Z"),
    },
    {
      name: "N=1, New York, limit reached on 10-31: 08:00 EST on 11-01 (a 25-hour day)",
      timeZone: "America/New_York",
      at: "2026-10-31T18:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-10-31T14:00:00Z"],
      expected: limitUntil("2026-11-01T13:00:00Z"),
    },
    {
      name: "N=1, New York, limit reached on the 25-hour day 11-01: 08:00 EST on 11-02",
      timeZone: "America/New_York",
      at: "2026-11-01T20:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-01T13:00:00Z"],
      expected: limitUntil("2026-11-02T13:00:00Z"),
    },
    {
      name: "N=3, London, three contacts on 03-29 (BST from 01:00 UTC): 08:00 BST on 03-30",
      timeZone: "Europe/London",
      at: "2026-03-29T16:00:00Z",
      dailyLimit: 3,
      contactsAt: ["2026-03-29T07:00:00Z", "2026-03-29T10:00:00Z", "2026-03-29T15:00:00Z"],
      expected: limitUntil("2026-03-30T07:00:00Z"),
    },
    {
      name: "N=1, limit reached today and tomorrow (a contact already scheduled): the day after",
      timeZone: "Asia/Shanghai",
      at: "2026-11-26T06:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-26T01:00:00Z", "2026-11-27T01:00:00Z"],
      expected: limitUntil("2026-11-28T00:00:00Z"),
    },
    {
      name: "N=1, quiet now (06:00 local) and today's limit reached: tomorrow, for the limit",
      timeZone: "Asia/Shanghai",
      at: "2026-11-25T22:00:00Z",
      dailyLimit: 1,
      contactsAt: ["2026-11-25T16:30:00Z"],
      expected: limitUntil("2026-11-27T00:00:00Z"),
    },
  ]);
});

describe("nextAllowedMoment: objections and bad input", () => {
  const base: NextAllowedMomentParameters = {
    at: utc("2026-11-26T02:00:00Z"),
    timeZone: "Asia/Shanghai",
    dailyLimit: 3,
    contactsAt: [],
    objectionOpen: false,
  };

  it("blocks while an objection is open, with no time, whatever the hour or the count", () => {
    const table: NextAllowedMomentParameters[] = [
      { ...base, objectionOpen: true },
      { ...base, objectionOpen: true, at: utc("2026-11-26T15:00:00Z") },
      { ...base, objectionOpen: true, dailyLimit: 1, contactsAt: [utc("2026-11-26T01:00:00Z")] },
    ];
    for (const parameters of table) {
      expect(nextAllowedMoment(parameters)).to.deep.equal({ kind: "blocked", reason: "objection_open" });
    }
    expect(nextAllowedMoment(base)).to.deep.equal(now);
  });

  it("throws a clear error for an unknown zone, even with an objection open", () => {
    for (const timeZone of ["Mars/Olympus_Mons", "Asia/Shang_hai", ""]) {
      expect(() => nextAllowedMoment({ ...base, timeZone })).to.throw(UnknownTimeZoneError, /Unknown time zone/);
      expect(() => nextAllowedMoment({ ...base, timeZone, objectionOpen: true })).to.throw(UnknownTimeZoneError);
    }
  });

  it("rejects a daily limit below 1 or fractional, and malformed or empty quiet hours", () => {
    const table: [Partial<NextAllowedMomentParameters>, RegExp][] = [
      [{ dailyLimit: 0 }, /dailyLimit 0/],
      [{ dailyLimit: 1.5 }, /dailyLimit 1.5/],
      [{ quietHours: { start: "24:00", end: "08:00" } }, /"24:00" is not HH:MM/],
      [{ quietHours: { start: "22:00", end: "8:00" } }, /"8:00" is not HH:MM/],
      [{ quietHours: { start: "22:00", end: "22:00" } }, /empty/],
    ];
    for (const [change, message] of table) {
      expect(() => nextAllowedMoment({ ...base, ...change })).to.throw(RangeError, message);
    }
  });
});

describe("nextAllowedMoment: properties", () => {
  const zones = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Pacific/Kiritimati",
    "Pacific/Auckland",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "UTC",
  ];
  const quietChoices: QuietHours[] = [
    DEFAULT_QUIET_HOURS,
    { start: "12:00", end: "13:00" },
    { start: "21:30", end: "09:15" },
  ];
  const from = Number(utc("2024-01-01T00:00:00Z"));
  const to = Number(utc("2030-12-31T00:00:00Z"));

  it("answers a moment at or after `at`, outside quiet hours, on a day under the limit, and the first such", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: from, max: to }),
        fc.constantFrom(...zones),
        fc.constantFrom(...quietChoices),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: -3 * 86_400, max: 86_400 }), { maxLength: 6 }),
        (atNumber, timeZone, quietHours, dailyLimit, contactOffsets) => {
          const at = BigInt(atNumber);
          const contactsAt = contactOffsets.map((offset) => at + BigInt(offset));
          const countOn = (date: string) => contactsAt.filter((c) => localTimeOf(c, timeZone).date === date).length;
          const allowed = (moment: bigint) => {
            const local = localTimeOf(moment, timeZone);
            return !isQuietAt(local.secondOfDay, quietHours) && countOn(local.date) < dailyLimit;
          };
          const answer = nextAllowedMoment({ at, timeZone, quietHours, dailyLimit, contactsAt, objectionOpen: false });
          expect(answer.kind).to.not.equal("blocked");
          const moment = answer.kind === "wait" ? answer.until : at;
          expect(moment >= at).to.equal(true);
          expect(allowed(moment), `${moment} allowed`).to.equal(true);
          if (answer.kind === "wait") {
            expect(moment > at).to.equal(true);
            expect(allowed(moment - 1n), `${moment - 1n} not allowed`).to.equal(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
