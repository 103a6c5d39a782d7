// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IEvidenceAnchor} from "./interfaces/IEvidenceAnchor.sol";

/// @title EvidenceAnchor
/// @notice Dates the Merkle roots of the keeper's contact log batches and checks inclusion proofs against them.
/// Permissionless: the anchoring account is recorded as the attribution, and anchors are kept per anchorer, so that
/// anchoring a root first (front-running the keeper's transaction) neither takes the keeper's attribution nor makes its
/// anchoring revert.
contract EvidenceAnchor is IEvidenceAnchor {
    /// @dev The record of each root, per account that anchored it.
    mapping(address anchoredBy => mapping(bytes32 root => Anchor record)) private _anchors;

    /// @inheritdoc IEvidenceAnchor
    function anchor(bytes32 root, uint64 firstEntry, uint64 lastEntry, uint32 count) external {
        if (root == bytes32(0)) revert EvidenceAnchor_ZeroRoot();
        if (count == 0) revert EvidenceAnchor_EmptyBatch();
        // `count` distinct ids fit in [firstEntry, lastEntry] when count - 1 <= lastEntry - firstEntry. Neither side
        // underflows: count > 0, and lastEntry >= firstEntry is checked first.
        if (lastEntry < firstEntry || count - 1 > lastEntry - firstEntry) {
            revert EvidenceAnchor_InvalidRange(firstEntry, lastEntry, count);
        }
        // Only the caller's own anchor of `root` stands in the way: another account's never does.
        Anchor storage stored = _anchors[msg.sender][root];
        if (stored.anchoredBy != address(0)) {
            revert EvidenceAnchor_AlreadyAnchored(root, msg.sender, stored.anchoredAt);
        }
        _anchors[msg.sender][root] = Anchor({
            anchoredBy: msg.sender,
            anchoredAt: uint40(block.timestamp),
            firstEntry: firstEntry,
            lastEntry: lastEntry,
            count: count
        });
        emit ContactLogAnchored({
            root: root,
            anchoredBy: msg.sender,
            firstEntry: firstEntry,
            lastEntry: lastEntry,
            count: count
        });
    }

    /// @inheritdoc IEvidenceAnchor
    function anchorOf(address anchoredBy, bytes32 root) external view returns (Anchor memory) {
        return _anchors[anchoredBy][root];
    }

    /// @inheritdoc IEvidenceAnchor
    function verify(
        address anchoredBy,
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool) {
        if (_anchors[anchoredBy][root].anchoredBy == address(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IEvidenceAnchor
    function leafOf(
        uint64 entryId,
        uint256 loanId,
        bytes32 recipientHash,
        bytes32 contentHash,
        uint40 sentAt,
        bytes32 channelHash
    ) external pure returns (bytes32) {
        // StandardMerkleTree's leaf: the hash of the hash of the ABI-encoded values (the double hash keeps a leaf
        // from being taken for an inner node, 64 bytes long).
        return
            keccak256(
                bytes.concat(keccak256(abi.encode(entryId, loanId, recipientHash, contentHash, sentAt, channelHash)))
            );
    }
}
