// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Repayments} from "../abstracts/Repayments.sol";
import {Loans} from "../types/DataTypes.sol";

/// @title EnforcementBase
/// @notice What every part of the enforcement module needs: the loan's status, its claim holder, roles and the pause
/// (read from LoanBook, whose code owns them), and EIP-712 signatures with unordered nonces.
/// @dev The module runs by delegatecall from LoanBook, so `address(this)` is LoanBook: the EIP-712 domain is
/// LoanBook's, and role, pause and ownership checks are calls to LoanBook's own functions. It declares no state
/// variable (ReentrancyGuardTransient's lock is a transient slot shared with LoanBook's).
abstract contract EnforcementBase is Repayments, ReentrancyGuardTransient {
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant NAME_HASH = keccak256("LoanBook");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @dev The holder of the claim token, read from LoanBook (reverts for an unknown loan).
    function _claimHolder(uint256 loanId) internal view override returns (address) {
        return IERC721(address(this)).ownerOf(loanId);
    }

    /// @dev Reverts unless the caller holds loan `loanId`'s claim; returns it.
    function _requireClaimHolder(uint256 loanId) internal view returns (address holder) {
        holder = _claimHolder(loanId);
        if (msg.sender != holder) revert LoanBook_NotClaimHolder(loanId, msg.sender);
    }

    function _hasRole(bytes32 role, address account) internal view returns (bool) {
        return IAccessControl(address(this)).hasRole(role, account);
    }

    /// @dev The lender's enforcement actions stop while LoanBook is paused.
    function _requireNotPaused() internal view {
        if (Pausable(address(this)).paused()) revert Pausable.EnforcedPause();
    }

    /// @dev Reverts with `LoanBook_WrongStatus` unless loan `loanId` has one of `allowed` (a bit set of statuses).
    function _requireStatus(uint256 loanId, uint256 allowed) internal view returns (Loans.Status status) {
        status = _statusOf(loanId);
        if ((1 << uint256(status)) & allowed == 0) revert LoanBook_WrongStatus(loanId, status);
    }

    /// @dev The status graph of `Loans.Status`, from the stored facts and the time.
    function _statusOf(uint256 loanId) internal view returns (Loans.Status) {
        Loans.Loan storage loan = _store().loans[loanId];
        if (loan.startTime == 0) return Loans.Status.None;
        uint256 flags = loan.flags;
        if (flags & Loans.FLAG_REPAID != 0) {
            return flags & Loans.FLAG_DEFAULTED != 0 ? Loans.Status.Settled : Loans.Status.Repaid;
        }
        if (flags & Loans.FLAG_WRITTEN_OFF != 0) return Loans.Status.WrittenOff;
        if (flags & Loans.FLAG_DEFAULTED != 0) {
            Loans.Case storage case_ = _store().cases[loanId];
            if (case_.objectionDeadline >= block.timestamp) return Loans.Status.Disputed;
            if (flags & Loans.FLAG_COMMITTED != 0) return Loans.Status.Committed;
            return case_.certificateId != bytes32(0) ? Loans.Status.Certified : Loans.Status.Defaulted;
        }
        uint256 due = _dueTime(loan, _store().templates[loan.templateId], loan.paidInstallments + 1);
        return block.timestamp > due ? Loans.Status.Late : Loans.Status.Active;
    }

    /// @dev A bit set of statuses for `_requireStatus`.
    function _bit(Loans.Status status) internal pure returns (uint256) {
        return 1 << uint256(status);
    }

    /// @dev The EIP-712 digest of `structHash` under LoanBook's domain (name "LoanBook", version "1").
    function _hashTypedData(bytes32 structHash) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this))
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    /// @dev Deadline, signature over the typed data (EOA or ERC-1271), then the nonce: enforcement messages use
    /// unordered nonces (a bitmap of 256 a word, as Permit2's), so a notary or a borrower can sign several that land
    /// in any order, and nonces close together share a storage word.
    function _useSignature(SignedApproval calldata approval, bytes32 structHash) internal {
        address signer = approval.signer;
        if (block.timestamp > approval.deadline) revert LoanBook_SignatureExpired(signer, approval.deadline);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedData(structHash), approval.signature)) {
            revert LoanBook_InvalidSignature(signer);
        }
        uint256 nonce = approval.nonce;
        mapping(uint256 => uint256) storage bitmaps = _store().nonceBitmaps[signer];
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bitmap = bitmaps[nonce >> 8];
        if (bitmap & bit != 0) revert LoanBook_NonceUsed(signer, nonce);
        bitmaps[nonce >> 8] = bitmap | bit;
    }

    /// @dev Whether `signer` used enforcement nonce `nonce`.
    function _nonceUsed(address signer, uint256 nonce) internal view returns (bool) {
        return _store().nonceBitmaps[signer][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @dev When loan `loanId`'s commitment can be declared breached if nothing more is paid (0: never, all paid),
    /// the first installment (from 0) not paid in full, and what has been paid toward the commitment.
    function _commitmentBreachableAt(
        uint256 loanId,
        Loans.Loan storage loan
    ) internal view returns (uint256 breachableAt, uint256 index, uint256 paid) {
        Loans.Case storage case_ = _store().cases[loanId];
        Loans.CommitmentEntry[] storage plan = _store().commitments[loanId];
        paid = case_.commitmentTotal - loan.balance;
        index = _firstUnpaidCommitment(plan, paid);
        if (index == plan.length) return (0, index, paid);
        // Missed from the second after its grace ends.
        breachableAt = plan[index].dueTime + uint256(case_.commitmentGraceSeconds) + 1;
    }

    /// @dev What auto-debit pulls from loan `loanId`'s borrower now; reverts when it cannot.
    function _debitable(uint256 loanId) internal view returns (uint256 due, address borrower) {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAG_AUTO_DEBIT == 0) revert LoanBook_AutoDebitOff(loanId);
        (, due, ) = _quote(loanId);
        if (due == 0) revert LoanBook_NothingDue(loanId);
        borrower = loan.borrower;
        IERC20 token = _store().templates[loan.templateId].token;
        uint256 balance = token.balanceOf(borrower);
        uint256 allowance = token.allowance(borrower, address(this));
        if (balance < due || allowance < due) revert LoanBook_InsufficientFunds(loanId, due, balance, allowance);
    }
}
