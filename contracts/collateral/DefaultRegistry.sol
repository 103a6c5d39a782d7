// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IDefaultRegistry} from "../interfaces/IDefaultRegistry.sol";
import {ILoanViews} from "../interfaces/ILoanViews.sol";
import {Roles} from "../libraries/Roles.sol";
import {Loans} from "../types/DataTypes.sol";

/// @title DefaultRegistry
/// @notice The industry risk network of seed 001, shared by the loan books of several lenders: does an identity have an
/// open default, and is a collateral pledged to an open loan, with any of them? Nothing here is anyone's word alone:
/// - a member book is admitted by the registry's admin (a consortium), so no contract can invent loans;
/// - a loan's lender (or a reporter it names, such as its keeper) binds it to an identity commitment once (`enroll`),
///   with a notary's attestation that the commitment is the borrower's (EIP-712 `IdentityAttestation(address
///   borrower,bytes32 identity)` in the book's own domain, by a notary of the book who is no party to the loan), so
///   no lender can put a default on someone else's name: a keyed hash (HMAC-SHA256 under the
///   consortium's key of the normalised identity document), so nothing personal is on chain and only members can
///   recompute it;
/// - entries are derived from the book's own state by `sync`, which anyone may call: a default opens when the book says
///   the loan is in default, and closes when the book says it is settled; a pledge opens while the loan is open with
///   collateral held, and closes when it is not.
contract DefaultRegistry is IDefaultRegistry, AccessControl {
    /// @notice A loan's entries.
    struct Entry {
        bytes32 identity;
        bytes32 pledgeKey;
        bool defaultOpen;
    }

    /// @notice The open loan a collateral is pledged to.
    struct Pledge {
        address book;
        uint96 loanId;
    }

    mapping(address book => bool) public isMember;
    mapping(address book => mapping(uint256 loanId => Entry)) private _entries;
    mapping(bytes32 identity => uint256) private _openDefaults;
    mapping(bytes32 key => Pledge) private _pledges;
    mapping(address lender => mapping(address reporter => bool)) private _reporters;

    /// @notice EIP-712 type a notary signs, in the loan book's domain, to attest a borrower's identity commitment.
    bytes32 public constant IDENTITY_ATTESTATION_TYPEHASH = keccak256(
        "IdentityAttestation(address borrower,bytes32 identity)"
    );

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Admits loan book `book` (admin only).
    function addBook(address book) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (isMember[book]) revert DefaultRegistry_AlreadyMember(book);
        if (book.code.length == 0) revert DefaultRegistry_NotAMember(book);
        isMember[book] = true;
        emit BookAdded(book, msg.sender);
    }

    /// @notice Removes `book` (admin only): its entries stay until synced, and it can no longer enroll or sync.
    function removeBook(address book) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!isMember[book]) revert DefaultRegistry_NotAMember(book);
        isMember[book] = false;
        emit BookRemoved(book, msg.sender);
    }

    /// @notice Allows or disallows `reporter` to enroll the caller's loans (a lender's keeper, say).
    function setReporter(address reporter, bool allowed) external {
        _reporters[msg.sender][reporter] = allowed;
        emit ReporterSet(msg.sender, reporter, allowed);
    }

    /// @notice Whether `reporter` enrolls `lender`'s loans.
    function isReporter(address lender, address reporter) external view returns (bool) {
        return _reporters[lender][reporter];
    }

    /// @notice Binds loan `loanId` of `book` to `identity` (its template's lender or one of its reporters, once), on
    /// `notary`'s `attestation` that the commitment is the loan's borrower's; then syncs it.
    function enroll(
        address book,
        uint256 loanId,
        bytes32 identity,
        address notary,
        bytes calldata attestation
    ) external {
        _requireMember(book);
        if (identity == bytes32(0)) revert DefaultRegistry_ZeroIdentity();
        Loans.Loan memory loan = ILoanViews(book).loanOf(loanId);
        address lender = ILoanViews(book).templateOf(loan.templateId).lender;
        if (lender != msg.sender && !_reporters[lender][msg.sender]) {
            revert DefaultRegistry_NotLoanLender(book, loanId, msg.sender);
        }
        _requireAttestation(book, loan.borrower, lender, identity, notary, attestation);
        Entry storage entry = _entries[book][loanId];
        if (entry.identity != bytes32(0)) revert DefaultRegistry_AlreadyEnrolled(book, loanId, entry.identity);
        entry.identity = identity;
        emit IdentityEnrolled(book, loanId, identity);
        _sync(book, loanId, loan);
    }

    /// @notice Brings loan `loanId`'s entries in line with `book`'s state now (anyone).
    function sync(address book, uint256 loanId) external {
        _requireMember(book);
        _sync(book, loanId, ILoanViews(book).loanOf(loanId));
    }

    /// @inheritdoc IDefaultRegistry
    function openDefaults(bytes32 identity) external view returns (uint256) {
        return _openDefaults[identity];
    }

    /// @inheritdoc IDefaultRegistry
    function pledgeOf(bytes32 key) external view returns (address book, uint256 loanId) {
        Pledge memory pledge = _pledges[key];
        return (pledge.book, pledge.loanId);
    }

    /// @notice Loan `loanId` of `book`'s entries: its identity commitment, its pledge key and whether its default is
    /// open.
    function entryOf(address book, uint256 loanId) external view returns (Entry memory) {
        return _entries[book][loanId];
    }

    /// @dev Reverts unless `attestation` is `notary`'s EIP-712 `IdentityAttestation(borrower, identity)` in `book`'s
    /// domain, and `notary` holds the book's notary role without being a party to the loan.
    function _requireAttestation(
        address book,
        address borrower,
        address lender,
        bytes32 identity,
        address notary,
        bytes calldata attestation
    ) private view {
        if (!IAccessControl(book).hasRole(Roles.NOTARY, notary) || notary == borrower || notary == lender) {
            revert DefaultRegistry_NotANotary(book, notary);
        }
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            IDomainSeparator(book).domainSeparator(),
            keccak256(abi.encode(IDENTITY_ATTESTATION_TYPEHASH, borrower, identity))
        );
        if (!SignatureChecker.isValidSignatureNow(notary, digest, attestation)) {
            revert DefaultRegistry_InvalidAttestation(notary);
        }
    }

    function _requireMember(address book) private view {
        if (!isMember[book]) revert DefaultRegistry_NotAMember(book);
    }

    /// @notice Whether `sync(book, loanId)` would change an entry now (a keeper reads it before paying for a sync).
    /// False for a book that is no member, and when the only change would be a pledge another loan holds (a double
    /// pledge: nothing a sync can fix).
    function pendingSync(address book, uint256 loanId) external view returns (bool) {
        if (!isMember[book]) return false;
        Entry storage entry = _entries[book][loanId];
        (bool inDefault, bytes32 key) = _stateOf(book, loanId, ILoanViews(book).loanOf(loanId));
        if (entry.identity != bytes32(0) && inDefault != entry.defaultOpen) return true;
        if (key == entry.pledgeKey) return false;
        return key == bytes32(0) || _pledges[key].book == address(0) || entry.pledgeKey != bytes32(0);
    }

    function _sync(address book, uint256 loanId, Loans.Loan memory loan) private {
        Entry storage entry = _entries[book][loanId];
        (bool inDefault, bytes32 key) = _stateOf(book, loanId, loan);
        bytes32 identity = entry.identity;
        if (identity != bytes32(0) && inDefault != entry.defaultOpen) {
            entry.defaultOpen = inDefault;
            if (inDefault) ++_openDefaults[identity];
            else --_openDefaults[identity];
            emit DefaultEntry(book, loanId, identity, inDefault);
        }

        bytes32 previous = entry.pledgeKey;
        if (key == previous) return;
        if (previous != bytes32(0)) {
            delete _pledges[previous];
            emit PledgeEntry(book, loanId, previous, false);
        }
        if (key != bytes32(0)) {
            Pledge memory holder = _pledges[key];
            if (holder.book != address(0)) {
                // The first pledge keeps the entry; the second is reported, and retried at its next sync.
                emit DoublePledge(key, holder.book, holder.loanId, book, loanId);
                key = bytes32(0);
            } else {
                _pledges[key] = Pledge(book, SafeCast.toUint96(loanId));
                emit PledgeEntry(book, loanId, key, true);
            }
        }
        entry.pledgeKey = key;
    }

    /// @dev What the book says of loan `loanId` now: whether it is in default (from the declaration until the debt is
    /// paid; a written-off debt stays a default), and the key of the collateral it holds while open (0: none).
    function _stateOf(
        address book,
        uint256 loanId,
        Loans.Loan memory loan
    ) private view returns (bool inDefault, bytes32 key) {
        Loans.Status status = ILoanViews(book).statusOf(loanId);
        inDefault =
            status == Loans.Status.Defaulted ||
            status == Loans.Status.Certified ||
            status == Loans.Status.Committed ||
            status == Loans.Status.Disputed ||
            status == Loans.Status.WrittenOff;
        bool open =
            status != Loans.Status.Repaid && status != Loans.Status.Settled && status != Loans.Status.WrittenOff;
        if (!open) return (inDefault, bytes32(0));
        Loans.Collateral memory collateral = ILoanViews(book).collateralOf(loanId);
        if (collateral.token == address(0) && collateral.assetHash == bytes32(0)) return (inDefault, bytes32(0));
        key = ILoanViews(book).collateralKey(ILoanViews(book).templateOf(loan.templateId).collateralKind, collateral);
    }
}

/// @dev The loan book's EIP-712 domain separator (`LoanBook.domainSeparator()`).
interface IDomainSeparator {
    function domainSeparator() external view returns (bytes32);
}
