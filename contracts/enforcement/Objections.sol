// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../libraries/Roles.sol";
import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title Objections
/// @notice The borrower's objection to a default: it freezes enforcement until a registered notary or mediator who
/// is no party to the loan decides it, or the template's objection window ends (then it has lapsed, as if rejected).
/// One objection per default, so it cannot be used to stall forever. Upheld, the default is annulled: the loan
/// returns to its normal course, and a new default counts from the decision (`LoanLedger._triggerAfterAnnulment`).
abstract contract Objections is EnforcementBase, ILoanEnforcement {
    /// @inheritdoc ILoanEnforcement
    function fileObjection(uint256 loanId, bytes32 evidenceHash) external {
        Loans.Loan storage loan = _loanOf(loanId);
        if (msg.sender != loan.borrower) revert LoanBook_NotBorrower(loanId, msg.sender);
        if (evidenceHash == bytes32(0)) revert LoanBook_ZeroHash();
        Loans.Status status = _requireStatus(loanId, _bit(Loans.Status.Defaulted) | _bit(Loans.Status.Certified));
        // A restructured debt was acknowledged by the borrower's own commitment.
        if (loan.flags & Loans.FLAG_FIXED_DEBT != 0) revert LoanBook_WrongStatus(loanId, status);
        Loans.Case storage case_ = _store().cases[loanId];
        if (case_.objectionFiled) revert LoanBook_ObjectionAlreadyFiled(loanId);
        uint256 deadline = block.timestamp + _store().templates[loan.templateId].objectionWindowSeconds;
        case_.objectionFiled = true;
        case_.objectionDeadline = uint40(deadline);
        emit ObjectionFiled(loanId, msg.sender, evidenceHash, deadline);
    }

    /// @inheritdoc ILoanEnforcement
    function resolveObjection(uint256 loanId, bool upheld, bytes32 decisionHash) external {
        Loans.Loan storage loan = _loanOf(loanId);
        if (!_hasRole(Roles.NOTARY, msg.sender) && !_hasRole(Roles.MEDIATOR, msg.sender)) {
            revert LoanBook_NotAResolver(msg.sender);
        }
        if (
            msg.sender == loan.borrower ||
            msg.sender == _store().templates[loan.templateId].lender ||
            msg.sender == _claimHolder(loanId)
        ) revert LoanBook_ResolverIsParty(msg.sender);
        if (decisionHash == bytes32(0)) revert LoanBook_ZeroHash();
        // Paid in full while disputed: the objection is moot, and the settlement stands.
        if (loan.flags & Loans.FLAGS_PAID_OFF != 0) revert LoanBook_WrongStatus(loanId, _statusOf(loanId));
        Loans.Case storage case_ = _store().cases[loanId];
        if (case_.objectionDeadline < block.timestamp) revert LoanBook_NoOpenObjection(loanId);
        case_.objectionDeadline = 0;
        if (upheld) {
            // The default is annulled: its certificate and funnel stage go with it.
            loan.flags = (loan.flags & ~Loans.FLAG_DEFAULTED) | Loans.FLAG_ANNULLED;
            case_.certificateId = bytes32(0);
            case_.certifiedAt = 0;
            case_.stage = Loans.Stage.None;
            case_.objectionFiled = false;
            case_.annulledAt = uint40(block.timestamp);
        }
        emit ObjectionResolved(loanId, msg.sender, upheld, decisionHash);
    }
}
