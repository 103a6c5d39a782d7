/**
 * Compiles the contracts before the demo (`hardhat build --quiet`, solc-js from npm: nothing is downloaded), saying
 * so first: the first build takes minutes, and a silent terminal looks stuck. The compiler's output (OpenZeppelin's
 * transient-storage warning, for one) goes to a log file, and to the terminal only when the build fails.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "../../keeper/src/adapters/chain/localChain.ts";

export class BuildError extends Error {
  override readonly name = "BuildError";
}

/**
 * @example
 * await buildContracts({ out: process.stdout, logFile: ".keeper/build.log" });
 */
export async function buildContracts({ out, logFile }: { out: NodeJS.WritableStream; logFile: string }) {
  out.write("Compiling the contracts (about 3 minutes the first time, seconds after)... ");
  const started = performance.now();
  const hardhat = join(REPOSITORY_ROOT, "node_modules", ".bin", "hardhat");
  const child = spawn(hardhat, ["build", "--quiet"], { cwd: REPOSITORY_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  writeFileSync(logFile, output);
  if (code !== 0) {
    out.write("failed\n");
    throw new BuildError(`hardhat build exited with ${code}:\n${output}`);
  }
  out.write(`done in ${((performance.now() - started) / 1_000).toFixed(1)} s\n`);
}
