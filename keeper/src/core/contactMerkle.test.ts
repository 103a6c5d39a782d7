import { describe, it } from "node:test";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { keccak256, stringToHex, type Hex } from "viem";
import {
  CONTACT_LEAF_ENCODING,
  ContactMerkleError,
  buildContactTree,
  contactLeafHash,
  contactLeafValues,
  loadContactTree,
  verifyContactProof,
  type ContactEntry,
  type ContactTreeDump,
} from "./contactMerkle.ts";

const hashOf = (text: string): Hex => keccak256(stringToHex(text));

/** 2026-11-26T00:00:00Z, unix seconds. */
const SENT_AT = 1_764_115_200;

/** A fixed batch of five contacts: reminders by e-mail and SMS, then a default notice. */
const VECTOR: readonly ContactEntry[] = [
  { entryId: 101n, loanId: 1n, recipient: "alice@example.com", content: "Reminder: 1st installment", channel: "email" },
  { entryId: 102n, loanId: 1n, recipient: "+15550100", content: "Reminder: 1st installment", channel: "sms" },
  { entryId: 103n, loanId: 2n, recipient: "bob@example.com", content: "Reminder: 3rd installment", channel: "email" },
  { entryId: 105n, loanId: 1n, recipient: "alice@example.com", content: "Late: 1st installment", channel: "email" },
  { entryId: 108n, loanId: 1n, recipient: "alice@example.com", content: "Default notice, loan 1", channel: "email" },
].map(({ entryId, loanId, recipient, content, channel }, i) => ({
  entryId,
  loanId,
  recipientHash: hashOf(recipient),
  contentHash: hashOf(content),
  sentAt: SENT_AT + i * 3_600,
  channelHash: hashOf(channel),
}));

/** The root of VECTOR. Changes only if the leaf encoding or the tree construction changes: that breaks old proofs. */
const VECTOR_ROOT = "0xd52b69f7508cfd919e60ad0010f2ff5939116de82e4f0485a23722e67b1a1a86";

