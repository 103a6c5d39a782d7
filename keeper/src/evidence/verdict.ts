/**
 * A verifier's answer on one item of the package: what was checked, whether it holds, and in words what was found
 * (the file, event index, transaction hash or signer that fails).
 */
export interface Verdict {
  /** What was checked: `sha256 manifest.json`, `event 3 RepaymentMade`, `signature LoanAcceptance 0xab...`. */
  readonly item: string;
  readonly ok: boolean;
  readonly detail: string;
}

export const pass = (item: string, detail: string): Verdict => ({ item, ok: true, detail });
export const fail = (item: string, detail: string): Verdict => ({ item, ok: false, detail });

/**
 * The verdicts of `check`, or one failed verdict on `item` naming the error when the check itself could not run
 * (a tampered file that no longer parses, a node that refuses a query).
 *
 * @example
 * const verdicts = await guarded("receipts", () => verifyReceipts(...));
 */
export async function guarded(item: string, check: () => Promise<Verdict[]> | Verdict[]): Promise<Verdict[]> {
  try {
    return await check();
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return [fail(item, `could not be checked: ${message}`)];
  }
}
