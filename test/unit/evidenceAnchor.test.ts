/**
 * EvidenceAnchor: anchoring a contact log batch (the record, the event, each refusal with its arguments), and the
 * proofs of a tree built in TypeScript (keeper/src/core/contactMerkle.ts) checked on chain: `leafOf` computes the
 * TypeScript leaf hash, `verify` accepts each entry's proof against the root its anchorer anchored and refuses anything
 * altered. Anchors are per anchorer: another account anchoring the keeper's root first (front-running it) neither stops
 * the keeper's anchoring nor makes `verify` accept the root under the keeper's address.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";
import {
  encodeAbiParameters,
  getAddress,
  keccak256,
  parseAbiParameters,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Hex,
} from "viem";

import {
  CONTACT_LEAF_ENCODING,
  buildContactTree,
  contactLeafHash,
  verifyContactProof,
  type ContactEntry,
} from "../../keeper/src/core/contactMerkle.ts";

const hashOf = (text: string): Hex => keccak256(stringToHex(text));
const ROOT = hashOf("a contact log batch");
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT32 = 2 ** 32 - 1;
/** What one anchoring may cost: two new storage slots, the event and the call. */
const ANCHOR_GAS_LIMIT = 80_000n;

/** Six contacts over two loans, by three channels; entry ids with gaps (104, 106 were never sent). */
const ENTRIES: readonly ContactEntry[] = [
  [101n, 1n, "alice@example.com", "Reminder: installment 1 due 2026-12-01", "email"],
  [102n, 1n, "+15550100", "Reminder: installment 1 due 2026-12-01", "sms"],
  [103n, 2n, "bob@example.com", "Reminder: installment 3 due 2026-12-03", "email"],
  [105n, 1n, "alice@example.com", "Late: installment 1, penalty accrues from 2026-12-04", "email"],
  [107n, 2n, "bob@example.com", "Late: installment 3", "letter"],
  [108n, 1n, "alice@example.com", "Default notice, loan 1", "email"],
].map(([entryId, loanId, recipient, content, channel], i) => ({
  entryId: entryId as bigint,
  loanId: loanId as bigint,
  recipientHash: hashOf(recipient as string),
  contentHash: hashOf(content as string),
  sentAt: 1_764_115_200 + i * 86_400,
  channelHash: hashOf(channel as string),
}));

/** `entry` as `leafOf`'s arguments. */
const leafArgs = (e: ContactEntry) =>
  [e.entryId, e.loanId, e.recipientHash, e.contentHash, e.sentAt, e.channelHash] as const;

async function deployAnchor() {
  const { viem } = await network.create();
  const [deployer, keeper, stranger] = await viem.getWalletClients();
  const anchor = await viem.deployContract("EvidenceAnchor");
  const publicClient = await viem.getPublicClient();
  const asKeeper = { account: keeper.account };
  const keeperAddress = getAddress(keeper.account.address);
  const strangerAddress = getAddress(stranger.account.address);
  return { viem, anchor, publicClient, deployer, keeper, stranger, asKeeper, keeperAddress, strangerAddress };
}

