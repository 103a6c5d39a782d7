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
  type PublicClient,
  type RpcLog,
} from "viem";
import { evidenceAnchorAbi } from "../abi/evidenceAnchor.ts";
import { buildContactTree, contactLeafHash, type ContactEntry } from "../core/contactMerkle.ts";
import { manifestLeafOf } from "./contactEvidence.ts";
import type { EvidencePackage } from "./evidencePackage.ts";
import { receiptPath, type EvidenceManifest, type ManifestContact } from "./manifest.ts";
import { contactProblems, processProof, verifyContacts } from "./verifyContacts.ts";

const ANCHOR: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEEPER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const LENDER: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const TX: Hex = `0x${"ab".repeat(32)}`;
const BLOCK_HASH: Hex = `0x${"cd".repeat(32)}`;
const hash = (text: string) => keccak256(stringToHex(text));

const entries: ContactEntry[] = [1n, 2n, 3n].map((entryId) => ({
  entryId,
  loanId: 7n,
  recipientHash: hash(`borrower-${entryId}@example.org`),
  contentHash: hash(`reminder ${entryId}`),
  sentAt: 1_764_115_200 + Number(entryId),
  channelHash: hash("letters"),
}));
const tree = buildContactTree(entries);

/** The anchoring receipt: one `ContactLogAnchored` log of `root` by `anchoredBy`. */
function receiptOf(root: Hex, anchoredBy: Address = KEEPER) {
  const log = {
    address: ANCHOR.toLowerCase(),
    topics: encodeEventTopics({ abi: evidenceAnchorAbi, eventName: "ContactLogAnchored", args: { root, anchoredBy } }),
    data: encodeAbiParameters(parseAbiParameters("uint64, uint64, uint32"), [1n, 3n, 3]),
    logIndex: "0x0",
    blockNumber: "0x10",
    blockHash: BLOCK_HASH,
    transactionHash: TX,
  } as unknown as RpcLog;
  return { logs: [log], status: "0x1" as const, blockNumber: "0x10" as Hex, blockHash: BLOCK_HASH };
}

/** The manifest's contact of entry 2, anchored in `tree`. */
function contactOf(entry: ContactEntry = entries[1]): ManifestContact {
  return {
    entryId: entry.entryId.toString(),
    leafValues: manifestLeafOf(entry),
    leaf: contactLeafHash(entry),
    anchored: true,
    proof: tree.proofOf(entry.entryId),
    root: tree.root,
    anchor: {
      contract: ANCHOR,
      anchoredBy: KEEPER,
      transactionHash: TX,
      blockNumber: "16",
      blockHash: BLOCK_HASH,
      logIndex: 0,
    },
  };
}

describe("processProof", () => {
  it("leads every entry's leaf to the tree's root, as OpenZeppelin's MerkleProof does", () => {
    for (const entry of entries) {
      expect(processProof(contactLeafHash(entry), tree.proofOf(entry.entryId))).to.equal(tree.root);
    }
  });
});