describe("contactMerkle", () => {
  describe("buildContactTree", () => {
    it("gives the fixed vector its known root, and the anchor arguments", () => {
      const tree = buildContactTree(VECTOR);
      expect(tree.root).to.equal(VECTOR_ROOT);
      expect([tree.firstEntry, tree.lastEntry, tree.count]).to.deep.equal([101n, 108n, 5]);
    });

    it("gives the same root whatever the order of the entries", () => {
      expect(buildContactTree([...VECTOR].reverse()).root).to.equal(VECTOR_ROOT);
    });

    it("proves every entry, and only against its own values", () => {
      const tree = buildContactTree(VECTOR);
      for (const entry of VECTOR) {
        const proof = tree.proofOf(entry.entryId);
        expect(verifyContactProof(tree.root, entry, proof), `entry ${entry.entryId}`).to.equal(true);
      }
    });

    it("refuses a tampered entry, another entry's proof, and another root", () => {
      const tree = buildContactTree(VECTOR);
      const [entry, other] = VECTOR;
      const proof = tree.proofOf(entry.entryId);
      const tampered: [string, ContactEntry][] = [
        ["contentHash", { ...entry, contentHash: hashOf("Reminder: 2nd installment") }],
        ["recipientHash", { ...entry, recipientHash: hashOf("mallory@example.com") }],
        ["channelHash", { ...entry, channelHash: hashOf("sms") }],
        ["sentAt", { ...entry, sentAt: entry.sentAt + 1 }],
        ["loanId", { ...entry, loanId: 2n }],
        ["entryId", { ...entry, entryId: 104n }],
      ];
      for (const [field, altered] of tampered) {
        expect(verifyContactProof(tree.root, altered, proof), field).to.equal(false);
      }
      expect(verifyContactProof(tree.root, other, proof), "another entry").to.equal(false);
      expect(verifyContactProof(tree.root, entry, tree.proofOf(other.entryId)), "another proof").to.equal(false);
      expect(verifyContactProof(tree.root, entry, proof.slice(1)), "a shortened proof").to.equal(false);
      const otherRoot = buildContactTree(VECTOR.slice(1)).root;
      expect(verifyContactProof(otherRoot, entry, proof), "another root").to.equal(false);
    });

    it("makes a one-entry batch whose root is the leaf and whose proof is empty", () => {
      const [entry] = VECTOR;
      const tree = buildContactTree([entry]);
      expect(tree.root).to.equal(contactLeafHash(entry));
      expect(tree.proofOf(entry.entryId)).to.deep.equal([]);
      expect(verifyContactProof(tree.root, entry, [])).to.equal(true);
      expect([tree.firstEntry, tree.lastEntry, tree.count]).to.deep.equal([101n, 101n, 1]);
    });

    it("builds and proves a batch of 1,000 entries quickly", () => {
      const started = performance.now();
      const entries = Array.from({ length: 1_000 }, (_, i) => ({
        ...VECTOR[i % VECTOR.length],
        entryId: BigInt(i + 1),
        contentHash: hashOf(`message ${i}`),
      }));
      const tree = buildContactTree(entries);
      const proof = tree.proofOf(500n);
      expect(proof).to.have.length(10); // ceil(log2(1000))
      expect(verifyContactProof(tree.root, entries[499], proof)).to.equal(true);
      expect([tree.firstEntry, tree.lastEntry, tree.count]).to.deep.equal([1n, 1_000n, 1_000]);
      const elapsed = performance.now() - started;
      // About 0.5 s here (OpenZeppelin's ABI encoding and keccak in JavaScript); the bound leaves room for a busy CI.
      expect(elapsed, `${Math.round(elapsed)} ms`).to.be.below(5_000);
    });

    it("refuses an empty batch, an entry id twice, and proofs of entries not in the batch", () => {
      expect(() => buildContactTree([])).to.throw(ContactMerkleError, "at least one entry");
      expect(() => buildContactTree([VECTOR[0], { ...VECTOR[1], entryId: VECTOR[0].entryId }])).to.throw(
        ContactMerkleError,
        "entry 101 is twice",
      );
      expect(() => buildContactTree(VECTOR).proofOf(104n)).to.throw(ContactMerkleError, "entry 104 is not");
    });
  });

  describe("contactLeafValues", () => {
    it("writes the integers as decimal strings and the hashes in lower case", () => {
      const entry = { ...VECTOR[0], contentHash: VECTOR[0].contentHash.toUpperCase().replace("0X", "0x") as Hex };
      expect(contactLeafValues(entry)).to.deep.equal([
        "101",
        "1",
        VECTOR[0].recipientHash,
        VECTOR[0].contentHash,
        String(SENT_AT),
        VECTOR[0].channelHash,
      ]);
    });

    it("refuses values that do not fit the leaf's types", () => {
      const [entry] = VECTOR;
      const cases: [string, ContactEntry, string][] = [
        ["entryId above uint64", { ...entry, entryId: 2n ** 64n }, "entryId must be"],
        ["negative loanId", { ...entry, loanId: -1n }, "loanId must be"],
        ["sentAt in milliseconds past uint40", { ...entry, sentAt: 2 ** 40 }, "sentAt must be"],
        ["fractional sentAt", { ...entry, sentAt: 1.5 }, "sentAt must be"],
        ["short contentHash", { ...entry, contentHash: "0x1234" }, "contentHash must be 32 bytes"],
      ];
      for (const [name, bad, message] of cases) {
        expect(() => contactLeafValues(bad), name).to.throw(ContactMerkleError, message);
      }
    });
  });

  describe("contactLeafHash", () => {
    it("is OpenZeppelin's StandardMerkleTree leaf hash", () => {
      const tree = StandardMerkleTree.of(VECTOR.map(contactLeafValues), [...CONTACT_LEAF_ENCODING]);
      for (const entry of VECTOR) {
        expect(contactLeafHash(entry)).to.equal(tree.leafHash(contactLeafValues(entry)));
      }
    });
  });

  describe("dump and loadContactTree", () => {
    it("round-trips through JSON: same root, same proofs, same entries", () => {
      const tree = buildContactTree(VECTOR);
      const loaded = loadContactTree(JSON.parse(JSON.stringify(tree.dump())) as ContactTreeDump);
      expect(loaded.root).to.equal(VECTOR_ROOT);
      expect(loaded.entries).to.deep.equal(VECTOR);
      expect([loaded.firstEntry, loaded.lastEntry, loaded.count]).to.deep.equal([101n, 108n, 5]);
      for (const entry of VECTOR) expect(loaded.proofOf(entry.entryId)).to.deep.equal(tree.proofOf(entry.entryId));
    });

    it("refuses a dump with an altered value, or of another leaf encoding", () => {
      const dump = buildContactTree(VECTOR).dump();
      const altered = structuredClone(dump);
      altered.values[0].value[3] = hashOf("something else");
      expect(() => loadContactTree(altered)).to.throw(ContactMerkleError, "inconsistent contact tree");
      const otherEncoding = { ...structuredClone(dump), leafEncoding: ["uint256", "bytes32"] };
      expect(() => loadContactTree(otherEncoding)).to.throw(ContactMerkleError, "not a contact tree");
    });
  });
});
