/**
 * The run's progress on one line: the simulated date, a bar, and the loans by status. On a terminal the line is
 * redrawn in place (`\r`) every day; elsewhere (CI, a pipe) a line is printed at each new month and at the end.
 */
const BAR_WIDTH = 24;
const SHOWN = ["Active", "Late", "Defaulted", "Certified", "Committed", "Disputed", "Repaid", "Settled", "WrittenOff"];

export interface ProgressLine {
  update(day: number, time: bigint, byStatus: ReadonlyMap<string, number>): void;
  /** Ends the line (a newline on a terminal). */
  done(): void;
  /** Whether `update` wants statuses for this day (the caller reads them only then). */
  wants(day: number, time: bigint): boolean;
}

export function createProgressLine({ stream, days }: { stream: NodeJS.WriteStream; days: number }): ProgressLine {
  const tty = stream.isTTY === true;
  let lastMonth = "";
  let drawn = false;
  const month = (time: bigint) => new Date(Number(time) * 1_000).toISOString().slice(0, 7);
  return {
    wants(day, time) {
      return tty || day === days || month(time) !== lastMonth;
    },
    update(day, time, byStatus) {
      lastMonth = month(time);
      const filled = Math.round((day / days) * BAR_WIDTH);
      const bar = `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`;
      const date = new Date(Number(time) * 1_000).toISOString().slice(0, 10);
      const counts = SHOWN.filter((s) => (byStatus.get(s) ?? 0) > 0).map((s) => `${s} ${byStatus.get(s)}`);
      const line = `${bar} ${date} day ${String(day).padStart(String(days).length)}/${days}  ${counts.join("  ")}`;
      if (tty) {
        // Cut to the terminal's width (a line that wraps cannot be redrawn with \r); 0 or unknown: as is.
        const width = stream.columns ?? 0;
        stream.write(`\r\x1b[2K${width > 1 ? line.slice(0, width - 1) : line}`);
        drawn = true;
      } else {
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write("\n");
      drawn = false;
    },
  };
}
