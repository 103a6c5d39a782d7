/**
 * The `loanbook` dispatcher: finds the command named by the first argument in `COMMANDS` and runs it, turning
 * what it throws into an exit code. A new command is one file under commands/ and one line in `COMMANDS`.
 */
import { MathRuleError } from "../core/mathError.ts";
import { EXIT_INTERNAL_ERROR, EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from "./command.ts";
import { apiKeyCommand } from "./commands/apiKey.ts";
import { bankCommand } from "./commands/bank.ts";
import { evidenceCommand } from "./commands/evidence.ts";
import { scheduleCommand } from "./commands/schedule.ts";

/** Every command, in the order `loanbook --help` lists them. */
export const COMMANDS: readonly Command[] = [scheduleCommand, bankCommand, apiKeyCommand, evidenceCommand];

const PROGRAM = "loanbook";

/** The `loanbook --help` text. */
export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const list = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n");
  return `Usage: ${PROGRAM} <command> [options]
(From the repository: npm run cli -- <command> [options])

Loan enforcement tools.

Commands:
${list}

Run "${PROGRAM} <command> --help" for a command's options.
`;
}

/**
 * Runs the command line `argv` (the arguments after the program name) and returns the exit code: 0 on success,
 * 2 for a bad command line or input (one `error:` line and a hint on stderr, no stack trace), 1 for anything
 * unexpected (with its stack, since it is a bug).
 *
 * @example
 * const code = await runCli(["schedule", "--help"], { stdout: process.stdout, stderr: process.stderr }); // 0
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(usage(commands));
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const command = name === "help" && rest[0] !== undefined ? find(commands, rest[0]) : undefined;
    if (name === "help" && rest[0] !== undefined && command === undefined) return unknownCommand(rest[0], io);
    io.stdout.write(command?.usage ?? usage(commands));
    return EXIT_OK;
  }
  const command = find(commands, name);
  if (command === undefined) return unknownCommand(name, io);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MathRuleError) {
      const rule = error instanceof MathRuleError ? ` (${error.errorName})` : "";
      io.stderr.write(`error: ${error.message}${rule}\n`);
      io.stderr.write(`Run "${PROGRAM} ${command.name} --help" for the options.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`internal error in "${PROGRAM} ${command.name}" (a bug, please report it):\n`);
    io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_INTERNAL_ERROR;
  }
}

function find(commands: readonly Command[], name: string): Command | undefined {
  return commands.find((command) => command.name === name);
}

function unknownCommand(name: string, io: CliIo): number {
  const message = name.startsWith("-")
    ? `unknown option ${name} (expected a command first)`
    : `unknown command "${name}"`;
  io.stderr.write(`error: ${message}\n`);
  io.stderr.write(`Run "${PROGRAM} --help" for the list of commands.\n`);
  return EXIT_USAGE;
}
