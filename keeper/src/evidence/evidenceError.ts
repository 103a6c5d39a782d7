/** A package that cannot be made or read as asked (no such loan, a non-empty output folder, no manifest): the CLI
 * prints its message as one line. */
export class EvidenceError extends Error {
  override readonly name = "EvidenceError";
}
