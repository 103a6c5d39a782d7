import { after, beforeEach, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import { contentHashOf, recipientHashOf } from "../core/contact/contentHash.ts";
import { loadContactTree, verifyContactProof } from "../core/contactMerkle.ts";
import { DAY, FLAG_DEFAULTED } from "../core/decisions.ts";
import type { ContactChannel, DeliveryResult, OutgoingMessage } from "../adapters/notify/channel.ts";
import { openStore, type Store } from "../adapters/store/openStore.ts";
import { BASE_FACTS, BORROWER_A, BORROWER_B, loanOf } from "../adapters/store/readModelFixture.ts";
import type { ActionRecord } from "../adapters/store/types.ts";
import { contactEntryOfLog, createContactDesk, type ContactPolicy } from "./contactDesk.ts";
import { ANCHOR_KIND } from "./executor.ts";

/** 2026-11-26 15:30:00 UTC: 23:30 in Shanghai (quiet), 05:30 the next day at Kiritimati (UTC+14, quiet). */
const LATE_EVENING_SHANGHAI = BigInt(Date.UTC(2026, 10, 26, 15, 30) / 1000);
/** 08:00 in Shanghai the next morning. */
const MORNING_SHANGHAI = BigInt(Date.UTC(2026, 10, 27, 0, 0) / 1000);
const HOUR = 3_600n;

const POLICY: ContactPolicy = {
  quietHours: { start: "22:00", end: "08:00" },
  dailyLimit: 2,
  defaultTimeZone: "Asia/Shanghai",
  defaultLocale: "zh",
  defaultChannel: "letters",
  decimals: 6,
  currency: "USDC",
  lenderName: "示例小额贷款有限公司",
  paymentInstructions: { zh: "转账并注明借款编号", en: "a bank transfer quoting the loan reference" },
  contactInstructions: { zh: "客服热线 400-000-0000", en: "our service line 400-000-0000" },
  anchorBatchSize: 3,
  anchorMaxAgeSeconds: HOUR,
};

/** A channel that records what it was given and answers from a script (delivered when the script is empty). */
function scriptedChannel(name: string, script: DeliveryResult[] = []) {
  const sent: OutgoingMessage[] = [];
  const channel: ContactChannel = {
    name,
    async deliver(message) {
      sent.push(message);
      return script.shift() ?? { kind: "delivered" };
    },
  };
  return { channel, sent };
}

describe("contact desk", () => {
  const dir = mkdtempSync(join(tmpdir(), "contact-desk-"));
  let store: Store;
  let letters: ReturnType<typeof scriptedChannel>;
  let file = 0;
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh store with loan 1 (borrower A, installment 1 of 250.5 USDC due at `due`) and loan 2 (borrower B). */
  function setUp(script: DeliveryResult[] = [], facts: Partial<typeof BASE_FACTS> = {}) {
    store = openStore(join(dir, `store-${file++}.sqlite`));
    store.upsertLoan(loanOf(1n, { borrower: BORROWER_A }, facts));
    store.upsertLoan(loanOf(2n, { borrower: BORROWER_B }, facts));
    for (const id of [1n, 2n]) {
      store.replaceInstallments(id, 10n, [
        { number: 1, dueTime: MORNING_SHANGHAI + 3n * DAY, principal: 250_000_000n, interest: 500_000n, paid: 0n },
      ]);
    }
    letters = scriptedChannel("letters", script);
    return createContactDesk({
      store,
      channels: new Map([["letters", letters.channel]]),
      policy: POLICY,
      logger: pino({ level: "silent" }),
      clock: () => 1_000,
    });
  }

  /** Plans contact action `kind` for `loanId` and hands it to the desk as the executor does; returns the action. */
  function queue(desk: ReturnType<typeof setUp>, loanId: bigint, kind: string, now: bigint): ActionRecord {
    store.planActions([
      {
        key: `${loanId}:${kind}:i1`,
        loanId,
        kind,
        installment: 1,
        validFrom: now,
        payload: { dueTime: String(MORNING_SHANGHAI + 3n * DAY) },
      },
    ]);
    const action = store.getActionByKey(`${loanId}:${kind}:i1`)!;
    const outcome = store.transaction(() => desk.queue(action, now));
    expect(outcome).to.equal("queued");
    return action;
  }

  beforeEach(() => {
    file++;
  });

  it("writes the message once, in the borrower's language, with the hash of exactly what it says", () => {
    const desk = setUp();
    queue(desk, 1n, "remindBeforeDue", LATE_EVENING_SHANGHAI);
    const [message] = store.contacts.listContactMessages({ limit: 10, offset: 0 }).messages;
    expect(message).to.include({ state: "waiting", locale: "zh", timeZone: "Asia/Shanghai", channel: "letters" });
    expect(message.body).to.include("LOAN-1").and.include("250.50 USDC").and.include("示例小额贷款有限公司");
    expect(message.contentHash).to.equal(
      contentHashOf({
        kind: "remindBeforeDue",
        locale: "zh",
        loanId: 1n,
        recipientHash: message.recipientHash,
        subject: message.subject,
        body: message.body,
      }),
    );
    // The executor hands an action over once; a second hand-over writes nothing.
    const action = store.getAction(message.actionId)!;
    store.transaction(() => desk.queue(action, LATE_EVENING_SHANGHAI));
    expect(store.contacts.listContactMessages({ limit: 10, offset: 0 }).total).to.equal(1);
  });

  it("hashes the recipient with the lender's secret salt when one is set", () => {
    const salt = `0x${"5a".repeat(32)}` as const;
    setUp();
    const desk = createContactDesk({
      store,
      channels: new Map([["letters", letters.channel]]),
      policy: { ...POLICY, recipientSalt: salt },
      logger: pino({ level: "silent" }),
      clock: () => 1_000,
    });
    queue(desk, 1n, "remindBeforeDue", MORNING_SHANGHAI);
    const [message] = store.contacts.listContactMessages({ limit: 1, offset: 0 }).messages;
    expect(message.recipientHash).to.equal(recipientHashOf(message.recipient, salt));
    expect(message.recipientHash).to.not.equal(recipientHashOf(message.recipient));
  });

  it("holds a message through the borrower's quiet hours and sends it at 08:00 local, logged with its hash", async () => {
    const desk = setUp();
    queue(desk, 1n, "remindBeforeDue", LATE_EVENING_SHANGHAI);
    expect(await desk.deliver(LATE_EVENING_SHANGHAI)).to.equal(0);
    const [waiting] = store.contacts.listContactMessages({ limit: 1, offset: 0 }).messages;
    expect(waiting).to.include({ state: "waiting", waitReason: "quiet_hours", notBefore: MORNING_SHANGHAI });
    expect(await desk.deliver(MORNING_SHANGHAI - 1n)).to.equal(0);
    expect(letters.sent).to.have.length(0);
    expect(await desk.deliver(MORNING_SHANGHAI)).to.equal(1);
    expect(letters.sent).to.have.length(1);
    expect(letters.sent[0]).to.include({ id: `contact-${waiting.id}`, contentHash: waiting.contentHash });
    const [entry] = store.contacts.contactLogOfLoan(1n);
    expect(entry).to.include({ contentHash: waiting.contentHash, sentAt: MORNING_SHANGHAI, channel: "letters" });
    expect(await desk.deliver(MORNING_SHANGHAI + HOUR)).to.equal(0);
  });

  it("judges the rules at the wall clock when it is ahead of the processed block (a live chain's confirmations)", async () => {
    store = openStore(join(dir, `store-${file++}.sqlite`));
    store.upsertLoan(loanOf(1n, { borrower: BORROWER_A }));
    store.replaceInstallments(1n, 10n, [
      { number: 1, dueTime: MORNING_SHANGHAI + 3n * DAY, principal: 1n, interest: 0n, paid: 0n },
    ]);
    const sink = scriptedChannel("letters");
    // The processed block says 21:59:50 in Shanghai; the wall clock says 22:00:10.
    const block = LATE_EVENING_SHANGHAI - 90n * 60n - 10n;
    const wallMs = Number(LATE_EVENING_SHANGHAI - 90n * 60n + 10n) * 1000;
    const desk = createContactDesk({
      store,
      channels: new Map([["letters", sink.channel]]),
      policy: POLICY,
      logger: pino({ level: "silent" }),
      clock: () => wallMs,
    });
    queue(desk, 1n, "remindBeforeDue", block);
    expect(await desk.deliver(block)).to.equal(0);
    expect(sink.sent).to.have.length(0);
    const [message] = store.contacts.listContactMessages({ limit: 1, offset: 0 }).messages;
    expect(message).to.include({ waitReason: "quiet_hours", notBefore: MORNING_SHANGHAI });
  });

  it("keeps a borrower's own zone: 22:00 at Kiritimati is 08:00 UTC, so a morning in UTC is the night there", async () => {
    const desk = setUp();
    store.contacts.setBorrowerContact(
      { borrower: BORROWER_B, timeZone: "Pacific/Kiritimati", locale: "en", channel: "letters", recipient: "+686 1" },
      0,
    );
    // 09:00 UTC is 23:00 at Kiritimati: quiet until 08:00 there, 18:00 UTC.
    const morningUtc = BigInt(Date.UTC(2026, 10, 27, 9, 0) / 1000);
    queue(desk, 2n, "remindDueToday", morningUtc);
    await desk.deliver(morningUtc);
    const [message] = store.contacts.listContactMessages({ loanId: 2n, limit: 1, offset: 0 }).messages;
    expect(message).to.include({ locale: "en", timeZone: "Pacific/Kiritimati", waitReason: "quiet_hours" });
    expect(message.notBefore).to.equal(BigInt(Date.UTC(2026, 10, 27, 18, 0) / 1000));
    expect(message.subject).to.include("LOAN-2");
  });

  it("sends at most dailyLimit messages to a borrower per local day; the next waits for the next morning", async () => {
    const desk = setUp();
    const noon = MORNING_SHANGHAI + 4n * HOUR;
    for (const kind of ["remindBeforeDue", "remindDueToday", "remindLate1"]) queue(desk, 1n, kind, noon);
    expect(await desk.deliver(noon)).to.equal(2);
    const waiting = store.contacts.listContactMessages({ state: "waiting", limit: 10, offset: 0 }).messages;
    expect(waiting).to.have.length(1);
    expect(waiting[0]).to.include({ waitReason: "daily_limit", notBefore: MORNING_SHANGHAI + DAY });
    // Another borrower is not held by A's limit.
    queue(desk, 2n, "remindBeforeDue", noon);
    expect(await desk.deliver(noon + 1n)).to.equal(1);
    expect(await desk.deliver(MORNING_SHANGHAI + DAY)).to.equal(1);
  });

  it("contacts nobody while an objection is open, and looks again at its deadline at the latest", async () => {
    const deadline = LATE_EVENING_SHANGHAI + 30n * DAY;
    const desk = setUp([], { objectionDeadline: deadline, flags: FLAG_DEFAULTED });
    store.planActions([
      { key: "1:defaultNotice:d0", loanId: 1n, kind: "defaultNotice", installment: 0, validFrom: 0n, payload: {} },
    ]);
    const action = store.getActionByKey("1:defaultNotice:d0")!;
    store.transaction(() => desk.queue(action, MORNING_SHANGHAI));
    expect(await desk.deliver(MORNING_SHANGHAI)).to.equal(0);
    const [message] = store.contacts.listContactMessages({ limit: 1, offset: 0 }).messages;
    expect(message).to.include({ waitReason: "objection_open", notBefore: MORNING_SHANGHAI + HOUR });
    expect(letters.sent).to.have.length(0);
    // The objection lapsed (the facts say so): the notice goes.
    store.upsertLoan(loanOf(1n, { borrower: BORROWER_A }, { objectionDeadline: 0n, flags: FLAG_DEFAULTED }));
    expect(await desk.deliver(MORNING_SHANGHAI + HOUR)).to.equal(1);
  });

  it("cancels a reminder whose installment was paid meanwhile, and retries then gives up on a failing channel", async () => {
    const desk = setUp([
      { kind: "retry", error: "503 from the gateway" },
      { kind: "rejected", error: "400 unknown recipient" },
    ]);
    queue(desk, 1n, "remindBeforeDue", MORNING_SHANGHAI);
    queue(desk, 2n, "remindBeforeDue", MORNING_SHANGHAI);
    store.upsertLoan(loanOf(1n, { borrower: BORROWER_A }, { paidInstallments: 1 }));
    await desk.deliver(MORNING_SHANGHAI);
    const byLoan = (id: bigint) => store.contacts.listContactMessages({ loanId: id, limit: 1, offset: 0 }).messages[0];
    expect(byLoan(1n)).to.include({ state: "cancelled", lastError: "installment 1 is paid" });
    expect(byLoan(2n)).to.include({ state: "waiting", waitReason: "retry", attempts: 1 });
    expect(byLoan(2n).notBefore).to.equal(MORNING_SHANGHAI + 60n);
    await desk.deliver(MORNING_SHANGHAI + 60n);
    expect(byLoan(2n)).to.include({ state: "failed", lastError: "400 unknown recipient", attempts: 2 });
    expect(store.contacts.contactLogOfLoan(2n)).to.have.length(0);
  });

  it("a message in doubt (the keeper stopped mid-delivery) is never cancelled unrecorded: it goes again and is logged", async () => {
    const desk = setUp();
    queue(desk, 1n, "remindBeforeDue", MORNING_SHANGHAI);
    const [message] = store.contacts.listContactMessages({ limit: 1, offset: 0 }).messages;
    // The attempt was counted, the channel may have written the letter, then the process died.
    store.contacts.countContactAttempt(message.id, 0);
    store.upsertLoan(loanOf(1n, { borrower: BORROWER_A }, { paidInstallments: 1 }));
    expect(await desk.deliver(MORNING_SHANGHAI + HOUR)).to.equal(1);
    expect(letters.sent.map((m) => m.id)).to.deep.equal([`contact-${message.id}`]);
    expect(store.contacts.getContactMessage(message.id)).to.include({ state: "sent", inDoubt: false, attempts: 2 });
    expect(store.contacts.contactLogOfLoan(1n)).to.have.length(1);
    // Without the doubt, the same paid installment cancels the reminder.
    queue(desk, 2n, "remindBeforeDue", MORNING_SHANGHAI);
    store.upsertLoan(loanOf(2n, { borrower: BORROWER_B }, { paidInstallments: 1 }));
    await desk.deliver(MORNING_SHANGHAI + HOUR);
    expect(store.contacts.listContactMessages({ loanId: 2n, limit: 1, offset: 0 }).messages[0].state).to.equal(
      "cancelled",
    );
  });

  it("closes a batch of the log when full (or old), plans its anchoring once, and every entry's proof verifies", async () => {
    const desk = setUp();
    const noon = MORNING_SHANGHAI + 4n * HOUR;
    queue(desk, 1n, "remindBeforeDue", noon);
    queue(desk, 1n, "remindDueToday", noon);
    queue(desk, 2n, "remindBeforeDue", noon);
    queue(desk, 2n, "remindLate1", noon);
    await desk.deliver(noon);
    expect(store.contacts.unanchoredContacts(10)).to.have.length(4);
    const root = desk.anchor(noon);
    expect(root).to.match(/^0x[0-9a-f]{64}$/);
    const [batch] = store.contacts.contactAnchors();
    expect(batch).to.include({ root, count: 3, actionKey: `0:${ANCHOR_KIND}:${root}` });
    const action = store.getActionByKey(batch.actionKey)!;
    expect(action).to.include({ kind: ANCHOR_KIND, state: "planned" });
    expect(action.payload).to.deep.equal({ root, firstEntry: batch.firstEntry, lastEntry: batch.lastEntry, count: 3 });
    const tree = loadContactTree(JSON.parse(batch.tree));
    for (const id of [batch.firstEntry, batch.firstEntry + 1, batch.lastEntry]) {
      const entry = contactEntryOfLog(store.contacts.getContactLogEntry(id)!);
      expect(verifyContactProof(root!, entry, tree.proofOf(entry.entryId))).to.equal(true);
      expect(verifyContactProof(root!, { ...entry, sentAt: entry.sentAt + 1 }, tree.proofOf(entry.entryId))).to.equal(
        false,
      );
    }
    // One entry left: not full, and young: no batch yet; an hour later it closes alone.
    expect(desk.anchor(noon)).to.equal(null);
    const last = desk.anchor(noon + HOUR);
    expect(last).to.not.equal(null);
    expect(store.contacts.contactAnchors().map((a) => a.count)).to.deep.equal([3, 1]);
    expect(store.contacts.unanchoredContacts(10)).to.have.length(0);
  });

  it("a contact action for a loan the store does not hold is recorded, without a message", () => {
    const desk = setUp();
    store.planActions([
      { key: "9:defaultNotice:d0", loanId: 9n, kind: "defaultNotice", installment: 0, validFrom: 0n, payload: {} },
    ]);
    const action = store.getActionByKey("9:defaultNotice:d0")!;
    expect(store.transaction(() => desk.queue(action, MORNING_SHANGHAI))).to.equal("noLoan");
    expect(store.contacts.listContactMessages({ limit: 1, offset: 0 }).total).to.equal(0);
  });

  it("a message that cannot be written (no certificate to cite) is reported, and the pass goes on", () => {
    const desk = setUp([], { flags: FLAG_DEFAULTED, certified: true });
    store.planActions([
      {
        key: "1:litigationRiskNotice:d0",
        loanId: 1n,
        kind: "litigationRiskNotice",
        installment: 0,
        validFrom: 0n,
        payload: {},
      },
    ]);
    const action = store.getActionByKey("1:litigationRiskNotice:d0")!;
    expect(store.transaction(() => desk.queue(action, MORNING_SHANGHAI))).to.equal("messageFailed");
  });
});
