// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IEvidenceAnchor
/// @notice A permissionless timestamping registry for the keeper's borrower contact log. The keeper builds a Merkle
/// tree of a batch of log entries with OpenZeppelin's `StandardMerkleTree` (keeper/src/core/contactMerkle.ts) and
/// anchors its root here; each entry then has an inclusion proof that anyone, a court included, can check against a
/// root the chain dated. Only hashes go on chain: no personal data.
/// @dev No roles: whoever anchors a root is recorded with it, and that account is the attribution (a lender knows its
/// keeper's address). Anchors are kept per anchorer, keyed by (anchoredBy, root): a court checks that the root was
/// dated by the lender's known keeper address, so what matters is who anchored it, not whether anyone did. Were roots
/// global, anyone seeing the keeper's pending `anchor` transaction could front-run it with the same root, take the
/// attribution and make the keeper's transaction revert; per anchorer, another account anchoring the same root
/// records its own anchor and leaves the keeper's untouched. Each anchorer anchors a root once; its first anchoring
/// stands.
interface IEvidenceAnchor {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice What the chain records for one root anchored by one account. All zero for a root that account never
    /// anchored.
    struct Anchor {
        // slot 0
        /// The account that anchored the root.
        address anchoredBy;
        /// The timestamp of the block that anchored it.
        uint40 anchoredAt;
        // slot 1
        /// The id of the batch's first contact log entry.
        uint64 firstEntry;
        /// The id of its last entry.
        uint64 lastEntry;
        /// The number of entries in the batch (the tree's leaves).
        uint32 count;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Emitted when `anchoredBy` anchored `root`: the Merkle root of `count` contact log entries with ids from
    /// `firstEntry` to `lastEntry`.
    event ContactLogAnchored(
        bytes32 indexed root,
        address indexed anchoredBy,
        uint64 firstEntry,
        uint64 lastEntry,
        uint32 count
    );

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Thrown when the root to anchor is zero.
    error EvidenceAnchor_ZeroRoot();

    /// @notice Thrown when the caller, `anchoredBy`, already anchored `root`, at `anchoredAt`. (Another account's
    /// anchor of the same root never stops the caller's.)
    error EvidenceAnchor_AlreadyAnchored(bytes32 root, address anchoredBy, uint40 anchoredAt);

    /// @notice Thrown when the batch to anchor counts no entry.
    error EvidenceAnchor_EmptyBatch();

    /// @notice Thrown when the entry ids run backwards (`lastEntry < firstEntry`), or when `count` entries with
    /// distinct ids cannot fit between them (`count > lastEntry - firstEntry + 1`).
    error EvidenceAnchor_InvalidRange(uint64 firstEntry, uint64 lastEntry, uint32 count);

    /*//////////////////////////////////////////////////////////////
                                FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Anchors `root`, the Merkle root of `count` contact log entries with ids from `firstEntry` to
    /// `lastEntry` (gaps allowed: entries never sent are not in the log's batches), recording the caller and the
    /// block's timestamp under the caller. Anyone may anchor; each account anchors a root once, whoever else
    /// anchored it (so nobody can front-run the keeper's anchoring to take its attribution or make it revert).
    function anchor(bytes32 root, uint64 firstEntry, uint64 lastEntry, uint32 count) external;

    /// @notice The record of `root` as anchored by `anchoredBy` (all zero when that account never anchored it).
    function anchorOf(address anchoredBy, bytes32 root) external view returns (Anchor memory);

    /// @notice Whether `proof` proves that `leaf` is in the tree of `root`, and `anchoredBy` anchored `root` (false
    /// when that account did not, whoever else did). `leaf` is the tree's leaf hash: `leafOf` of the entry. A court
    /// passes the lender's known keeper address as `anchoredBy`.
    function verify(
        address anchoredBy,
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool);

    /// @notice The `StandardMerkleTree` leaf hash of one contact log entry:
    /// `keccak256(bytes.concat(keccak256(abi.encode(entryId, loanId, recipientHash, contentHash, sentAt,
    /// channelHash))))`. `sentAt` is in unix seconds; the hashes are keccak256 of the recipient's address, the
    /// message's content and the channel's name, computed off chain.
    function leafOf(
        uint64 entryId,
        uint256 loanId,
        bytes32 recipientHash,
        bytes32 contentHash,
        uint40 sentAt,
        bytes32 channelHash
    ) external pure returns (bytes32);
}
