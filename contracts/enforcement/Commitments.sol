// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title Commitments
/// @notice Repayment commitments ("execution certificate + installment repayment"): after a default, the borrower
/// signs a new plan for the whole debt; the claim holder accepts it (and may waive accrued penalty), or the
/// template's policy does when the plan is within its bounds. The loan becomes a fixed debt paid down by any
/// repayment; while every installment is paid on time (with the policy's grace) enforcement is suspended, and the
/// first one missed lets anyone record the breach, which makes the loan enforceable again at once.
abstract contract Commitments is EnforcementBase, ILoanEnforcement {
    /// @notice EIP-712 type the borrower signs: the plan, installment by installment.
    bytes32 public constant REPAYMENT_COMMITMENT_TYPEHASH = keccak256(
        "RepaymentCommitment(uint256 loanId,uint256[] dueTimes,uint256[] amounts,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type the claim holder signs to accept a commitment (`commitmentHash` is the borrower's struct
    /// hash), waiving `penaltyWaived`.
    bytes32 public constant COMMITMENT_ACCEPTANCE_TYPEHASH = keccak256(
        "CommitmentAcceptance(uint256 loanId,bytes32 commitmentHash,uint256 penaltyWaived,uint256 nonce,"
        "uint256 deadline)"
    );

    uint256 private constant MAX_INSTALLMENTS = 120;

    /// @inheritdoc ILoanEnforcement
    function acceptCommitment(
        CommitmentParams calldata params,
        SignedApproval calldata borrower,
        SignedApproval calldata claimHolder,
        uint256 penaltyWaived
    ) external {
        uint256 loanId = params.loanId;
        (bytes32 commitmentHash, uint256 total) = _checkCommitment(params, borrower);
        address holder = _claimHolder(loanId);
        if (msg.sender != holder) {
            // Neither the claim holder's call nor its signature: name the caller when no signer is given.
            if (claimHolder.signer != holder) {
                revert LoanBook_NotClaimHolder(
                    loanId,
                    claimHolder.signer == address(0) ? msg.sender : claimHolder.signer
                );
            }
            _useSignature(
                claimHolder,
                keccak256(
                    abi.encode(
                        COMMITMENT_ACCEPTANCE_TYPEHASH,
                        loanId,
                        commitmentHash,
                        penaltyWaived,
                        claimHolder.nonce,
                        claimHolder.deadline
                    )
                )
            );
        }
        (uint256 debt, uint256 penalty) = _debtNow(loanId);
        if (penaltyWaived > penalty) revert LoanBook_WaiverExceedsPenalty(loanId, penaltyWaived, penalty);
        if (total + penaltyWaived != debt) revert LoanBook_CommitmentTotalMismatch(loanId, total, debt, penaltyWaived);
        if (penaltyWaived != 0) emit PenaltyWaived(loanId, holder, penaltyWaived);
        _commit(params, total, holder, commitmentHash);
    }

    /// @inheritdoc ILoanEnforcement
    function submitCommitment(CommitmentParams calldata params, SignedApproval calldata borrower) external {
        uint256 loanId = params.loanId;
        (bytes32 commitmentHash, uint256 total) = _checkCommitment(params, borrower);
        (uint256 debt, ) = _debtNow(loanId);
        if (total != debt) revert LoanBook_CommitmentTotalMismatch(loanId, total, debt, 0);
        Loans.Loan storage loan = _store().loans[loanId];
        Loans.Template storage template_ = _store().templates[loan.templateId];
        uint256 length = params.amounts.length;
        // The policy accepts a default's first commitment only: after a breach (or collateral taken), the claim
        // holder decides, or a borrower could put off enforcement for ever by committing again.
        if (
            loan.flags & Loans.FLAG_FIXED_DEBT != 0 ||
            length > template_.commitmentMaxInstallments ||
            params.dueTimes[length - 1] > block.timestamp + uint256(template_.commitmentMaxSpanDays) * 1 days ||
            params.amounts[0] * 10_000 < total * template_.commitmentMinFirstPaymentBps
        ) revert LoanBook_OutsideCommitmentPolicy(loanId);
        _commit(params, total, address(0), commitmentHash);
    }

    /// @inheritdoc ILoanEnforcement
    function breachCommitment(uint256 loanId) public {
        _requireNotPaused();
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAG_COMMITTED == 0) revert LoanBook_WrongStatus(loanId, _statusOf(loanId));
        (uint256 breachableAt, uint256 index, uint256 paid) = _commitmentBreachableAt(loanId, loan);
        if (breachableAt == 0 || block.timestamp < breachableAt) {
            revert LoanBook_CommitmentNotBreached(loanId, breachableAt);
        }
        loan.flags &= ~Loans.FLAG_COMMITTED;
        Loans.CommitmentEntry storage entry = _store().commitments[loanId][index];
        emit CommitmentBreached(
            loanId,
            msg.sender,
            keccak256(abi.encode(loanId, index + 1, entry.dueTime, entry.cumulative, paid, block.timestamp)),
            index + 1,
            entry.dueTime
        );
    }

    /// @dev Checks that loan `params.loanId` can take a commitment now and that `params` is a well-formed plan the
    /// borrower signed (its own transaction counts as its signature); returns the signed struct hash and the total.
    function _checkCommitment(
        CommitmentParams calldata params,
        SignedApproval calldata borrower
    ) private returns (bytes32 commitmentHash, uint256 total) {
        uint256 loanId = params.loanId;
        Loans.Loan storage loan = _loanOf(loanId);
        _requireStatus(loanId, _bit(Loans.Status.Defaulted) | _bit(Loans.Status.Certified));
        if (borrower.signer != loan.borrower) revert LoanBook_NotBorrower(loanId, borrower.signer);
        uint256 length = params.dueTimes.length;
        if (length == 0 || length > MAX_INSTALLMENTS || params.amounts.length != length) {
            revert LoanBook_InvalidCommitmentPlan();
        }
        uint256 previousDue = block.timestamp;
        for (uint256 i; i < length; ++i) {
            uint256 dueTime = params.dueTimes[i];
            uint256 amount = params.amounts[i];
            if (dueTime <= previousDue || dueTime > type(uint40).max || amount == 0 || amount > type(uint128).max) {
                revert LoanBook_InvalidCommitmentPlan();
            }
            previousDue = dueTime;
            total += amount;
        }
        commitmentHash = keccak256(
            abi.encode(
                REPAYMENT_COMMITMENT_TYPEHASH,
                loanId,
                keccak256(abi.encodePacked(params.dueTimes)),
                keccak256(abi.encodePacked(params.amounts)),
                borrower.nonce,
                borrower.deadline
            )
        );
        if (msg.sender != loan.borrower) _useSignature(borrower, commitmentHash);
    }

    /// @dev What loan `loanId` owes in full now, and the penalty part of it that the claim holder may waive.
    function _debtNow(uint256 loanId) private view returns (uint256 debt, uint256 penalty) {
        InstallmentView[] memory rows;
        (rows, , debt) = _quote(loanId);
        for (uint256 i; i < rows.length; ++i) penalty += rows[i].penalty;
    }

    /// @dev Puts the commitment in force: the loan becomes a fixed debt of `total` (the debt less any waiver), its
    /// plan is stored with cumulative amounts.
    function _commit(
        CommitmentParams calldata params,
        uint256 total,
        address acceptedBy,
        bytes32 commitmentHash
    ) private {
        uint256 loanId = params.loanId;
        Loans.Loan storage loan = _store().loans[loanId];
        if (loan.flags & Loans.FLAG_FIXED_DEBT == 0) _restructure(loan, total);
        loan.flags |= Loans.FLAG_COMMITTED;
        Loans.CommitmentEntry[] storage plan = _store().commitments[loanId];
        uint256 length = params.amounts.length;
        uint256 stored = plan.length;
        uint256 cumulative;
        for (uint256 i; i < length; ++i) {
            cumulative += params.amounts[i];
            Loans.CommitmentEntry memory entry = Loans.CommitmentEntry(
                uint40(params.dueTimes[i]),
                SafeCast.toUint128(cumulative)
            );
            if (i < stored) plan[i] = entry;
            else plan.push(entry);
        }
        for (; stored > length; --stored) plan.pop();
        Loans.Case storage case_ = _store().cases[loanId];
        case_.commitmentTotal = uint128(total);
        case_.commitmentLength = uint16(length);
        case_.commitmentGraceSeconds = _store().templates[loan.templateId].commitmentGraceSeconds;
        emit CommitmentAccepted(loanId, acceptedBy, commitmentHash, total, length);
    }
}