describe("EvidenceAnchor", () => {
  describe("anchor", () => {
    it("records the anchoring account and block time, and emits ContactLogAnchored", async () => {
      const { viem, anchor, publicClient, asKeeper, keeperAddress, strangerAddress } = await deployAnchor();
      await viem.assertions.emitWithArgs(
        anchor.write.anchor([ROOT, 101n, 108n, 6], asKeeper),
        anchor,
        "ContactLogAnchored",
        [ROOT, keeperAddress, 101n, 108n, 6],
      );
      const block = await publicClient.getBlock();
      expect(await anchor.read.anchorOf([keeperAddress, ROOT])).to.deep.equal({
        anchoredBy: keeperAddress,
        anchoredAt: Number(block.timestamp),
        firstEntry: 101n,
        lastEntry: 108n,
        count: 6,
      });
      // Recorded under the keeper only.
      expect((await anchor.read.anchorOf([strangerAddress, ROOT])).anchoredBy).to.equal(zeroAddress);
    });

    it(`costs less than ${ANCHOR_GAS_LIMIT} gas`, async () => {
      const { anchor, publicClient, asKeeper } = await deployAnchor();
      const hash = await anchor.write.anchor([ROOT, 1n, 1_000n, 1_000], asKeeper);
      const { gasUsed, status } = await publicClient.waitForTransactionReceipt({ hash });
      expect(status).to.equal("success");
      expect(gasUsed < ANCHOR_GAS_LIMIT, `${gasUsed} gas`).to.equal(true);
    });

    it("accepts a batch filling its range, one with gaps, and the widest range", async () => {
      const { anchor, asKeeper, keeperAddress } = await deployAnchor();
      const cases: [Hex, bigint, bigint, number][] = [
        [hashOf("full"), 7n, 9n, 3],
        [hashOf("one entry"), 7n, 7n, 1],
        [hashOf("gaps"), 7n, 20n, 2],
        [hashOf("widest"), 0n, MAX_UINT64, MAX_UINT32],
      ];
      for (const [root, first, last, count] of cases) {
        await anchor.write.anchor([root, first, last, count], asKeeper);
        const stored = await anchor.read.anchorOf([keeperAddress, root]);
        expect([stored.firstEntry, stored.lastEntry, stored.count]).to.deep.equal([first, last, count]);
      }
    });

    it("reverts EvidenceAnchor_ZeroRoot for a zero root", async () => {
      const { viem, anchor, asKeeper } = await deployAnchor();
      await viem.assertions.revertWithCustomErrorWithArgs(
        anchor.write.anchor([zeroHash, 1n, 1n, 1], asKeeper),
        anchor,
        "EvidenceAnchor_ZeroRoot",
        [],
      );
    });

    it("reverts EvidenceAnchor_EmptyBatch for a count of 0", async () => {
      const { viem, anchor, asKeeper } = await deployAnchor();
      await viem.assertions.revertWithCustomErrorWithArgs(
        anchor.write.anchor([ROOT, 1n, 5n, 0], asKeeper),
        anchor,
        "EvidenceAnchor_EmptyBatch",
        [],
      );
    });

    it("reverts EvidenceAnchor_InvalidRange for ids running backwards, or more entries than ids", async () => {
      const { viem, anchor, asKeeper, keeperAddress } = await deployAnchor();
      const cases: [bigint, bigint, number][] = [
        [9n, 8n, 1],
        [MAX_UINT64, 0n, 1],
        [7n, 9n, 4],
        [5n, 5n, 2],
      ];
      for (const [first, last, count] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          anchor.write.anchor([ROOT, first, last, count], asKeeper),
          anchor,
          "EvidenceAnchor_InvalidRange",
          [first, last, count],
        );
      }
      expect((await anchor.read.anchorOf([keeperAddress, ROOT])).anchoredBy).to.equal(zeroAddress);
    });

    it("reverts EvidenceAnchor_AlreadyAnchored for a root the caller anchored before", async () => {
      const { viem, anchor, asKeeper, keeperAddress } = await deployAnchor();
      await anchor.write.anchor([ROOT, 101n, 108n, 6], asKeeper);
      const first = await anchor.read.anchorOf([keeperAddress, ROOT]);
      for (const [firstEntry, lastEntry, count] of [
        [101n, 108n, 6],
        [1n, 2n, 2],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          anchor.write.anchor([ROOT, firstEntry, lastEntry, count], asKeeper),
          anchor,
          "EvidenceAnchor_AlreadyAnchored",
          [ROOT, keeperAddress, first.anchoredAt],
        );
      }
      expect(await anchor.read.anchorOf([keeperAddress, ROOT])).to.deep.equal(first);
    });

    it("lets the keeper anchor a root another account anchored first (a front-run), each under its own address", async () => {
      const { viem, anchor, publicClient, stranger, asKeeper, keeperAddress, strangerAddress } = await deployAnchor();
      // The front-runner copies the keeper's pending transaction, possibly with other batch values.
      await anchor.write.anchor([ROOT, 1n, 2n, 2], { account: stranger.account });
      const strangers = await anchor.read.anchorOf([strangerAddress, ROOT]);
      expect(strangers.anchoredBy).to.equal(strangerAddress);
      expect((await anchor.read.anchorOf([keeperAddress, ROOT])).anchoredBy).to.equal(zeroAddress);

      await viem.assertions.emitWithArgs(
        anchor.write.anchor([ROOT, 101n, 108n, 6], asKeeper),
        anchor,
        "ContactLogAnchored",
        [ROOT, keeperAddress, 101n, 108n, 6],
      );
      const block = await publicClient.getBlock();
      expect(await anchor.read.anchorOf([keeperAddress, ROOT])).to.deep.equal({
        anchoredBy: keeperAddress,
        anchoredAt: Number(block.timestamp),
        firstEntry: 101n,
        lastEntry: 108n,
        count: 6,
      });
      // The front-runner's anchor is its own, untouched, and it cannot anchor the root twice either.
      expect(await anchor.read.anchorOf([strangerAddress, ROOT])).to.deep.equal(strangers);
      await viem.assertions.revertWithCustomErrorWithArgs(
        anchor.write.anchor([ROOT, 101n, 108n, 6], { account: stranger.account }),
        anchor,
        "EvidenceAnchor_AlreadyAnchored",
        [ROOT, strangerAddress, strangers.anchoredAt],
      );
    });
  });

  describe("a contact tree built in TypeScript, checked on chain", () => {
    it("leafOf computes the TypeScript leaf hash of every entry", async () => {
      const { anchor } = await deployAnchor();
      for (const entry of ENTRIES) {
        expect(await anchor.read.leafOf(leafArgs(entry)), `entry ${entry.entryId}`).to.equal(contactLeafHash(entry));
      }
      // Extremes of each type encode alike on both sides.
      const extreme: ContactEntry = {
        entryId: MAX_UINT64,
        loanId: 2n ** 256n - 1n,
        recipientHash: `0x${"ff".repeat(32)}`,
        contentHash: zeroHash,
        sentAt: 2 ** 40 - 1,
        channelHash: `0x${"00".repeat(31)}01`,
      };
      expect(await anchor.read.leafOf(leafArgs(extreme))).to.equal(contactLeafHash(extreme));
    });

    it("verify accepts each entry's proof against the anchored root", async () => {
      const { anchor, asKeeper, keeperAddress } = await deployAnchor();
      const tree = buildContactTree(ENTRIES);
      expect(
        await anchor.read.verify([keeperAddress, tree.root, tree.proofOf(101n), contactLeafHash(ENTRIES[0])]),
      ).to.equal(false, "not anchored yet");
      await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count], asKeeper);
      expect([tree.firstEntry, tree.lastEntry, tree.count]).to.deep.equal([101n, 108n, 6]);
      for (const entry of ENTRIES) {
        const leaf = await anchor.read.leafOf(leafArgs(entry));
        expect(
          await anchor.read.verify([keeperAddress, tree.root, tree.proofOf(entry.entryId), leaf]),
          `entry ${entry.entryId}`,
        ).to.equal(true);
      }
    });

    it("verify refuses a tampered entry, a tampered or another entry's proof, and an unanchored root", async () => {
      const { anchor, asKeeper, keeperAddress } = await deployAnchor();
      const tree = buildContactTree(ENTRIES);
      await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count], asKeeper);
      const [entry, other] = ENTRIES;
      const proof = tree.proofOf(entry.entryId);
      const leaf = contactLeafHash(entry);
      const verify = (root: Hex, nodes: readonly Hex[], hash: Hex) =>
        anchor.read.verify([keeperAddress, root, nodes, hash]);

      const tamperedContent = { ...entry, contentHash: hashOf("Reminder: installment 1 due 2026-12-15") };
      expect(await verify(tree.root, proof, await anchor.read.leafOf(leafArgs(tamperedContent))), "content").to.be
        .false;
      const tamperedTime = { ...entry, sentAt: entry.sentAt - 86_400 };
      expect(await verify(tree.root, proof, contactLeafHash(tamperedTime)), "sentAt").to.equal(false);
      expect(await verify(tree.root, proof, contactLeafHash(other)), "another entry").to.equal(false);
      expect(await verify(tree.root, tree.proofOf(other.entryId), leaf), "another entry's proof").to.equal(false);
      const flipped = [`0x${(BigInt(proof[0]) ^ 1n).toString(16).padStart(64, "0")}` as Hex, ...proof.slice(1)];
      expect(await verify(tree.root, flipped, leaf), "a bit flipped in the proof").to.equal(false);
      expect(await verify(tree.root, proof.slice(0, -1), leaf), "a shortened proof").to.equal(false);
      // The leaf is hashed twice: the single hash of the entry's encoding is not a leaf.
      const singleHashed = keccak256(
        encodeAbiParameters(parseAbiParameters([...CONTACT_LEAF_ENCODING].join(",")), [...leafArgs(entry)]),
      );
      expect(await verify(tree.root, proof, singleHashed), "single-hashed leaf").to.equal(false);

      // A valid proof of a tree nobody anchored.
      const unanchored = buildContactTree(ENTRIES.slice(0, 5));
      const unanchoredProof = unanchored.proofOf(entry.entryId);
      expect(verifyContactProof(unanchored.root, entry, unanchoredProof), "valid off chain").to.equal(true);
      expect(await verify(unanchored.root, unanchoredProof, leaf), "unanchored root").to.equal(false);
    });

    it("verify is false under an account that did not anchor the root, and true under each that did", async () => {
      const { anchor, deployer, stranger, asKeeper, keeperAddress, strangerAddress } = await deployAnchor();
      const tree = buildContactTree(ENTRIES);
      const [entry] = ENTRIES;
      const args = (anchoredBy: Hex) =>
        [anchoredBy, tree.root, tree.proofOf(entry.entryId), contactLeafHash(entry)] as const;

      // A root the stranger anchored (a front-run) does not verify under the keeper's address.
      await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count], {
        account: stranger.account,
      });
      expect(await anchor.read.verify(args(strangerAddress)), "the stranger anchored it").to.equal(true);
      expect(await anchor.read.verify(args(keeperAddress)), "the keeper has not").to.equal(false);

      await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count], asKeeper);
      expect(await anchor.read.verify(args(keeperAddress)), "the keeper anchored it").to.equal(true);
      expect(await anchor.read.verify(args(getAddress(deployer.account.address))), "the deployer never did").to.equal(
        false,
      );
      expect(await anchor.read.verify(args(zeroAddress)), "the zero address").to.equal(false);
    });

    it("anchors and verifies a one-entry batch: the root is the leaf, the proof empty", async () => {
      const { anchor, asKeeper, keeperAddress } = await deployAnchor();
      const [entry] = ENTRIES;
      const tree = buildContactTree([entry]);
      await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count], asKeeper);
      expect(tree.proofOf(entry.entryId)).to.deep.equal([]);
      expect(
        await anchor.read.verify([keeperAddress, tree.root, [], await anchor.read.leafOf(leafArgs(entry))]),
      ).to.equal(true);
      expect(await anchor.read.verify([keeperAddress, tree.root, [], contactLeafHash(ENTRIES[1])])).to.equal(false);
    });
  });
});
