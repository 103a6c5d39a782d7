import { describe, it } from "node:test";
import { expect } from "chai";
import { MathRuleError } from "../core/mathError.ts";
import { UsageError, type CliIo, type Command } from "./command.ts";
import { COMMANDS, runCli, usage } from "./runCli.ts";

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
    },
    out: () => stdout,
    err: () => stderr,
  };
}

/** A command that throws `error`, to see how the dispatcher reports it. */
const throwing = (error: unknown): Command => ({
  name: "boom",
  summary: "throws",
  usage: "Usage: loanbook boom\n",
  run: () => {
    throw error;
  },
});

describe("runCli", () => {
  it("lists every command in --help and exits 0", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const { io, out, err } = capture();
      expect(await runCli(argv, io)).to.equal(0);
      expect(err()).to.equal("");
      expect(out()).to.equal(usage());
      const lines = out().split("\n");
      for (const command of COMMANDS) {
        const listed = lines.some((line) => line.startsWith(`  ${command.name} `) && line.endsWith(command.summary));
        expect(listed, command.name).to.equal(true);
      }
    }
  });

  it("prints a command's usage for `help <command>`", async () => {
    const { io, out } = capture();
    expect(await runCli(["help", "schedule"], io)).to.equal(0);
    expect(out()).to.match(/^Usage: loanbook schedule/);
  });

  it("prints the usage on stderr and exits 2 without a command", async () => {
    const { io, out, err } = capture();
    expect(await runCli([], io)).to.equal(2);
    expect(out()).to.equal("");
    expect(err()).to.equal(usage());
  });

  it("exits 2 on an unknown command or an option before the command", async () => {
    for (const [argv, message] of [
      [["frobnicate"], 'error: unknown command "frobnicate"'],
      [["help", "frobnicate"], 'error: unknown command "frobnicate"'],
      [["--json"], "error: unknown option --json (expected a command first)"],
    ] as const) {
      const { io, err } = capture();
      expect(await runCli(argv, io)).to.equal(2);
      expect(err()).to.equal(`${message}\nRun "loanbook --help" for the list of commands.\n`);
    }
  });

  it("reports UsageError and MathRuleError as one line and exit 2", async () => {
    const usageError = capture();
    expect(await runCli(["boom"], usageError.io, [throwing(new UsageError("--x is wrong"))])).to.equal(2);
    expect(usageError.err()).to.equal('error: --x is wrong\nRun "loanbook boom --help" for the options.\n');

    const ruleError = capture();
    const rule = new MathRuleError("ScheduleMath_ZeroPrincipal", [], "principal must be above 0");
    expect(await runCli(["boom"], ruleError.io, [throwing(rule)])).to.equal(2);
    expect(ruleError.err().split("\n")[0]).to.equal("error: principal must be above 0 (ScheduleMath_ZeroPrincipal)");
  });

  it("reports anything else as an internal error with its stack, exit 1", async () => {
    const { io, err } = capture();
    expect(await runCli(["boom"], io, [throwing(new TypeError("x is undefined"))])).to.equal(1);
    expect(err()).to.match(/^internal error in "loanbook boom"/);
    expect(err()).to.contain("TypeError: x is undefined");
    expect(err()).to.match(/^\s+at /m);
  });

  it("awaits asynchronous commands and returns their exit code", async () => {
    const later: Command = { name: "later", summary: "", usage: "", run: async () => 3 };
    expect(await runCli(["later"], capture().io, [later])).to.equal(3);
  });
});