describe("contactProblems", () => {
  const problemsOf = (contact: ManifestContact, receipt = receiptOf(tree.root)) =>
    contactProblems(contact, "7", receipt);

  it("finds nothing wrong with an untouched anchored entry", () => {
    expect(problemsOf(contactOf())).to.deep.equal([]);
  });

  it("fails on a leaf field changed: its values no longer hash to the leaf", () => {
    const contact = contactOf();
    const tampered = { ...contact, leafValues: { ...contact.leafValues, contentHash: hash("another letter") } };
    expect(problemsOf(tampered).join("; ")).to.match(/leaf values hash to 0x[0-9a-f]{64}, not the stated leaf/);
  });

  it("fails on a leaf field and the leaf changed together: the proof no longer reaches the root", () => {
    const entry = { ...entries[1], sentAt: entries[1].sentAt + 86_400 };
    const tampered = { ...contactOf(), leafValues: manifestLeafOf(entry), leaf: contactLeafHash(entry) };
    expect(problemsOf(tampered)).to.deep.equal([
      `the proof leads to ${processProof(contactLeafHash(entry), tree.proofOf(2n))}, not the stated root ${tree.root}`,
    ]);
  });

  it("fails on a proof element changed", () => {
    const contact = contactOf();
    const proof = [...contact.proof!];
    proof[0] = `0x${"11".repeat(32)}`;
    expect(problemsOf({ ...contact, proof }).join("; ")).to.match(/^the proof leads to 0x[0-9a-f]{64}, not the stated/);
  });

  it("fails on another root: the proof does not reach it and the anchoring transaction does not anchor it", () => {
    const other = buildContactTree(entries.slice(0, 2)).root;
    const problems = problemsOf({ ...contactOf(), root: other });
    expect(problems.join("; "))
      .to.include(`not the stated root ${other}`)
      .and.include(`transaction ${TX} anchors no root ${other}`);
  });

  it("fails on another anchoring account", () => {
    const contact = contactOf();
    expect(problemsOf({ ...contact, anchor: { ...contact.anchor!, anchoredBy: LENDER } })).to.deep.equal([
      `the root was anchored by ${KEEPER}, not the stated ${LENDER}`,
    ]);
    expect(problemsOf(contact, receiptOf(tree.root, LENDER))).to.deep.equal([
      `the root was anchored by ${LENDER}, not the stated ${KEEPER}`,
    ]);
  });

  it("fails on an entry of another loan", () => {
    expect(contactProblems(contactOf(), "8", receiptOf(tree.root))).to.include("its leaf is of loan 7, not loan 8");
  });
});

describe("verifyContacts", () => {
  const packageOf = (contacts: EvidenceManifest["contacts"]): EvidencePackage => ({
    manifest: { loanId: "7", contacts } as EvidenceManifest,
    readJson: (path) => {
      if (path !== receiptPath(TX)) throw new Error(`${path} is missing from the package`);
      return receiptOf(tree.root) as unknown as Record<string, unknown>;
    },
  });
  const clientAnswering = (answer: boolean) => {
    const calls: unknown[] = [];
    const client = { readContract: async (call: unknown) => (calls.push(call), answer) } as unknown as PublicClient;
    return { client, calls };
  };

  it("passes an anchored entry that EvidenceAnchor.verify accepts, asking it with the stated values", async () => {
    const { client, calls } = clientAnswering(true);
    const contact = contactOf();
    const verdicts = await verifyContacts({ evidence: packageOf({ keeper: "http://k", entries: [contact] }), client });
    expect(verdicts).to.have.length(1);
    expect(verdicts[0]).to.include({ item: "contact 2", ok: true });
    expect(calls).to.deep.equal([
      {
        address: ANCHOR,
        abi: evidenceAnchorAbi,
        functionName: "verify",
        args: [KEEPER, tree.root, contact.proof, contact.leaf],
      },
    ]);
  });

  it("fails, by name, an entry the node's EvidenceAnchor.verify rejects", async () => {
    const { client } = clientAnswering(false);
    const [verdict] = await verifyContacts({
      evidence: packageOf({ keeper: "http://k", entries: [contactOf()] }),
      client,
    });
    expect(verdict).to.include({ item: "contact 2", ok: false });
    expect(verdict.detail).to.match(/EvidenceAnchor\.verify at 0x[0-9a-fA-F]{40} answers false on the node/);
  });

  it("fails an entry whose batch was not anchored, saying it is the keeper's word only", async () => {
    const { client, calls } = clientAnswering(true);
    const unanchored = { ...contactOf(entries[2]), anchored: false, proof: null, root: null, anchor: null };
    const [verdict] = await verifyContacts({
      evidence: packageOf({ keeper: "http://k", entries: [unanchored] }),
      client,
    });
    expect(verdict).to.include({ item: "contact 3", ok: false });
    expect(verdict.detail).to.match(/^its batch was not anchored when the package was exported/);
    expect(calls).to.have.length(0);
  });

  it("says a package exported without a keeper has no contacts (old packages too)", async () => {
    const { client } = clientAnswering(true);
    for (const contacts of [null, undefined]) {
      const verdicts = await verifyContacts({ evidence: packageOf(contacts), client });
      expect(verdicts).to.deep.equal([
        { item: "contacts", ok: true, detail: "none in the package (exported without --keeper): nothing to check" },
      ]);
    }
  });
});
