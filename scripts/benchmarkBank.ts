/**
 * The bank feeds' speed: `npm run bench:bank -- [--records 50000] [--requests 10000] [--concurrency 32] [--json]`.
 *
 * 1. Statement import (`adapters/bank/importStatement.ts`): a camt.053.001.08 file and a CSV of N payments (a quarter
 *    in suspense: an unknown loan) are generated, parsed alone, then imported into a fresh SQLite store (one
 *    transaction, WAL, synchronous FULL): records/s end to end (read, parse, match, store). Then the same payments
 *    under another statement id (every one a duplicate: looked up, compared, not stored): duplicates/s; and the very
 *    same file again (refused as already imported).
 * 2. The webhook (`http/bankWebhook.ts`): the keeper's express app on 127.0.0.1:0 over a fresh store, and signed
 *    POST /bank/webhook requests, each a new payment, from `--concurrency` keep-alive connections: requests/s and
 *    latency (median, p99). Each is stored durably (synchronous FULL commit) before its 201.
 *
 * Prints a table (or one JSON object with --json); never fails on the figures. Target: >= 5,000 records/s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pino from "pino";
import { getAddress } from "viem";
import { importStatement, parseStatementFile } from "../keeper/src/adapters/bank/importStatement.ts";
import { openStore, type Store } from "../keeper/src/adapters/store/openStore.ts";
import { signWebhook, SIGNATURE_HEADER } from "../keeper/src/core/webhookSignature.ts";
import { SOURCE_HEADER } from "../keeper/src/http/bankWebhook.ts";
import { createHttpServer } from "../keeper/src/http/createHttpServer.ts";
import type { KeeperStatus, Metrics } from "../keeper/src/runtime/metrics.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "50000" },
    requests: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "32" },
    json: { type: "boolean", default: false },
  },
});
const integer = (name: string, min: number, max: number) => {
  const text = values[name as keyof typeof values] as string;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
};
const records = integer("records", 1, 5_000_000);
const requests = integer("requests", 1, 1_000_000);
const concurrency = integer("concurrency", 1, 1_024);

const LOANS = 3n;
const SOURCE = "bench_bank";
const SECRET = "whsec-bench-0123456789abcdef0123456789abcdef";
const dir = mkdtempSync(join(tmpdir(), "bank-bench-"));
let stores = 0;

/** A fresh store following loans 1 to 3 (payments to LOAN-4 go to suspense). */
function freshStore(): Store {
  const store = openStore(join(dir, `keeper-${stores++}.sqlite`));
  const address = getAddress("0x" + "ab".repeat(20));
  for (let id = 1n; id <= LOANS; id++) {
    store.upsertLoan({
      id,
      templateId: 1n,
      borrower: address,
      claimHolder: address,
      principal: 10n ** 12n,
      status: 1,
      stage: 0,
      flags: 0,
      nextDueTime: null,
      defaultEligibleAt: null,
      updatedBlock: 1n,
    });
  }
  return store;
}

/** The n-th generated payment's fields. */
const payment = (n: number) => ({
  reference: `BENCH${String(n).padStart(10, "0")}`,
  cents: 100_00 + (n % 100_000),
  time: `2026-11-25T${String(8 + (n % 10)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}:00+08:00`,
  loan: `LOAN-${(n % 4) + 1}`,
});

