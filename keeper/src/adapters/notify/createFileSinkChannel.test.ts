import { after, before, describe, it } from "node:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createFileSinkChannel } from "./createFileSinkChannel.ts";
import { fixtureMessage, RECIPIENT } from "./messageFixture.ts";

const NOW_MS = Date.UTC(2026, 10, 26, 2, 0, 0);
let folder: string;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), "letters-"));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

const linesOf = async (path: string) =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("createFileSinkChannel", () => {
  it("appends one JSON line per message, with the time filed, and a byte-offset receipt", async () => {
    const path = join(folder, "letters.jsonl");
    const letters = createFileSinkChannel({ path, clock: () => NOW_MS });
    expect(letters.name).to.equal("letters");
    const first = fixtureMessage("letter-1");
    expect(await letters.deliver(first)).to.deep.equal({ kind: "delivered", receipt: `${path}@0` });
    const firstLength = Buffer.byteLength(await readFile(path, "utf8"));
    expect(await letters.deliver(fixtureMessage("letter-2"))).to.deep.equal({
      kind: "delivered",
      receipt: `${path}@${firstLength}`,
    });
    const lines = await linesOf(path);
    expect(lines.map((line) => line.id)).to.deep.equal(["letter-1", "letter-2"]);
    expect(lines[0]).to.deep.equal({
      id: "letter-1",
      kind: "remindLate1",
      locale: "zh",
      loanId: "7",
      recipient: RECIPIENT,
      recipientHash: first.recipientHash,
      subject: first.subject,
      body: first.body,
      contentHash: first.contentHash,
      filedAt: "2026-11-26T02:00:00.000Z",
    });
    // The body's newlines are escaped: one message, one line.
    expect((await readFile(path, "utf8")).split("\n")).to.have.length(3);
  });

  it("keeps lines whole when deliveries overlap, and writes a message twice if asked twice", async () => {
    const path = join(folder, "overlap.jsonl");
    const letters = createFileSinkChannel({ path, clock: () => NOW_MS });
    const ids = Array.from({ length: 25 }, (_, i) => `letter-${i}`);
    const results = await Promise.all(ids.map((id) => letters.deliver(fixtureMessage(id))));
    expect(results.every((result) => result.kind === "delivered")).to.equal(true);
    expect(new Set(results.map((result) => (result as { receipt: string }).receipt)).size).to.equal(ids.length);
    expect((await linesOf(path)).map((line) => line.id)).to.deep.equal(ids);
    await letters.deliver(fixtureMessage("letter-0"));
    expect((await linesOf(path)).filter((line) => line.id === "letter-0")).to.have.length(2);
  });

  it("retries when the file cannot be written, then carries on", async () => {
    const path = join(folder, "missing-folder", "letters.jsonl");
    const letters = createFileSinkChannel({ path });
    const result = await letters.deliver(fixtureMessage());
    expect(result.kind).to.equal("retry");
    expect((result as { error: string }).error).to.match(/ENOENT/);
    const good = createFileSinkChannel({ path: join(folder, "after.jsonl") });
    expect((await good.deliver(fixtureMessage())).kind).to.equal("delivered");
  });

  it("rejects a message whose content hash is not its text's, writing nothing", async () => {
    const path = join(folder, "tampered.jsonl");
    const letters = createFileSinkChannel({ path });
    const message = fixtureMessage();
    const result = await letters.deliver({ ...message, subject: `${message.subject}!` });
    expect(result.kind).to.equal("rejected");
    await readFile(path).then(
      () => expect.fail("the file should not exist"),
      (error: NodeJS.ErrnoException) => expect(error.code).to.equal("ENOENT"),
    );
    expect(() => createFileSinkChannel({ path: "" })).to.throw(TypeError, /path/);
  });
});
