/**
 * A channel that files each message as one JSON line appended to a file: the letter room, from which the print shop
 * takes the letters to print and post. Each message is written whole (one `write` of the line under `O_APPEND`),
 * then `fsync`ed before `deliver` answers, so a letter reported delivered survives a crash. Writes from one channel
 * are serialized; do not point two processes at one file.
 *
 * Not idempotent by itself: delivering a message twice writes it twice. The caller sends each message once (the
 * outbox's key), and the print shop drops a line whose `id` it has seen. A crash in mid-write can leave a torn last
 * line without a newline: the reader skips a line that does not parse. The receipt is `<path>@<byte offset>`.
 */
import { open } from "node:fs/promises";
import {
  describeError,
  toMessageJson,
  type ContactChannel,
  type DeliveryResult,
  type OutgoingMessage,
} from "./channel.ts";

export interface CreateFileSinkChannelParameters {
  /** The file to append to; created if missing (its folder must exist). */
  readonly path: string;
  /** Wall clock, unix ms (default `Date.now`): each line's `filedAt`. */
  readonly clock?: () => number;
  /** Default "letters". */
  readonly name?: string;
}

/**
 * A `ContactChannel` appending one JSON line per message to `path`: the message's fields (`loanId` as a string) and
 * `filedAt` (ISO 8601, UTC).
 *
 * @example
 * const letters = createFileSinkChannel({ path: "/var/spool/loan-letters/letters.jsonl" });
 * await letters.deliver(message); // { kind: "delivered", receipt: "/var/spool/loan-letters/letters.jsonl@1024" }
 */
export function createFileSinkChannel(parameters: CreateFileSinkChannelParameters): ContactChannel {
  const { path } = parameters;
  if (typeof path !== "string" || path === "") throw new TypeError("File sink channel needs a path");
  const clock = parameters.clock ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  async function append(line: string): Promise<DeliveryResult> {
    const handle = await open(path, "a");
    try {
      const { size } = await handle.stat();
      await handle.writeFile(line, "utf8");
      await handle.sync();
      return { kind: "delivered", receipt: `${path}@${size}` };
    } finally {
      await handle.close();
    }
  }

  return {
    name: parameters.name ?? "letters",
    deliver(message: OutgoingMessage): Promise<DeliveryResult> {
      let line: string;
      try {
        line = `${JSON.stringify({ ...toMessageJson(message), filedAt: new Date(clock()).toISOString() })}\n`;
      } catch (error) {
        return Promise.resolve({ kind: "rejected", error: describeError(error) });
      }
      // One write at a time; a disk error is worth retrying (the folder may be remounted, the disk freed).
      const result = queue.then(
        () => append(line),
        () => append(line),
      );
      queue = result.catch(() => undefined);
      return result.catch((error: unknown): DeliveryResult => ({ kind: "retry", error: describeError(error) }));
    },
  };
}
