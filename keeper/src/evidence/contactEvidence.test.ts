import { describe, it } from "node:test";
import { expect } from "chai";
import {
  encodeAbiParameters,
  encodeEventTopics,
  keccak256,
  parseAbiParameters,
  stringToHex,
  type Address,
  type Hex,
  type RpcTransactionReceipt,
} from "viem";
import { evidenceAnchorAbi } from "../abi/evidenceAnchor.ts";
import { buildContactTree, contactLeafHash, type ContactEntry } from "../core/contactMerkle.ts";
import { keeperApiContactSource, readContactEvidence } from "./contactEvidence.ts";
import { EvidenceError } from "./evidenceError.ts";

const ANCHOR: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEEPER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TX: Hex = `0x${"ab".repeat(32)}`;
const BLOCK_HASH: Hex = `0x${"cd".repeat(32)}`;
const TOKEN = "ops-token";
const hash = (text: string) => keccak256(stringToHex(text));

/** The keeper's log entries of loan 7 (the API's form: bigints as strings); entry 2's batch is still open. */
const logEntries = [2, 1].map((id) => ({
  id,
  loanId: "7",
  borrower: KEEPER,
  kind: "remind-3d",
  channel: "letters",
  recipientHash: hash(`borrower@example.org`),
  contentHash: hash(`reminder ${id}`),
  sentAt: String(1_764_115_200 + id),
  anchorId: id === 1 ? 1 : null,
}));
const leafOf = (entry: (typeof logEntries)[number]): ContactEntry => ({
  entryId: BigInt(entry.id),
  loanId: 7n,
  recipientHash: entry.recipientHash,
  contentHash: entry.contentHash,
  sentAt: Number(entry.sentAt),
  channelHash: hash("letters"),
});
const tree = buildContactTree([leafOf(logEntries[1])]);
const receipt = {
  status: "0x1",
  blockNumber: "0x10",
  blockHash: BLOCK_HASH,
  logs: [
    {
      address: ANCHOR.toLowerCase(),
      topics: encodeEventTopics({
        abi: evidenceAnchorAbi,
        eventName: "ContactLogAnchored",
        args: { root: tree.root, anchoredBy: KEEPER },
      }),
      data: encodeAbiParameters(parseAbiParameters("uint64, uint64, uint32"), [1n, 1n, 1]),
      logIndex: "0x2",
    },
  ],
} as unknown as RpcTransactionReceipt;

/** A keeper answering the two contact routes, and refusing any other token. */
function fakeKeeper(options: { status?: number } = {}) {
  const asked: string[] = [];
  const fetch = (async (url: string, init: { headers: Record<string, string> }) => {
    asked.push(url);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (options.status !== undefined) return json(options.status, { error: { message: "refused" } });
    if (init.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: { message: "no" } });
    if (url.endsWith("/api/contacts/log?loanId=7")) return json(200, { entries: logEntries });
    if (url.endsWith("/api/contacts/log/2/proof")) return json(409, { error: { code: "not_anchored" } });
    return json(200, {
      leaf: tree.entries.map(contactLeafHash)[0],
      proof: tree.proofOf(1n),
      root: tree.root,
      anchor: { contract: ANCHOR.toLowerCase(), state: "done", txHash: TX, block: "16" },
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, asked };
}

describe("readContactEvidence", () => {
  const read = (fetch: typeof globalThis.fetch, token = TOKEN) =>
    readContactEvidence({
      source: keeperApiContactSource({ keeperUrl: "http://keeper/", token, fetch }),
      loanId: 7n,
      receiptOf: async () => receipt,
    });

  it("lists each entry in id order: the anchored one with proof and anchor from the receipt, the open one without", async () => {
    const { fetch, asked } = fakeKeeper();
    const contacts = await read(fetch);
    expect(asked[0]).to.equal("http://keeper/api/contacts/log?loanId=7");
    expect(contacts.map((contact) => [contact.entryId, contact.anchored])).to.deep.equal([
      ["1", true],
      ["2", false],
    ]);
    expect(contacts[0]).to.deep.include({ proof: tree.proofOf(1n), root: tree.root });
    expect(contacts[0].anchor).to.deep.equal({
      contract: ANCHOR,
      anchoredBy: KEEPER,
      transactionHash: TX,
      blockNumber: "16",
      blockHash: BLOCK_HASH,
      logIndex: 2,
    });
    expect(contacts[1]).to.deep.include({
      proof: null,
      root: null,
      anchor: null,
      leaf: contactLeafHash(leafOf(logEntries[0])),
    });
    expect(contacts[1].leafValues).to.deep.equal({
      entryId: "2",
      loanId: "7",
      recipientHash: logEntries[0].recipientHash,
      contentHash: logEntries[0].contentHash,
      sentAt: logEntries[0].sentAt,
      channelHash: hash("letters"),
    });
  });

  it("throws an EvidenceError naming the keeper's answer when it refuses", async () => {
    const { fetch } = fakeKeeper();
    await read(fetch, "wrong").then(
      () => expect.fail("a refused token must throw"),
      (error) => {
        expect(error).to.be.instanceOf(EvidenceError);
        expect(error.message).to.equal(
          "the keeper at http://keeper answered 401 to GET /api/contacts/log?loanId=7: no",
        );
      },
    );
    const refusing = fakeKeeper({ status: 403 });
    await read(refusing.fetch).then(
      () => expect.fail("a 403 must throw"),
      (error) => expect(error.message).to.match(/answered 403 .*: refused$/),
    );
  });

  it("throws when the anchoring receipt has no anchor of the stated root", async () => {
    const { fetch } = fakeKeeper();
    const empty = { ...receipt, logs: [] } as unknown as RpcTransactionReceipt;
    await readContactEvidence({
      source: keeperApiContactSource({ keeperUrl: "http://keeper", token: TOKEN, fetch }),
      loanId: 7n,
      receiptOf: async () => empty,
    }).then(
      () => expect.fail("a receipt without the anchor must throw"),
      (error) =>
        expect(error.message).to.match(/contact 1's root is anchored in 0xab.*, whose receipt has no such log/),
    );
  });
});
