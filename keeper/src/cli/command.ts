/**
 * What every `loanbook` subcommand is: a name, a usage text and a `run` that reads only its arguments and
 * writes only to the streams it is given, so that a test can call it like the shell does.
 */

/** Where a command writes: `process.stdout` / `process.stderr` in the real CLI, string sinks in tests. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** A subcommand of the `loanbook` CLI. */
export interface Command {
  /** The word typed after `loanbook`, e.g. `schedule`. */
  name: string;
  /** One line for the list of commands in `loanbook --help`. */
  summary: string;
  /** The full `loanbook <name> --help` text. */
  usage: string;
  /**
   * Runs the command with the arguments after its name; returns the exit code. Throws `UsageError` (or the core's
   * `MathRuleError`) for input the user can fix; the dispatcher turns those into exit code 2.
   */
  run(argv: readonly string[], io: CliIo): number | Promise<number>;
}

/** Exit codes of the CLI. */
export const EXIT_OK = 0;
export const EXIT_INTERNAL_ERROR = 1;
export const EXIT_USAGE = 2;

/** A bad command line or input file: printed as one `error: ...` line, never with a stack trace. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
