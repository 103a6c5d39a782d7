/** How often `until` asks again. */
const POLL_MS = 100;

/**
 * Polls `check` until it returns a value (not undefined), and returns it; throws naming `what` after `timeoutMs`.
 * Mines nothing: what the test waits for comes from the keeper's own sends or the test's.
 *
 * @example
 * const event = await until("the keeper's margin call", async () => (await readEvents())[0]);
 */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
