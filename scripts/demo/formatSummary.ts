/**
 * The run's summary as a text table (amounts with the token's 6 decimals) and as the JSON of `--summary-json`
 * (amounts as decimal strings of base units).
 */
import type { DemoSummary } from "./readSummary.ts";
import type { ContactProofCheck } from "./verifyContactProof.ts";

/** The local stack's TestToken has 6 decimals. */
const DECIMALS = 6;
const STATUS_ORDER = [
  "Active",
  "Late",
  "Defaulted",
  "Certified",
  "Committed",
  "Disputed",
  "Repaid",
  "Settled",
  "WrittenOff",
];

/** The order messages' states are shown in. */
const MESSAGE_STATES = ["sent", "waiting", "cancelled", "failed"] as const;
/** Why a message waits, in words. */
const WAIT_REASONS: Readonly<Record<string, string>> = {
  quiet_hours: "quiet hours (22:00-08:00 local)",
  daily_limit: "the daily limit",
  objection_open: "an open objection",
  retry: "a retry",
  due: "the next pass",
};

export interface RunTimings {
  /** Wall seconds of each phase, in order. */
  readonly phases: readonly { readonly name: string; readonly seconds: number }[];
  readonly seconds: number;
}

/** `1234567891n` → `1,234.567891`. */
export function formatAmount(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = (abs / 10n ** BigInt(DECIMALS)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = (abs % 10n ** BigInt(DECIMALS)).toString().padStart(DECIMALS, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

const group = (n: number | bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Rows of cells, columns padded; numbers (cells after the first) right-aligned. */
function table(rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join("   ")
        .trimEnd(),
  );
}

/**
 * @example
 * process.stdout.write(formatSummary(summary, timings));
 */
export function formatSummary(summary: DemoSummary, timings: RunTimings, proof?: ContactProofCheck): string {
  const lines: string[] = [];
  lines.push(`Summary: ${summary.loans} loans, ${summary.days} days, seed ${JSON.stringify(summary.seed)}`, "");

  lines.push("Loans by final state (statusOf)");
  const statuses = [
    ...STATUS_ORDER.filter((s) => s in summary.byStatus),
    ...Object.keys(summary.byStatus).filter((s) => !STATUS_ORDER.includes(s)),
  ];
  lines.push(...table(statuses.map((s) => [s, String(summary.byStatus[s])])), "");

  lines.push("Money (TUSD)");
  lines.push(
    ...table([
      ["principal lent", formatAmount(summary.principalLent)],
      ["recovered", formatAmount(summary.recovered)],
      ["  of which bank payments (relayed)", formatAmount(summary.bankPayments)],
      ["  of which commitment payments", formatAmount(summary.commitmentPayments)],
      ["penalties paid", formatAmount(summary.penalties)],
    ]),
    "",
  );

  lines.push("Keeper actions (the keeper's database)");
  const kinds = Object.keys(summary.actions).sort();
  const actionRows = [["kind", "done", "dropped", "failed", "waiting"]];
  for (const kind of kinds) {
    const a = summary.actions[kind];
    actionRows.push([kind, String(a.done), String(a.dropped), String(a.failed), String(a.planned + a.sent)]);
  }
  lines.push(...table(actionRows));
  lines.push(
    `  duplicateActions: ${summary.duplicateActions}${summary.duplicateActions === 0 ? " (every action done by one mined transaction at most)" : "  <-- exactly-once VIOLATED"}`,
  );
  const { defaults, breaches } = summary.keeperActors;
  lines.push(
    `  defaults declared by the keeper: ${defaults.keeper} (by anyone else: ${defaults.others}); breaches: ${breaches.keeper} (others: ${breaches.others})`,
    "",
  );

  lines.push(...formatContact(summary, proof), "");

  lines.push("Keeper transactions (receipts)");
  const tx = summary.keeperTransactions;
  const txRows = [["function", "transactions", "gas used"]];
  for (const [name, entry] of Object.entries(tx.byFunction).sort())
    txRows.push([name, String(entry.transactions), group(entry.gasUsed)]);
  txRows.push(["total", String(tx.count), group(tx.gasUsed)]);
  lines.push(...table(txRows));
  if (tx.reverted !== 0) lines.push(`  reverted: ${tx.reverted}`);
  lines.push("");

  lines.push(`Wall time: ${timings.seconds.toFixed(1)} s`);
  lines.push(...table(timings.phases.map((p) => [p.name, `${p.seconds.toFixed(1)} s`])));
  lines.push("", `Digest: ${summary.digest}`);
  return `${lines.join("\n")}\n`;
}

/** The "Contact" section: messages, letters, the contact log and its anchoring, and the proof checked on chain. */
function formatContact(summary: DemoSummary, proof: ContactProofCheck | undefined): string[] {
  const c = summary.contact;
  const lines = ["Contact with borrowers (letters, quiet hours, contact log anchored on chain)"];
  const rows = [["message", ...MESSAGE_STATES]];
  for (const kind of Object.keys(c.byKind).sort())
    rows.push([kind, ...MESSAGE_STATES.map((s) => String(c.byKind[kind][s]))]);
  rows.push(["total", ...MESSAGE_STATES.map((s) => String(c.messages[s]))]);
  lines.push(...table(rows));
  const zones = Object.entries(c.byTimeZone)
    .sort(([, a], [, b]) => b.sent + b.waiting + b.cancelled - (a.sent + a.waiting + a.cancelled))
    .map(([zone, n]) => `${zone} ${n.sent}/${n.waiting}/${n.cancelled}`);
  lines.push(`  by borrower's zone (sent/waiting/cancelled): ${zones.join(", ")}`);
  const waiting = Object.entries(c.waitingBy)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${n} still waiting for ${WAIT_REASONS[reason] ?? reason}`);
  lines.push(`  held back: ${[...waiting, `${c.sentAfterWaiting} sent after a wait`].join("; ")}`);
  const locales = Object.entries(c.letters.byLocale)
    .sort()
    .map(([locale, n]) => `${n} ${locale}`);
  lines.push(
    `  letters file: ${c.letters.lines} letters (${locales.join(", ") || "none"})` +
      (c.letters.duplicates === 0 ? ", one per message sent" : `, ${c.letters.duplicates} filed twice`),
  );
  lines.push(
    `  contact log: ${c.logEntries} entries; ${c.batches.anchored} batches anchored on chain (${c.batches.anchoredEntries} entries)` +
      `${c.batches.closed === c.batches.anchored ? "" : `, ${c.batches.closed - c.batches.anchored} being anchored`}, ` +
      `${c.unanchoredEntries} in the open batch`,
  );
  if (proof !== undefined) {
    lines.push(
      proof.verified
        ? `  proof of contact #${proof.entryId} (loan ${proof.loanId}) verified on chain against root ${proof.root} (block ${proof.block})`
        : `  proof of contact #${proof.entryId} (loan ${proof.loanId}) NOT verified on chain against root ${proof.root}  <-- VIOLATED`,
    );
  }
  return lines;
}

/** The `--summary-json` document. */
export function summaryJson(summary: DemoSummary, timings: RunTimings, proof?: ContactProofCheck): string {
  const byFunction = Object.fromEntries(
    Object.entries(summary.keeperTransactions.byFunction).map(([name, e]) => [
      name,
      { transactions: e.transactions, gasUsed: Number(e.gasUsed) },
    ]),
  );
  const document = {
    loans: summary.loans,
    days: summary.days,
    seed: summary.seed,
    byStatus: summary.byStatus,
    actions: summary.actions,
    duplicateActions: summary.duplicateActions,
    principalLent: summary.principalLent.toString(),
    recovered: summary.recovered.toString(),
    bankPayments: summary.bankPayments.toString(),
    commitmentPayments: summary.commitmentPayments.toString(),
    penalties: summary.penalties.toString(),
    gasUsed: {
      total: Number(summary.keeperTransactions.gasUsed),
      transactions: summary.keeperTransactions.count,
      byFunction,
    },
    keeperActors: summary.keeperActors,
    events: summary.events,
    contact: { ...summary.contact, proof: proof ?? null },
    digest: summary.digest,
    seconds: Math.round(timings.seconds * 10) / 10,
    phases: Object.fromEntries(timings.phases.map((p) => [p.name, Math.round(p.seconds * 10) / 10])),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