function camtFile(count: number, statementId: string): Buffer {
  const entries: string[] = [];
  for (let n = 0; n < count; n++) {
    const p = payment(n);
    const amount = `${Math.floor(p.cents / 100)}.${String(p.cents % 100).padStart(2, "0")}`;
    entries.push(`<Ntry><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>${p.time}</DtTm></BookgDt><AcctSvcrRef>${p.reference}</AcctSvcrRef><NtryDtls><TxDtls>
<Refs><EndToEndId>E2E-${p.reference}</EndToEndId></Refs><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RmtInf><Ustrd>Repayment ${p.loan}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`);
  }
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-11-25T23:00:00+08:00</CreDtTm></GrpHdr>
<Stmt><Id>${statementId}</Id><Acct><Id><Othr><Id>1001234509000012345</Id></Othr></Id></Acct>
${entries.join("\n")}
</Stmt></BkToCstmrStmt></Document>
`);
}

function csvFile(count: number, trailer = ""): Buffer {
  const rows = ["bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id"];
  for (let n = 0; n < count; n++) {
    const p = payment(n);
    rows.push(`${p.reference},${p.time},${p.cents * 10_000},CNY,"Repayment ${p.loan}, thank you",E2E-${p.reference}`);
  }
  return Buffer.from(rows.join("\r\n") + "\r\n" + trailer);
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);
const round = (ms: number) => Math.round(ms * 10) / 10;

interface ImportFigures {
  readonly format: string;
  readonly bytes: number;
  readonly parseMs: number;
  readonly importMs: number;
  readonly recordsPerSecond: number;
  readonly stored: number;
  readonly duplicateMs: number;
  readonly duplicatesPerSecond: number;
  readonly duplicates: number;
  readonly alreadyImportedMs: number;
}

function benchImport(format: string, file: Buffer, sameAgain: Buffer): ImportFigures {
  const store = freshStore();
  try {
    let started = performance.now();
    parseStatementFile(file, { decimals: 6, sha256: "x" });
    const parseMs = performance.now() - started;
    const run = (bytes: Buffer) => importStatement({ store, source: SOURCE, fileName: format, bytes, decimals: 6 });
    started = performance.now();
    const first = run(file);
    const importMs = performance.now() - started;
    started = performance.now();
    const second = run(sameAgain);
    const duplicateMs = performance.now() - started;
    started = performance.now();
    const third = run(file);
    const alreadyImportedMs = performance.now() - started;
    if (first.kind !== "imported" || second.kind !== "imported" || third.kind !== "alreadyImported") {
      throw new Error(`unexpected import results: ${first.kind}, ${second.kind}, ${third.kind}`);
    }
    return {
      format,
      bytes: file.length,
      parseMs: round(parseMs),
      importMs: round(importMs),
      recordsPerSecond: perSecond(first.statement.stored, importMs),
      stored: first.statement.stored,
      duplicateMs: round(duplicateMs),
      duplicatesPerSecond: perSecond(second.statement.duplicates, duplicateMs),
      duplicates: second.statement.duplicates,
      alreadyImportedMs: round(alreadyImportedMs),
    };
  } finally {
    store.close();
  }
}

interface WebhookFigures {
  readonly requests: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly stored: number;
  readonly failures: number;
}

async function benchWebhook(): Promise<WebhookFigures> {
  const store = freshStore();
  const status = { lastTickAtMs: null } as unknown as KeeperStatus;
  const metrics = { contentType: "text/plain", metrics: async () => "" } as unknown as Metrics;
  const server = await createHttpServer({
    readModel: store.readModel,
    metrics,
    status: () => status,
    logger: pino({ level: "silent" }),
    clock: Date.now,
    chainNow: () => 0n,
    bank: { store, secrets: { [SOURCE]: SECRET } },
  }).listen(0, "127.0.0.1");
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: "127.0.0.1",
          port: server.port,
          method: "POST",
          path: "/bank/webhook",
          headers: {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(body),
            [SOURCE_HEADER]: SOURCE,
            [SIGNATURE_HEADER]: signWebhook(SECRET, Math.floor(Date.now() / 1000), body),
          },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (let n = next++; n < requests; n = next++) {
      const p = payment(n);
      const body = JSON.stringify({
        id: p.reference,
        amount: String(p.cents * 10_000),
        currency: "CNY",
        bookedAt: p.time,
        remittanceInformation: `Repayment ${p.loan}`,
      });
      const started = performance.now();
      const code = await post(body);
      latencies.push(performance.now() - started);
      if (code !== 201) failures++;
    }
  };
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const ms = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
    return {
      requests,
      concurrency,
      seconds: round(ms / 1000),
      requestsPerSecond: perSecond(requests, ms),
      medianMs: at(0.5),
      p99Ms: at(0.99),
      stored: store.listBankRecords({ limit: 1, offset: 0 }).total,
      failures,
    };
  } finally {
    agent.destroy();
    await server.close();
    store.close();
  }
}

try {
  const camt = benchImport("camt.053.001.08", camtFile(records, "BENCH-1"), camtFile(records, "BENCH-2"));
  const csv = benchImport("csv", csvFile(records), csvFile(records, "\r\n"));
  const webhook = await benchWebhook();
  if (values.json) {
    console.log(JSON.stringify({ records, imports: [camt, csv], webhook }));
  } else {
    const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
    const line = (cells: (string | number)[]) =>
      cells.map((cell, i) => String(cell).padStart(i === 0 ? 16 : 12)).join("");
    console.log(`Statement import, ${records} records, fresh SQLite store (WAL, synchronous FULL), one transaction`);
    console.log(line(["format", "file", "parse ms", "import ms", "records/s", "dup ms", "dups/s", "again ms"]));
    for (const f of [camt, csv]) {
      console.log(
        line([
          f.format,
          mb(f.bytes),
          f.parseMs,
          f.importMs,
          f.recordsPerSecond,
          f.duplicateMs,
          f.duplicatesPerSecond,
          f.alreadyImportedMs,
        ]),
      );
    }
    console.log("");
    console.log(
      `Webhook, ${webhook.requests} signed POST /bank/webhook, ${webhook.concurrency} keep-alive connections`,
    );
    console.log(line(["requests/s", "seconds", "median ms", "p99 ms", "stored", "failures"]));
    console.log(
      line([
        webhook.requestsPerSecond,
        webhook.seconds,
        webhook.medianMs,
        webhook.p99Ms,
        webhook.stored,
        webhook.failures,
      ]),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
