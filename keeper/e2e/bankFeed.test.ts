/**
 * The bank feeds and the contact evidence end to end: a real `hardhat node`, the keeper as its own process, real
 * HTTP, its real SQLite file, and the CLI as its own process for a statement.
 *
 * - Signed webhooks: a partial payment, its redelivery, a payment above the payoff, one with no reference; every
 *   kind of bad delivery refused with its code and nothing stored.
 * - A CSV statement through `loanbook bank import`: one entry the webhook already reported (a duplicate across
 *   feeds), one new; the same file again changes nothing.
 * - The keeper relays each matched payment on chain exactly once and shows it per record; the excess goes back to
 *   suspense with the reason; an operator assigns the unreferenced one, which is then relayed.
 * - Reminders go out under the rules (one borrower is at Kiritimati, where 11:00 in Shanghai is the middle of the
 *   night), land in the letters file with the hash on record, and the contact log is anchored: an entry's proof
 *   from the API verifies on chain against the root the keeper anchored, and a tampered one does not.
 */
import { after, before, describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress, type Address, type Hash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { evidenceAnchorAbi } from "../src/abi/evidenceAnchor.ts";
import { loanBookAbi } from "../src/abi/loanBook.ts";
import { startLocalChain, type LocalChain } from "../src/adapters/chain/localChain.ts";
import { bankReferenceHashOf } from "../src/core/bankReference.ts";
import { signWebhook } from "../src/core/webhookSignature.ts";
import { hardhatKey, ROLE_INDEX } from "../../scripts/demo/accounts.ts";
import { createWorld, type World } from "../../scripts/demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../../scripts/demo/startDemoKeeper.ts";
import { nodeBinary, repositoryRoot } from "./support/keeperProcess.ts";
import { until } from "./support/until.ts";

const SOURCE = "ICBC-SH";
const SECRET = "whsec-icbc-sh-0123456789abcdef0123456789";
const TOKEN = "ops-token-0123456789abcdef0123456789abcdef";
const DAY = 86_400n;
const HOUR = 3_600n;

interface Answer {
  status: number;
  body: any;
}

describe("bank feeds and contact evidence through the keeper process", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "keeper-bank-"));
  const dbPath = join(dir, "keeper.sqlite");
  const lettersPath = join(dir, "letters.jsonl");
  const keeperAddress = privateKeyToAccount(hardhatKey(ROLE_INDEX.keeper)).address;
  let chain: LocalChain | undefined;
  let keeper: DemoKeeper | undefined;
  let world: World;
  let now: bigint;
  const loan = (i: number) => world.loans[i].loanId;

  const post = async (body: string | object, options: { source?: string; secret?: string; t?: number } = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const t = options.t ?? Math.floor(Date.now() / 1000);
    const response = await fetch(`${keeper!.url}/bank/webhook`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Bank-Source": options.source ?? SOURCE,
        "Bank-Signature": signWebhook(options.secret ?? SECRET, t, text),
      },
      body: text,
    });
    return { status: response.status, body: await response.json() } as Answer;
  };
  const call = async (method: string, path: string, body?: object): Promise<Answer> => {
    const response = await fetch(`${keeper!.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const records = async (): Promise<any[]> => (await call("GET", "/bank/records?limit=100")).body.records as any[];
  const recordOf = async (reference: string) => (await records()).find((r) => r.bankReference === reference);
  const payment = (id: string, amount: bigint, remittance: string | undefined, bookedAt = now - HOUR) => ({
    id,
    amount: amount.toString(),
    currency: "TUSD",
    bookedAt: new Date(Number(bookedAt) * 1000).toISOString(),
    ...(remittance === undefined ? {} : { remittanceInformation: remittance }),
  });

  before(async () => {
    chain = await startLocalChain({ port: 0 });
    world = await createWorld({ rpcUrl: chain.url, loans: 4, seed: "e2e-bank", horizonDays: 90 });
    keeper = await startDemoKeeper({
      world,
      dbPath,
      logFile: join(dir, "keeper.log"),
      env: {
        KEEPER_BANK_WEBHOOK_SECRETS: JSON.stringify({ [SOURCE]: SECRET }),
        KEEPER_OPERATOR_TOKENS: JSON.stringify({ ops: TOKEN }),
        KEEPER_CONTACT_LETTERS_PATH: lettersPath,
        KEEPER_ANCHOR_BATCH_SIZE: "2",
        KEEPER_ANCHOR_MAX_AGE_SECONDS: "60",
      },
    });
    await keeper.link.waitUntilCaughtUp();
    // Two days before the first due date, 11:00 in Shanghai: reminders are due, quiet hours are not.
    const detail = (await (
      await fetch(`${keeper.url}/api/loans/${loan(0)}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as any;
    now = BigInt(detail.loan.nextDueTime) - 2n * DAY - 12n * HOUR;
    // Borrower 1 lives at Kiritimati (UTC+14): 03:00 UTC is 17:00 there, fine; its reminder goes too.
    const kiritimati = await call("PUT", `/api/borrowers/${world.loans[1].borrower.address}/contact`, {
      timeZone: "Pacific/Kiritimati",
      locale: "en",
      channel: "letters",
      recipient: "kiritimati-borrower@example.org",
    });
    expect(kiritimati.status).to.equal(200);
    await world.rpc.mineAt(now);
    await keeper.link.waitUntilCaughtUp();
  });

  after(async () => {
    await keeper?.stop();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses every bad delivery with its code, and stores none of them", async () => {
    const before = (await records()).length;
    const body = payment("BAD-1", 1_000n, `LOAN-${loan(0)}`);
    const cases: [Promise<Answer>, number, string][] = [
      [post(body, { secret: SECRET.replace("0", "1") }), 401, "bad_signature"],
      [post(body, { t: Math.floor(Date.now() / 1000) - 301 }), 401, "stale_timestamp"],
      [post(body, { source: "UNKNOWN-BANK" }), 401, "unknown_source"],
      [post("{not json"), 400, "malformed_json"],
      [post({ ...body, amount: "-5" }), 400, "invalid_payment"],
      [post({ ...body, amount: "0" }), 400, "invalid_payment"],
      [post({ ...body, amount: (2n ** 128n).toString() }), 400, "invalid_payment"],
    ];
    for (const [answer, status, code] of cases) {
      const { status: got, body: error } = await answer;
      expect(got, code).to.equal(status);
      expect(error.error.code).to.equal(code);
    }
    expect((await records()).length).to.equal(before);
    // The signed but invalid ones are kept in quarantine, for a person to read.
    // Readable by an operator (or a lender) only: it holds what the banks sent, payers' words included.
    expect((await fetch(`${keeper!.url}/bank/quarantine`)).status).to.equal(401);
    const quarantine = (await call("GET", "/bank/quarantine")).body as { total: number };
    expect(quarantine.total).to.equal(3);
  });

  it("stores webhook payments once (a redelivery is a duplicate), matched or in suspense with the reason", async () => {
    const partial = payment("ICBC-0001", 1_500_000n, `Repayment LOAN-${loan(0)}`);
    const first = await post(partial);
    expect(first.status).to.equal(201);
    expect(first.body.record).to.include({ state: "matched", loanId: String(loan(0)) });
    // A redelivery, keys in another order.
    const again = await post(JSON.stringify(Object.fromEntries(Object.entries(partial).reverse())));
    expect(again.status).to.equal(200);
    expect(again.body.status).to.equal("duplicate");
    const conflicting = await post({ ...partial, amount: "1500001" });
    expect(conflicting.status).to.equal(409);

    const payoff = (await world.rpc.client.readContract({
      address: world.loanBook,
      abi: loanBookAbi,
      functionName: "payoffAmount",
      args: [loan(1)],
    })) as bigint;
    expect((await post(payment("ICBC-0002", payoff * 3n, `LOAN-${loan(1)} all of it`))).status).to.equal(201);
    const unreferenced = await post(payment("ICBC-0003", 2_000_000n, "from my wife's account"));
    expect(unreferenced.body.record).to.include({ state: "suspense" });
    expect(unreferenced.body.record.reason).to.match(/no loan reference/);
    const unknown = await post(payment("ICBC-0004", 3_000_000n, "LOAN-999"));
    expect(unknown.body.record.reason).to.match(/unknown loan/);
  });

  it("imports a CSV statement: the webhook's payment is a duplicate, the new one stored; a second import adds nothing", () => {
    const file = join(dir, "statement.csv");
    const booked = new Date(Number(now - HOUR) * 1000).toISOString();
    writeFileSync(
      file,
      [
        "bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id",
        `ICBC-0001,${booked},1500000,TUSD,"Repayment LOAN-${loan(0)}",`,
        `ICBC-0005,${booked},2500000,TUSD,"Repayment, LOAN-${loan(2)}",E2E-5`,
      ].join("\r\n") + "\r\n",
    );
    const importFile = () =>
      spawnSync(
        nodeBinary,
        ["keeper/src/cli/main.ts", "bank", "import", file, "--source", SOURCE, "--database", dbPath],
        { cwd: repositoryRoot, encoding: "utf8" },
      );
    const first = importFile();
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout)
      .to.match(/duplicates\s+1/)
      .and.match(/stored\s+1/);
    const second = importFile();
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.match(/already imported/);
  });

  it("relays each matched payment on chain exactly once; the excess goes back to suspense; an operator assigns one", async () => {
    const relayed = (reference: string) => async () => {
      const record = await recordOf(reference);
      return record?.state === "relayed" ? record : undefined;
    };
    const first = await until("ICBC-0001 relayed", relayed("ICBC-0001"));
    const fifth = await until("ICBC-0005 relayed", relayed("ICBC-0005"));
    expect(first.relayTx).to.match(/^0x[0-9a-f]{64}$/);
    expect(fifth.relayTx).to.match(/^0x[0-9a-f]{64}$/);
    const excess = await until("ICBC-0002 in suspense", async () => {
      const record = await recordOf("ICBC-0002");
      return record?.state === "suspense" ? record : undefined;
    });
    expect(excess.reason).to.match(/^excess: .* refund or assign$/);
    // Each record shows its relay as the outbox has it.
    expect(first.relay).to.include({ state: "done", outcome: "mined", txHash: first.relayTx });
    expect(excess.relay).to.include({ state: "dropped", outcome: "LoanBook_Overpayment", txHash: null });

    // The unreferenced payment: an operator knows it is borrower 0's.
    const suspense = await recordOf("ICBC-0003");
    const assigned = await call("POST", `/bank/records/${suspense.id}/assign`, { loanId: String(loan(0)) });
    expect(assigned.status).to.equal(200);
    expect(assigned.body.assignedBy).to.equal("ops");
    await until("ICBC-0003 relayed", relayed("ICBC-0003"));
    expect((await call("POST", `/bank/records/${suspense.id}/assign`, { loanId: String(loan(2)) })).status).to.equal(
      409,
    );

    const credited = await world.rpc.client.getContractEvents({
      address: world.loanBook,
      abi: loanBookAbi,
      eventName: "BankPaymentRecorded",
      fromBlock: world.deployBlock,
      strict: true,
    });
    const byHash = new Map(credited.map((event) => [event.args.bankReferenceHash, event.args]));
    expect(credited).to.have.length(3);
    expect(byHash.get(bankReferenceHashOf(SOURCE, "ICBC-0001"))).to.include({ loanId: loan(0), amount: 1_500_000n });
    expect(byHash.get(bankReferenceHashOf(SOURCE, "ICBC-0005"))).to.include({ loanId: loan(2), amount: 2_500_000n });
    expect(byHash.get(bankReferenceHashOf(SOURCE, "ICBC-0003"))).to.include({ loanId: loan(0), amount: 2_000_000n });
    expect(byHash.has(bankReferenceHashOf(SOURCE, "ICBC-0002"))).to.equal(false);
  });

  it("sends the reminders under the rules, logs their hashes, and a contact's proof verifies on chain", async () => {
    const sent = await until("two reminders sent", async () => {
      const { body } = await call("GET", "/api/contacts?state=sent");
      return body.total >= 2 ? body.messages : undefined;
    });
    for (const message of sent) expect(message.kind).to.match(/^remind/);
    const kiritimati = sent.find((message: any) => message.timeZone === "Pacific/Kiritimati");
    expect(kiritimati?.locale).to.equal("en");

    // Each letter in the file is the message on record, word for word.
    const letters = readFileSync(lettersPath, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    for (const message of sent) {
      const letter = letters.find((l) => l.id === `contact-${message.id}`);
      expect(letter, `letter of message ${message.id}`).to.include({
        contentHash: message.contentHash,
        body: message.body,
      });
    }

    // The log's first batch (two entries) is anchored by the keeper; the proof checks out on chain.
    const { body: log } = await call("GET", `/api/contacts/log?loanId=${loan(0)}`);
    const entryId = log.entries[0].id as number;
    const evidence = await until("the batch anchored", async () => {
      await world.rpc.mineAt((await world.rpc.latestTimestamp()) + 1n);
      const { status, body } = await call("GET", `/api/contacts/log/${entryId}/proof`);
      return status === 200 && body.anchor.state === "done" ? body : undefined;
    });
    expect(getAddress(evidence.anchor.contract)).to.equal(world.evidenceAnchor);
    const verify = (anchoredBy: Address, leaf: Hex, proof: Hash[]) =>
      world.rpc.client.readContract({
        address: world.evidenceAnchor,
        abi: evidenceAnchorAbi,
        functionName: "verify",
        args: [anchoredBy, evidence.root, proof, leaf],
      });
    expect(await verify(keeperAddress, evidence.leaf, evidence.proof)).to.equal(true);
    const v = evidence.leafValues;
    const onChainLeaf = await world.rpc.client.readContract({
      address: world.evidenceAnchor,
      abi: evidenceAnchorAbi,
      functionName: "leafOf",
      args: [BigInt(v.entryId), BigInt(v.loanId), v.recipientHash, v.contentHash, Number(v.sentAt), v.channelHash],
    });
    expect(onChainLeaf).to.equal(evidence.leaf);
    // A changed content hash, or a root dated by someone else, proves nothing.
    const tampered = await world.rpc.client.readContract({
      address: world.evidenceAnchor,
      abi: evidenceAnchorAbi,
      functionName: "leafOf",
      args: [
        BigInt(v.entryId),
        BigInt(v.loanId),
        v.recipientHash,
        `0x${"11".repeat(32)}`,
        Number(v.sentAt),
        v.channelHash,
      ],
    });
    expect(await verify(keeperAddress, tampered, evidence.proof)).to.equal(false);
    expect(await verify(world.accounts.lender.address, evidence.leaf, evidence.proof)).to.equal(false);
    // The entry's content hash is the one of the letter that went out.
    const message = sent.find((m: any) => m.contentHash === v.contentHash);
    expect(message, "the anchored entry's message").to.not.equal(undefined);
  });
});
