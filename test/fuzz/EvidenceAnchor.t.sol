// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Test names follow the forge convention `testFuzz_<Subject>_<Property>`, which func-name-mixedcase rejects.
/* solhint-disable func-name-mixedcase */

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {EvidenceAnchor} from "../../contracts/EvidenceAnchor.sol";
import {IEvidenceAnchor} from "../../contracts/interfaces/IEvidenceAnchor.sol";
import {FuzzHelpers} from "./utils/FuzzHelpers.sol";

/// @notice The cheatcode the front-running property adds to `IVm`'s, served at the same address.
interface IVmPrank {
    /// @notice The next call is made with `msgSender` as `msg.sender`.
    function prank(address msgSender) external;
}

/// @title EvidenceAnchorFuzzTest
/// @notice Properties of `EvidenceAnchor` over any root, any entry range and any leaf values: a valid batch is
/// recorded as given under its anchorer and only once per anchorer, another account's anchor of the same root never
/// stops it, an invalid one is never recorded, and a proof verifies only under an account that anchored the root.
contract EvidenceAnchorFuzzTest is FuzzHelpers {
    IVmPrank private constant VM_PRANK = IVmPrank(address(VM));

    /// @notice A batch whose `count` distinct ids fit between `firstEntry` and `lastEntry` is recorded as given, with
    /// its anchorer and block time, under its anchorer only; anchoring its root again reverts with the first record.
    function testFuzz_Anchor_RecordsAValidBatchOnce(
        bytes32 root,
        uint64 firstEntry,
        uint64 span,
        uint32 countSeed,
        address other
    ) public {
        if (root == bytes32(0)) root = keccak256(abi.encode(firstEntry));
        (uint64 lastEntry, uint32 count) = _validBatch(firstEntry, span, countSeed);

        EvidenceAnchor anchor = new EvidenceAnchor();
        anchor.anchor(root, firstEntry, lastEntry, count);
        IEvidenceAnchor.Anchor memory stored = anchor.anchorOf(address(this), root);
        assertEq(uint160(stored.anchoredBy), uint160(address(this)), "anchoredBy is the caller");
        assertEq(stored.anchoredAt, block.timestamp, "anchoredAt is the block time");
        assertEq(stored.firstEntry, firstEntry, "firstEntry as given");
        assertEq(stored.lastEntry, lastEntry, "lastEntry as given");
        assertEq(stored.count, count, "count as given");
        if (other != address(this)) {
            assertEq(uint160(anchor.anchorOf(other, root).anchoredBy), 0, "nothing under another account");
        }

        VM.expectRevert(
            abi.encodeWithSelector(
                IEvidenceAnchor.EvidenceAnchor_AlreadyAnchored.selector,
                root,
                address(this),
                stored.anchoredAt
            )
        );
        anchor.anchor(root, firstEntry, lastEntry, count);
    }

    /// @notice Another account anchoring a root first (front-running the keeper with any valid batch values) never
    /// stops the keeper from anchoring it: each record stands as its anchorer gave it, under its anchorer.
    function testFuzz_Anchor_AnotherAnchorerNeverBlocksTheCaller(
        bytes32 root,
        uint64 firstEntry,
        uint64 span,
        uint32 countSeed,
        uint64 otherFirstEntry,
        uint64 otherSpan,
        uint32 otherCountSeed,
        address other
    ) public {
        if (root == bytes32(0)) root = keccak256(abi.encode(firstEntry));
        // Any other account: no transaction comes from the zero address.
        if (other == address(this) || other == address(0)) other = address(0xF0);
        (uint64 lastEntry, uint32 count) = _validBatch(firstEntry, span, countSeed);
        (uint64 otherLastEntry, uint32 otherCount) = _validBatch(otherFirstEntry, otherSpan, otherCountSeed);

        EvidenceAnchor anchor = new EvidenceAnchor();
        VM_PRANK.prank(other);
        anchor.anchor(root, otherFirstEntry, otherLastEntry, otherCount);
        anchor.anchor(root, firstEntry, lastEntry, count);

        IEvidenceAnchor.Anchor memory mine = anchor.anchorOf(address(this), root);
        assertEq(uint160(mine.anchoredBy), uint160(address(this)), "the caller's anchor names the caller");
        assertEq(mine.firstEntry, firstEntry, "the caller's firstEntry");
        assertEq(mine.lastEntry, lastEntry, "the caller's lastEntry");
        assertEq(mine.count, count, "the caller's count");
        IEvidenceAnchor.Anchor memory theirs = anchor.anchorOf(other, root);
        assertEq(uint160(theirs.anchoredBy), uint160(other), "the other anchor names the other account");
        assertEq(theirs.firstEntry, otherFirstEntry, "the other firstEntry");
        assertEq(theirs.lastEntry, otherLastEntry, "the other lastEntry");
        assertEq(theirs.count, otherCount, "the other count");

        // The other account, too, anchors the root once.
        VM.expectRevert(
            abi.encodeWithSelector(
                IEvidenceAnchor.EvidenceAnchor_AlreadyAnchored.selector,
                root,
                other,
                theirs.anchoredAt
            )
        );
        VM_PRANK.prank(other);
        anchor.anchor(root, firstEntry, lastEntry, count);
    }

    /// @notice Ids running backwards, or more entries than ids between them, revert with the three values.
    function testFuzz_Anchor_RejectsAnInvalidRange(
        bytes32 root,
        uint64 firstEntry,
        uint64 lastEntry,
        uint32 count
    ) public {
        if (root == bytes32(0)) root = keccak256(abi.encode(firstEntry));
        if (count == 0) count = 1;
        // Make the range invalid: either backwards, or too narrow for `count` (count >= 2 needs a narrower span).
        if (lastEntry >= firstEntry && uint256(count) - 1 <= uint256(lastEntry - firstEntry)) {
            if (firstEntry > 0) lastEntry = uint64(bound(lastEntry, 0, firstEntry - 1));
            else {
                count = uint32(bound(count, 2, type(uint32).max));
                lastEntry = uint64(bound(lastEntry, 0, count - 2));
            }
        }
        EvidenceAnchor anchor = new EvidenceAnchor();
        VM.expectRevert(
            abi.encodeWithSelector(IEvidenceAnchor.EvidenceAnchor_InvalidRange.selector, firstEntry, lastEntry, count)
        );
        anchor.anchor(root, firstEntry, lastEntry, count);
        assertEq(uint160(anchor.anchorOf(address(this), root).anchoredBy), 0, "nothing recorded");
    }

    /// @notice In a two-leaf tree of any two distinct entries, each leaf's proof is the other leaf: `verify` accepts
    /// both under the anchorer once it anchored the root, refuses them before and under any other account, and
    /// refuses any other leaf.
    function testFuzz_Verify_TwoLeafTree(
        uint64 entryId,
        uint256 loanId,
        bytes32 contentHash,
        uint40 sentAt,
        bytes32 otherLeaf,
        address otherAnchorer
    ) public {
        EvidenceAnchor anchor = new EvidenceAnchor();
        bytes32 a = anchor.leafOf(entryId, loanId, keccak256("alice"), contentHash, sentAt, keccak256("email"));
        bytes32 b = anchor.leafOf(entryId ^ 1, loanId, keccak256("alice"), contentHash, sentAt, keccak256("email"));
        // StandardMerkleTree's inner node: the hash of the two children, smaller first.
        bytes32 root = Hashes.commutativeKeccak256(a, b);
        bytes32[] memory proofOfA = new bytes32[](1);
        proofOfA[0] = b;
        bytes32[] memory proofOfB = new bytes32[](1);
        proofOfB[0] = a;

        address me = address(this);
        assertEq(_bit(anchor.verify(me, root, proofOfA, a)), 0, "no proof verifies before the root is anchored");
        anchor.anchor(root, entryId & ~uint64(1), entryId | 1, 2);
        assertEq(_bit(anchor.verify(me, root, proofOfA, a)), 1, "a is in the tree");
        assertEq(_bit(anchor.verify(me, root, proofOfB, b)), 1, "b is in the tree");
        if (otherAnchorer != me) {
            assertEq(
                _bit(anchor.verify(otherAnchorer, root, proofOfA, a)),
                0,
                "not under an account that never anchored"
            );
        }
        if (otherLeaf != a && otherLeaf != b) {
            assertEq(_bit(anchor.verify(me, root, proofOfA, otherLeaf)), 0, "another leaf is not in the tree");
        }
        // A single-hashed leaf (the ABI encoding hashed once) is never taken for the leaf.
        bytes32 singleHashed = keccak256(
            abi.encode(entryId, loanId, keccak256("alice"), contentHash, sentAt, keccak256("email"))
        );
        assertEq(_bit(anchor.verify(me, root, proofOfA, singleHashed)), 0, "the single hash is not the leaf");
    }

    /// @dev A valid batch from `firstEntry`: `lastEntry` from `span` (at least `firstEntry`), and `count` from
    /// `countSeed`, at most lastEntry - firstEntry + 1 entries and at most what a uint32 holds.
    function _validBatch(
        uint64 firstEntry,
        uint64 span,
        uint32 countSeed
    ) private pure returns (uint64 lastEntry, uint32 count) {
        lastEntry = uint64(bound(span, firstEntry, type(uint64).max));
        uint256 maxCount = uint256(lastEntry - firstEntry) + 1;
        count = uint32(bound(countSeed, 1, maxCount < type(uint32).max ? maxCount : type(uint32).max));
    }

    function _bit(bool value) private pure returns (uint256) {
        return value ? 1 : 0;
    }
}
