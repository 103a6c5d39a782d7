/**
 * Reading a package folder for the verifier: its manifest and its raw JSON files, by the paths `manifest.ts` names.
 */
import type { PublicClient } from "viem";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EvidenceError } from "./evidenceError.ts";
import { MANIFEST_FILE, MANIFEST_FORMAT, type EvidenceManifest } from "./manifest.ts";

/** A package on disk. */
export interface EvidencePackage {
  readonly manifest: EvidenceManifest;
  /** The JSON file at `path` (relative to the package); throws naming the file when it is missing or not JSON. */
  readJson(path: string): Record<string, unknown>;
}

/**
 * Opens the package at `dir`; throws `EvidenceError` when it has no readable manifest of this format.
 *
 * @example
 * const evidence = openEvidencePackage("evidence/loan-7");
 * evidence.readJson("receipts/0xab....json");
 */
export function openEvidencePackage(dir: string): EvidencePackage {
  const readJson = (path: string): Record<string, unknown> => {
    const file = join(dir, path);
    if (!existsSync(file)) throw new EvidenceError(`${path} is missing from the package`);
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new EvidenceError(`${path} is not valid JSON (${(error as Error).message})`);
    }
  };
  const manifest = readJson(MANIFEST_FILE) as unknown as EvidenceManifest;
  if (manifest.format !== MANIFEST_FORMAT) {
    throw new EvidenceError(`${MANIFEST_FILE} is not a "${MANIFEST_FORMAT}" manifest (format ${manifest.format})`);
  }
  return { manifest, readJson };
}

/** What each group of checks reads: the package, and the node it is checked against. */
export interface CheckParameters {
  readonly evidence: EvidencePackage;
  readonly client: PublicClient;
}
