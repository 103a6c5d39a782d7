// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {PenaltyMath} from "../libraries/PenaltyMath.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";
import {Loans, Schedule} from "../types/DataTypes.sol";
import {CollateralVault} from "./CollateralVault.sol";
import {LoanLedger} from "./LoanLedger.sol";

/// @title Repayments
/// @notice How a payment is allocated, shared by every way money reaches a loan: the borrower's `repay`, a bank's
/// attested payment (credited as of the time it was made at the bank) and auto-debit. A scheduled loan pays penalty,
/// then interest, then principal, oldest installment first; a restructured loan pays down its fixed debt. The last
/// unit closes the loan, releases its collateral and, for a loan in default, records the settlement.
abstract contract Repayments is LoanLedger, CollateralVault {
    using SafeERC20 for IERC20;

    /// @dev The running state of one repayment.
    struct Allocation {
        uint256 remaining;
        uint256 penalty;
        uint256 interest;
        uint256 principal;
        uint256 prepaid;
        /// The oldest installment not yet paid in full, the principal owed before it, and what was paid toward it.
        uint256 number;
        uint256 balance;
        uint256 paidOnCurrent;
    }

    /// @dev The holder of loan `loanId`'s claim, who is paid.
    function _claimHolder(uint256 loanId) internal view virtual returns (address);

    /// @dev Pays `amount` of loan `loanId` on behalf of `payer`, as of time `at` (now, or earlier for a bank payment).
    /// With `pull`, the amount moves from `payer` to the claim holder; without, it was paid off chain (a bank's
    /// attested payment). Effects first, then the one transfer.
    function _applyPayment(uint256 loanId, uint256 amount, address payer, uint256 at, bool pull) internal {
        if (amount == 0) revert LoanBook_ZeroAmount();
        Loans.Loan storage loan = _loanOf(loanId);
        uint256 flags = loan.flags;
        if (flags & Loans.FLAGS_PAID_OFF != 0) revert LoanBook_LoanRepaid(loanId);
        Loans.Template storage template_ = _store().templates[loan.templateId];
        uint256 balance =
            flags & Loans.FLAG_FIXED_DEBT != 0
                ? _payFixedDebt(loanId, loan, amount, payer)
                : _payScheduled(loanId, loan, template_, amount, payer, at);
        address claimHolder = _claimHolder(loanId);
        if (balance == 0) _close(loanId, loan, template_, payer);
        if (pull) template_.token.safeTransferFrom(payer, claimHolder, amount);
    }

    /// @dev Pays down a restructured loan's fixed debt; returns what is left.
    function _payFixedDebt(
        uint256 loanId,
        Loans.Loan storage loan,
        uint256 amount,
        address payer
    ) private returns (uint256 balance) {
        balance = loan.balance;
        if (amount > balance) revert LoanBook_Overpayment(loanId, amount, balance);
        balance -= amount;
        loan.balance = uint128(balance);
        emit DebtRepaid(loanId, payer, amount, balance);
    }

    /// @dev Allocates `amount` over a scheduled loan's installments as of `at`; returns the principal left.
    function _payScheduled(
        uint256 loanId,
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 amount,
        address payer,
        uint256 at
    ) private returns (uint256) {
        Allocation memory paid = _payInstallments(loan, template_, amount, at);
        if (paid.remaining != 0) {
            // Beyond the installments due and the next one: a prepayment of principal, at most what is owed.
            if (paid.remaining > paid.balance) {
                revert LoanBook_Overpayment(loanId, amount, amount - paid.remaining + paid.balance);
            }
            paid.balance -= paid.remaining;
            paid.prepaid = paid.remaining;
            if (paid.balance != 0) _rebase(loan, template_, paid.number - 1, paid.balance);
        }
        if (paid.paidOnCurrent == 0 && paid.balance != 0) {
            paid.number = _skipEmptyInstallments(loan, template_, paid.number, paid.balance);
        }

        // One slot: balance, paidOnCurrent and paidInstallments are packed together.
        loan.balance = uint128(paid.balance);
        loan.paidOnCurrent = uint112(paid.paidOnCurrent);
        loan.paidInstallments = uint16(paid.number - 1);
        emit RepaymentMade(loanId, payer, paid.penalty, paid.interest, paid.principal + paid.prepaid, paid.prepaid);
        return paid.balance;
    }

    /// @dev The loan is paid in full: closed, its collateral released; a loan in default is settled, on record.
    function _close(uint256 loanId, Loans.Loan storage loan, Loans.Template storage template_, address payer) private {
        uint8 flags = loan.flags;
        loan.flags = flags | Loans.FLAG_REPAID;
        emit LoanRepaid(loanId, payer);
        if (flags & Loans.FLAG_DEFAULTED != 0) {
            _settle(
                loanId,
                flags & Loans.FLAG_COMMITTED != 0 ? Loans.Settlement.Commitment : Loans.Settlement.Repayment
            );
        }
        _release(loanId, template_.collateralKind, loan.borrower);
    }

    /// @dev Records how and when a loan in default was paid in full (the credit-repair record).
    function _settle(uint256 loanId, Loans.Settlement how) internal {
        Loans.Case storage case_ = _store().cases[loanId];
        case_.settledAt = uint40(block.timestamp);
        case_.settledHow = how;
        emit LoanSettled(loanId, how, block.timestamp);
    }

    /// @dev Restructures a scheduled loan into a fixed debt of `debt` (a commitment, or enforcement): no schedule,
    /// interest or penalty from now on; payments pay it down.
    function _restructure(Loans.Loan storage loan, uint256 debt) internal {
        uint8 flags = loan.flags;
        if (flags & Loans.FLAG_FIXED_DEBT != 0) return;
        loan.flags = (flags | Loans.FLAG_FIXED_DEBT) & ~Loans.FLAG_PENALTY_CHECKPOINT;
        loan.balance = SafeCast.toUint128(debt);
        loan.paidOnCurrent = 0;
        if (flags & Loans.FLAG_PENALTY_CHECKPOINT != 0) {
            loan.penaltyAccrued = 0;
            loan.penaltyCheckpoint = 0;
            loan.penaltyHeadroom = 0;
        }
    }

    /// @dev Pays `amount` into the installments from the oldest unpaid: every one due by `at`, then at most one not
    /// yet due, each penalty first, then interest, then principal. Returns what is left for a prepayment.
    function _payInstallments(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 amount,
        uint256 at
    ) private returns (Allocation memory paid) {
        paid.remaining = amount;
        paid.number = loan.paidInstallments + 1;
        paid.balance = loan.balance;
        paid.paidOnCurrent = loan.paidOnCurrent;
        uint256 count = _installmentCount(template_);
        bool paidAhead;
        while (paid.remaining != 0 && paid.number <= count) {
            (uint256 dueTime, uint256 principal, uint256 interest) = _installment(
                loan,
                template_,
                paid.number,
                paid.balance
            );
            uint256 total = principal + interest;
            if (dueTime > at) {
                if (paidAhead) break;
                paidAhead = true;
            } else {
                _payPenalty(loan, template_, paid, total - paid.paidOnCurrent, dueTime, at);
            }
            uint256 payNow = Math.min(paid.remaining, total - paid.paidOnCurrent);
            uint256 interestLeft = interest > paid.paidOnCurrent ? interest - paid.paidOnCurrent : 0;
            uint256 toInterest = Math.min(payNow, interestLeft);
            paid.interest += toInterest;
            paid.principal += payNow - toInterest;
            paid.remaining -= payNow;
            paid.paidOnCurrent += payNow;
            if (paid.paidOnCurrent < total) break;
            // Installment paid in full: the next one starts clean.
            paid.balance -= principal;
            paid.paidOnCurrent = 0;
            ++paid.number;
            if (loan.flags & Loans.FLAG_PENALTY_CHECKPOINT != 0) {
                loan.flags &= ~Loans.FLAG_PENALTY_CHECKPOINT;
                loan.penaltyAccrued = 0;
                loan.penaltyCheckpoint = 0;
                loan.penaltyHeadroom = 0;
            }
            if (paid.balance == 0) break;
        }
    }

    /// @dev The first installment from `number` on that owes something, given the principal owed before it: an
    /// installment of zero (no principal due and no interest, as a 0% interest-only loan's or a dust balance's) is
    /// paid by definition, so it can never make a loan late or count as missed.
    function _skipEmptyInstallments(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 number,
        uint256 balance
    ) internal view returns (uint256) {
        uint256 count = _installmentCount(template_);
        // With a balance left, an annuity with a payment, or an equal-principal schedule of at least one unit a
        // period, owes something every period: no need to step the schedule (the common case, kept cheap).
        Schedule.Kind kind = template_.kind;
        if (kind == Schedule.Kind.Annuity && loan.payment != 0) return number;
        if (kind == Schedule.Kind.EqualPrincipal && loan.basePrincipal >= count - loan.baseNumber) return number;
        for (; number < count; ++number) {
            (, uint256 principal, uint256 interest) = _installment(loan, template_, number, balance);
            if (principal + interest != 0) break;
        }
        return number;
    }

    /// @dev Pays what it can of the current installment's penalty as of `at` and checkpoints the rest (with the
    /// headroom left under the cap of the unpaid amount when the installment was first paid late).
    function _payPenalty(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        Allocation memory paid,
        uint256 unpaid,
        uint256 dueTime,
        uint256 at
    ) private {
        (uint256 owed, uint256 charged) = _penalty(loan, template_, unpaid, dueTime, true, at);
        if (owed == 0) return;
        uint256 penaltyNow = Math.min(paid.remaining, owed);
        paid.penalty += penaltyNow;
        paid.remaining -= penaltyNow;
        // What is left pays the installment in full, and the caller then clears any checkpoint: write none.
        if (paid.remaining >= unpaid) return;
        uint256 headroom =
            loan.flags & Loans.FLAG_PENALTY_CHECKPOINT == 0
                ? PenaltyMath.capOf(_penaltyTerms(template_), unpaid) - charged
                : loan.penaltyHeadroom - charged;
        loan.penaltyAccrued = SafeCast.toUint128(owed - penaltyNow);
        loan.penaltyCheckpoint = uint40(at);
        loan.penaltyHeadroom = SafeCast.toUint128(headroom);
        loan.flags |= Loans.FLAG_PENALTY_CHECKPOINT;
    }

    /// @dev After a prepayment that leaves `balance`: under LowerInstallments, recompute the annuity payment (or the
    /// equal principal part) over the installments left; under ShortenTerm nothing changes, so the balance runs out
    /// early. Interest-only, bullet and custom schedules only owe less interest.
    function _rebase(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 installmentsPaid,
        uint256 balance
    ) private {
        Schedule.Kind kind = template_.kind;
        if (
            template_.prepaymentRule != Loans.PrepaymentRule.LowerInstallments ||
            (kind != Schedule.Kind.Annuity && kind != Schedule.Kind.EqualPrincipal)
        ) return;
        loan.baseNumber = uint16(installmentsPaid);
        loan.basePrincipal = uint112(balance);
        if (kind == Schedule.Kind.Annuity) {
            loan.payment = SafeCast.toUint128(
                ScheduleMath.annuityPayment(
                    balance,
                    template_.rateBps,
                    template_.intervalSeconds,
                    template_.count - installmentsPaid
                )
            );
        }
    }
}
