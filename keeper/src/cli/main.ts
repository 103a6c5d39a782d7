/**
 * Entry point of the `loanbook` CLI (`npm run cli -- <command>`, or bin/loanbook.js once installed): runs the
 * command line against the real process streams. Everything else lives in runCli.ts and commands/, testable.
 */
import { runCli } from "./runCli.ts";

// A reader that stops early (`loanbook schedule ... | head`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
