import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { CliIo } from "../command.ts";
import { runCli } from "../runCli.ts";
import { formatDueOffset, formatRate, parseScheduleArgs } from "./schedule.ts";

/** Runs `loanbook <argv>` in-process and returns what it wrote and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const TERMS_12x30 = ["--rate-bps", "1200", "--interval-days", "30", "--count", "12"];

describe("loanbook schedule: table", () => {
  it("prints the equal-principal table computed by hand", async () => {
    // 1200 bps over 30 days: interest = round-half-up(B * 1200 * 2592000 / (10000 * 31536000)) = round(B * 18 / 1825)
    // B = 120000: 2160000 / 1825 = 1183.56 -> 1184; B = 110000: 1084.93 -> 1085; ... B = 10000: 98.63 -> 99.
    const { code, stdout, stderr } = await cli(
      "schedule",
      "--kind",
      "equal-principal",
      "--principal",
      "120000",
      ...TERMS_12x30,
    );
    expect(stderr).to.equal("");
    expect(code).to.equal(0);
    expect(stdout).to.equal(
      [
        "Equal principal: principal 120000 at 12.00% a year (1200 bps), 12 installments every 30 d, principal 10000 each",
        "",
        "    #  due offset  principal  interest   total  balance after",
        "-----  ----------  ---------  --------  ------  -------------",
        "    1        30 d      10000      1184   11184         110000",
        "    2        60 d      10000      1085   11085         100000",
        "    3        90 d      10000       986   10986          90000",
        "    4       120 d      10000       888   10888          80000",
        "    5       150 d      10000       789   10789          70000",
        "    6       180 d      10000       690   10690          60000",
        "    7       210 d      10000       592   10592          50000",
        "    8       240 d      10000       493   10493          40000",
        "    9       270 d      10000       395   10395          30000",
        "   10       300 d      10000       296   10296          20000",
        "   11       330 d      10000       197   10197          10000",
        "   12       360 d      10000        99   10099              0",
        "-----  ----------  ---------  --------  ------  -------------",
        "total                 120000      7694  127694",
        "",
      ].join("\n"),
    );
  });

  it("names the annuity's equal payment in the header and pays it every period", async () => {
    const { code, stdout } = await cli("schedule", "--kind", "annuity", "--principal", "1000000000", ...TERMS_12x30);
    expect(code).to.equal(0);
    const payment = /equal payment (\d+)/.exec(stdout.split("\n")[0])?.[1];
    expect(payment).to.equal("88771907");
    const rows = stdout.split("\n").filter((line) => /^\s+\d+\s+\d+ d\s/.test(line));
    expect(rows).to.have.length(12);
    // First interest by hand: 1e9 * 18 / 1825 = 9863013.70 -> 9863014, so principal 88771907 - 9863014 = 78908893.
    expect(rows[0].trim().split(/\s+/)).to.deep.equal(["1", "30", "d", "78908893", "9863014", "88771907", "921091107"]);
    for (const row of rows.slice(0, 11)) expect(row.trim().split(/\s+/)[5]).to.equal("88771907");
    expect(stdout).to.match(/^total\s+1000000000\s+\d+\s+\d+$/m);
  });

  it("shows the seconds of due offsets that are not whole days", async () => {
    const { code, stdout } = await cli(
      "schedule",
      "--kind",
      "interest-only",
      "--principal",
      "1000",
      "--rate-bps",
      "0",
      "--interval-seconds",
      "90000",
      "--count",
      "2",
    );
    expect(code).to.equal(0);
    expect(stdout).to.contain("1 d 3600 s");
    expect(stdout).to.contain("2 d 7200 s");
    expect(formatDueOffset(3600)).to.equal("3600 s");
    expect(formatDueOffset(30 * 86_400)).to.equal("30 d");
  });

  it("prints a bullet as one row at the end of the term", async () => {
    const { code, stdout } = await cli("schedule", "--kind", "bullet", "--principal", "1000", ...TERMS_12x30);
    expect(code).to.equal(0);
    // 1000 * 1200 * 360 days / (10000 * 365 days) = 118.36 -> 118
    expect(stdout).to.match(/^\s+1\s+360 d\s+1000\s+118\s+1118\s+0$/m);
    expect(stdout).to.contain("repaid in one payment at 360 d (12 x 30 d)");
  });

  it("formats rates as percent and bps", () => {
    expect(formatRate(1200)).to.equal("12.00% a year (1200 bps)");
    expect(formatRate(5)).to.equal("0.05% a year (5 bps)");
    expect(formatRate(10_000)).to.equal("100.00% a year (10000 bps)");
  });
});

describe("loanbook schedule: --json", () => {
  it("prints one object whose installments keep numbers for offsets and strings for amounts", async () => {
    const { code, stdout } = await cli(
      "schedule",
      "--kind",
      "equalPrincipal",
      "--principal",
      "120000",
      "--rate-bps",
      "1200",
      "--interval-days",
      "30",
      "--count",
      "2",
      "--json",
    );
    expect(code).to.equal(0);
    const output = JSON.parse(stdout);
    expect(output.installments).to.deep.equal([
      // 120000 * 18 / 1825 = 1183.56 -> 1184; 60000 * 18 / 1825 = 591.78 -> 592
      { number: 1, dueOffset: 2592000, principal: "60000", interest: "1184", total: "61184", balanceAfter: "60000" },
      { number: 2, dueOffset: 5184000, principal: "60000", interest: "592", total: "60592", balanceAfter: "0" },
    ]);
    expect(output.terms).to.deep.equal({
      kind: "equalPrincipal",
      principal: "120000",
      rateBps: 1200,
      intervalSeconds: 2592000,
      count: 2,
    });
    expect(output.totals).to.deep.equal({ principal: "120000", interest: "1776", total: "121776" });
  });

  it("keeps amounts above 2^53 exact", async () => {
    const principal = (2n ** 128n - 1n).toString();
    const { code, stdout } = await cli(
      "schedule",
      "--kind",
      "bullet",
      "--principal",
      principal,
      "--rate-bps",
      "0",
      "--interval-days",
      "1",
      "--count",
      "1",
      "--json",
    );
    expect(code).to.equal(0);
    const output = JSON.parse(stdout);
    expect(output.installments[0].principal).to.equal(principal);
    expect(output.terms.principal).to.equal(principal);
    for (const row of output.installments) {
      expect(row.dueOffset).to.be.a("number");
      for (const key of ["principal", "interest", "total"]) expect(row[key]).to.be.a("string").and.match(/^\d+$/);
    }
  });

  it("gives the annuity payment in terms", async () => {
    const { stdout } = await cli(
      "schedule",
      "--kind",
      "annuity",
      "--principal",
      "1000000000",
      ...TERMS_12x30,
      "--json",
    );
    expect(JSON.parse(stdout).terms.payment).to.equal("88771907");
  });
});

describe("loanbook schedule: custom plan", () => {
  let dir = "";
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "loanbook-plan-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const PLAN = JSON.stringify({
    installments: [
      { dueDays: 30, principal: "400000" },
      { dueOffset: 5_184_000, principal: "600_000" },
    ],
  });

  it("reads due days or offsets and principals; the principal is their sum", async () => {
    const { code, stdout, stderr } = await cli(
      "schedule",
      "--kind",
      "custom",
      "--plan",
      file("plan.json", PLAN),
      "--rate-bps",
      "900",
      "--json",
    );
    expect(stderr).to.equal("");
    expect(code).to.equal(0);
    const output = JSON.parse(stdout);
    expect(output.terms).to.include({ kind: "custom", principal: "1000000", count: 2 });
    // 1000000 * 900 * 30 d / (10000 * 365 d) = 7397.26 -> 7397; 600000 * 900 * 30 d / ... = 4438.36 -> 4438
    expect(output.installments).to.deep.equal([
      { number: 1, dueOffset: 2592000, principal: "400000", interest: "7397", total: "407397", balanceAfter: "600000" },
      { number: 2, dueOffset: 5184000, principal: "600000", interest: "4438", total: "604438", balanceAfter: "0" },
    ]);
  });

  it("accepts a --principal equal to the plan's sum and refuses another (PlanSumMismatch)", async () => {
    const plan = file("plan.json", PLAN);
    const same = await cli(
      "schedule",
      "--kind",
      "custom",
      "--plan",
      plan,
      "--rate-bps",
      "900",
      "--principal",
      "1000000",
    );
    expect(same.code).to.equal(0);
    expect(same.stdout).to.contain(
      "Custom plan: principal 1000000 at 9.00% a year (900 bps), 2 installments by plan, the last at 60 d",
    );
    const other = await cli(
      "schedule",
      "--kind",
      "custom",
      "--plan",
      plan,
      "--rate-bps",
      "900",
      "--principal",
      "999999",
    );
    expect(other.code).to.equal(2);
    expect(other.stdout).to.equal("");
    expect(other.stderr).to.match(/^error: the plan's principals add up to 1000000, not to the principal 999999/);
    expect(other.stderr).to.contain("ScheduleMath_PlanSumMismatch");
  });

  const badPlans: [string, string, RegExp][] = [
    ["not JSON", `{"installments": [`, /plan\.json: not valid JSON/],
    ["not an object", `[1, 2]`, /must be a JSON object/],
    ["no installments array", `{"installments": 3}`, /"installments" must be an array/],
    ["an empty plan", `{"installments": []}`, /"installments" is empty/],
    ["an unknown top-level key", `{"installments": [], "rate": 1}`, /unknown key "rate"/],
    [
      "a misspelt key",
      `{"installments": [{"due_days": 30, "principal": "1"}]}`,
      /installments\[0\] has an unknown key "due_days"/,
    ],
    ["no due time", `{"installments": [{"principal": "1"}]}`, /installments\[0\] needs exactly one of "dueOffset"/],
    ["two due times", `{"installments": [{"dueDays": 1, "dueOffset": 86400, "principal": "1"}]}`, /exactly one of/],
    [
      "a fractional day",
      `{"installments": [{"dueDays": 1.5, "principal": "1"}]}`,
      /installments\[0\]\.dueDays must be a whole number/,
    ],
    ["a negative offset", `{"installments": [{"dueOffset": -1, "principal": "1"}]}`, /dueOffset must not be negative/],
    [
      "an offset beyond uint40",
      `{"installments": [{"dueOffset": 1099511627776, "principal": "1"}]}`,
      /dueOffset is out of range/,
    ],
    ["a numeric principal", `{"installments": [{"dueDays": 1, "principal": 5}]}`, /principal must be a decimal string/],
    ["a negative principal", `{"installments": [{"dueDays": 1, "principal": "-5"}]}`, /principal must not be negative/],
    [
      "a principal beyond uint128",
      `{"installments": [{"dueDays": 1, "principal": "${2n ** 128n}"}]}`,
      /principal is out of range/,
    ],
    [
      "due times out of order",
      `{"installments": [{"dueDays": 2, "principal": "1"}, {"dueDays": 1, "principal": "1"}]}`,
      /must be after the previous one.*DueOffsetNotIncreasing/,
    ],
    [
      "principals above uint128 in sum",
      `{"installments": [{"dueDays": 1, "principal": "${2n ** 127n}"}, {"dueDays": 2, "principal": "${2n ** 127n}"}]}`,
      /add up to .* above the maximum principal/,
    ],
  ];
  for (const [problem, content, message] of badPlans) {
    it(`refuses a plan with ${problem} (exit 2)`, async () => {
      const { code, stdout, stderr } = await cli(
        "schedule",
        "--kind",
        "custom",
        "--plan",
        file("plan.json", content),
        "--rate-bps",
        "900",
      );
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr.split("\n")[0])
        .to.match(/^error: /)
        .and.match(message);
    });
  }

  it("refuses a plan file it cannot read (exit 2)", async () => {
    const missing = await cli("schedule", "--kind", "custom", "--plan", join(dir, "nope.json"), "--rate-bps", "900");
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^error: cannot read plan file .*nope\.json: no such file/);
    const directory = await cli("schedule", "--kind", "custom", "--plan", dir, "--rate-bps", "900");
    expect(directory.code).to.equal(2);
    expect(directory.stderr).to.match(/^error: cannot read plan file .*: it is a directory/);
  });
});

describe("loanbook schedule: bad arguments", () => {
  const VALID = ["--kind", "annuity", "--principal", "1000", ...TERMS_12x30];
  const without = (name: string): string[] => {
    const i = VALID.indexOf(name);
    return [...VALID.slice(0, i), ...VALID.slice(i + 2)];
  };
  const replacing = (name: string, value: string): string[] =>
    VALID.map((arg, i) => (VALID[i - 1] === name ? value : arg));

  const cases: [string, string[], RegExp][] = [
    ["an unknown option", [...VALID, "--frequency", "monthly"], /unknown option --frequency/],
    ["a positional argument", [...VALID, "monthly"], /unexpected argument "monthly"/],
    ["an option without its value", [...VALID.slice(0, -1)], /--count needs a value/],
    ["a value given to a flag", [...VALID, "--json=yes"], /--json does not take a value/],
    ["an option given twice", [...VALID, "--count", "6"], /--count is given more than once/],
    ["a missing --kind", without("--kind"), /missing --kind/],
    ["a missing --principal", without("--principal"), /missing --principal/],
    ["a missing --rate-bps", without("--rate-bps"), /missing --rate-bps/],
    ["a missing interval", without("--interval-days"), /missing --interval-days/],
    ["a missing --count", without("--count"), /missing --count/],
    [
      "both interval options",
      [...VALID, "--interval-seconds", "86400"],
      /--interval-days or --interval-seconds, not both/,
    ],
    ["a fractional count", replacing("--count", "1.5"), /--count must be a whole number .*"1\.5"/],
    ["a count in words", replacing("--count", "twelve"), /--count must be a whole number .*"twelve"/],
    ["a negative count", replacing("--count", "-5"), /--count must not be negative, got -5/],
    [
      "a negative rate as --rate-bps=-1",
      [...without("--rate-bps"), "--rate-bps=-1"],
      /--rate-bps must not be negative/,
    ],
    ["a rate in percent", replacing("--rate-bps", "12%"), /--rate-bps must be a whole number/],
    ["a principal in exponent notation", replacing("--principal", "1e9"), /--principal must be a whole number/],
    ["a principal above 2^128 - 1", replacing("--principal", String(2n ** 128n)), /--principal is out of range/],
    [
      "a count above uint16",
      replacing("--count", "65536"),
      /--count is out of range: 65536 is above the maximum 65535/,
    ],
    ["interval days beyond uint32 seconds", replacing("--interval-days", "49711"), /--interval-days is out of range/],
    ["an unknown kind", replacing("--kind", "balloon"), /unknown --kind "balloon"/],
    ["a plan for a non-custom kind", [...VALID, "--plan", "plan.json"], /--plan does not apply to --kind annuity/],
    [
      "a count for a custom plan",
      ["--kind", "custom", "--plan", "p.json", "--rate-bps", "1", "--count", "2"],
      /--count does not apply to --kind custom/,
    ],
    [
      "an interval for a custom plan",
      ["--kind", "custom", "--plan", "p.json", "--rate-bps", "1", "--interval-days", "2"],
      /--interval-days does not apply to --kind custom/,
    ],
    ["a custom kind without a plan", ["--kind", "custom", "--rate-bps", "1"], /missing --plan/],
    // Rules of the schedule math: the core's MathRuleError, named as the Solidity error.
    ["a zero principal", replacing("--principal", "0"), /principal must be above 0 \(ScheduleMath_ZeroPrincipal\)/],
    [
      "a rate above 100%",
      replacing("--rate-bps", "10001"),
      /rate 10001 bps is above the maximum .*ScheduleMath_RateTooHigh/,
    ],
    ["a zero count", replacing("--count", "0"), /installments must be 1 to 360, got 0 .*ScheduleMath_CountOutOfRange/],
    ["too many installments", replacing("--count", "361"), /got 361 .*ScheduleMath_CountOutOfRange/],
    [
      "an interval over a year",
      replacing("--interval-days", "366"),
      /interval must be 1 to 365 days.*ScheduleMath_IntervalOutOfRange/,
    ],
    [
      "an interval under a day",
      [...without("--interval-days"), "--interval-seconds", "3600"],
      /ScheduleMath_IntervalOutOfRange/,
    ],
  ];
  for (const [problem, argv, message] of cases) {
    it(`refuses ${problem} with exit code 2`, async () => {
      const { code, stdout, stderr } = await cli("schedule", ...argv);
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      const [line, hint, ...rest] = stderr.split("\n");
      expect(line)
        .to.match(/^error: /)
        .and.match(message);
      expect(hint).to.equal('Run "loanbook schedule --help" for the options.');
      expect(rest).to.deep.equal([""]);
    });
  }

  it("still accepts each valid variant of the arguments above", async () => {
    for (const argv of [VALID, replacing("--kind", "interestOnly"), replacing("--principal", "1_000")]) {
      expect((await cli("schedule", ...argv)).code).to.equal(0);
    }
    expect(parseScheduleArgs([...without("--interval-days"), "--interval-seconds", "90000"])).to.include({
      kind: "annuity",
      principal: 1000n,
      intervalSeconds: 90_000,
      count: 12,
    });
  });

  it("prints its help on --help, whatever else is given, with exit code 0", async () => {
    for (const argv of [["--help"], ["-h"], [...VALID, "--help"], ["--frequency", "--help"]]) {
      const { code, stdout, stderr } = await cli("schedule", ...argv);
      expect(code).to.equal(0);
      expect(stderr).to.equal("");
      expect(stdout).to.match(/^Usage: loanbook schedule --kind KIND/);
      expect(stdout).to.contain("--interval-seconds N");
    }
  });
});

describe("loanbook schedule: the real process", () => {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  const loanbook = (...argv: string[]) =>
    spawnSync(process.execPath, [join(root, "bin/loanbook.js"), ...argv], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });

  it("exits 0 with the table, 2 on bad arguments without a stack trace, 0 on --help, 2 without a command", () => {
    const ok = loanbook("schedule", "--kind", "annuity", "--principal", "1000000000", ...TERMS_12x30);
    expect(ok.stderr).to.equal("");
    expect(ok.status).to.equal(0);
    expect(ok.stdout).to.match(/^Annuity: principal 1000000000 at 12\.00% a year/);
    expect(ok.stdout).to.match(/^total\s+1000000000\s/m);

    const json = loanbook(
      "schedule",
      "--kind",
      "bullet",
      "--principal",
      "5",
      "--rate-bps",
      "0",
      "--interval-days",
      "1",
      "--count",
      "1",
      "--json",
    );
    expect(json.status).to.equal(0);
    expect(JSON.parse(json.stdout).installments).to.have.length(1);

    for (const argv of [
      ["schedule", "--kind", "annuity", "--count", "-1"],
      [
        "schedule",
        "--kind",
        "annuity",
        "--principal",
        "1",
        "--rate-bps",
        "99999",
        "--interval-days",
        "30",
        "--count",
        "1",
      ],
      ["schedule", "--nope"],
      ["frobnicate"],
    ]) {
      const bad = loanbook(...argv);
      expect(bad.status, argv.join(" ")).to.equal(2);
      expect(bad.stdout).to.equal("");
      expect(bad.stderr).to.match(/^error: /);
      expect(bad.stderr).not.to.match(/^\s+at /m);
    }

    const help = loanbook("--help");
    expect(help.status).to.equal(0);
    expect(help.stdout).to.contain("schedule");

    const none = loanbook();
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/^Usage: loanbook <command>/);
  });
});
