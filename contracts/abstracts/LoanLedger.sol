// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {PenaltyMath} from "../libraries/PenaltyMath.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";
import {Loans, Penalty, Schedule} from "../types/DataTypes.sol";
import {LoanTemplates} from "./LoanTemplates.sol";

/// @title LoanLedger
/// @notice The stored facts of every loan and what they imply: each installment's due time and amounts (from the
/// pure schedule math, one O(1) step from the stored running balance), its penalty (accrued lazily from the
/// template's rules), and what the loan owes now.
abstract contract LoanLedger is LoanTemplates {
    /// @notice Number of loans made; ids run from 1 and are the claim tokens' ids.
    uint256 public loanCount;

    mapping(uint256 loanId => Loans.Loan) internal _loans;

    /// @notice The stored facts of loan `loanId`.
    function loanOf(uint256 loanId) external view returns (Loans.Loan memory) {
        return _loanOf(loanId);
    }

    /// @dev The loan, or `LoanBook_UnknownLoan`.
    function _loanOf(uint256 loanId) internal view returns (Loans.Loan storage loan) {
        loan = _loans[loanId];
        if (loan.startTime == 0) revert LoanBook_UnknownLoan(loanId);
    }

    /// @dev Installments of a template's loans: one for a bullet, `count` otherwise.
    function _installmentCount(Loans.Template storage template_) internal view returns (uint256) {
        return template_.kind == Schedule.Kind.Bullet ? 1 : template_.count;
    }

    /// @dev Due time, principal and interest of installment `number` of `loan`, given the principal owed before it.
    /// Regular kinds step the schedule from the loan's current base (its principal, or the balance it was recomputed
    /// on after a LowerInstallments prepayment); due times stay on the original grid.
    function _installment(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 number,
        uint256 balanceBefore
    ) internal view returns (uint256 dueTime, uint256 principal, uint256 interest) {
        Schedule.Kind kind = template_.kind;
        if (kind == Schedule.Kind.Custom) {
            Loans.PlanEntry[] storage plan = _plans[loan.templateId];
            Loans.PlanEntry storage entry = plan[number - 1];
            uint256 dueOffset = entry.dueOffset;
            (principal, interest) = ScheduleMath.customStep({
                balanceBefore: balanceBefore,
                rateBps: template_.rateBps,
                previousDueOffset: number == 1 ? 0 : plan[number - 2].dueOffset,
                dueOffset: dueOffset,
                planPrincipal: entry.principal,
                isLast: number == template_.count
            });
            return (loan.startTime + dueOffset, principal, interest);
        }
        uint256 base = loan.baseNumber;
        uint256 interval = template_.intervalSeconds;
        Schedule.Installment memory row = ScheduleMath.nextInstallment(
            Schedule.Terms({
                kind: kind,
                principal: loan.basePrincipal,
                rateBps: template_.rateBps,
                intervalSeconds: uint32(interval),
                count: uint16(template_.count - base),
                dueOffsets: new uint40[](0),
                principals: new uint128[](0)
            }),
            loan.payment,
            number - base,
            balanceBefore
        );
        return (loan.startTime + base * interval + row.dueOffset, row.principal, row.interest);
    }

    /// @dev Due time of installment `number`, without its amounts.
    function _dueTime(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 number
    ) internal view returns (uint256) {
        Schedule.Kind kind = template_.kind;
        if (kind == Schedule.Kind.Custom) return loan.startTime + _plans[loan.templateId][number - 1].dueOffset;
        if (kind == Schedule.Kind.Bullet) return loan.startTime + uint256(template_.intervalSeconds) * template_.count;
        return loan.startTime + number * template_.intervalSeconds;
    }

    /// @dev Penalty owed now on `unpaid` of an installment due at `dueTime`, and the part of it charged since the
    /// loan's penalty checkpoint (all of it when there is none). For the loan's current installment (`isCurrent`)
    /// paid late in part, the penalty not yet paid is kept in `penaltyAccrued` and only the time since the checkpoint
    /// accrues, on the smaller unpaid amount left, within `penaltyHeadroom`: each stretch of time pays PenaltyMath's
    /// rate on what was unpaid during it, and the whole stays within the cap of the amount first paid late.
    function _penalty(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 unpaid,
        uint256 dueTime,
        bool isCurrent
    ) internal view returns (uint256 owed, uint256 charged) {
        if (block.timestamp <= dueTime) return (0, 0);
        Penalty.Terms memory terms = _penaltyTerms(template_);
        uint256 sinceDue = PenaltyMath.penaltyOf(terms, uint128(unpaid), uint40(dueTime), uint40(block.timestamp));
        if (!isCurrent || loan.flags & Loans.FLAG_PENALTY_CHECKPOINT == 0) return (sinceDue, sinceDue);
        // Penalty is non-decreasing in time, so the stretch since the checkpoint is never negative.
        uint256 stretch =
            sinceDue - PenaltyMath.penaltyOf(terms, uint128(unpaid), uint40(dueTime), loan.penaltyCheckpoint);
        charged = Math.min(stretch, loan.penaltyHeadroom);
        owed = loan.penaltyAccrued + charged;
    }

    /// @dev The template's penalty rules in PenaltyMath's shape.
    function _penaltyTerms(Loans.Template storage template_) internal view returns (Penalty.Terms memory) {
        return
            Penalty.Terms({
                graceSeconds: template_.graceSeconds,
                rateBps: template_.penaltyRateBps,
                flatFee: template_.flatFee,
                capBps: template_.penaltyCapBps
            });
    }

    /// @dev What loan `loanId` owes now, installment by installment: `rows` holds every installment due by now and
    /// the next one (what a payoff pays as installments), oldest first, each with its penalty now and what was paid
    /// toward it; `dueNow` adds up the due ones, `payoff` all of them and the principal after them.
    function _quote(
        uint256 loanId
    ) internal view returns (InstallmentView[] memory rows, uint256 dueNow, uint256 payoff) {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAG_REPAID != 0) return (rows, 0, 0);
        Loans.Template storage template_ = _templates[loan.templateId];
        uint256 count = _installmentCount(template_);
        uint256 balance = loan.balance;
        uint256 paidOnCurrent = loan.paidOnCurrent;
        uint256 current = loan.paidInstallments + 1;
        rows = new InstallmentView[](count - current + 1);
        uint256 length;
        for (uint256 number = current; number <= count; ++number) {
            (uint256 dueTime, uint256 principal, uint256 interest) = _installment(loan, template_, number, balance);
            uint256 unpaid = principal + interest - paidOnCurrent;
            (uint256 penalty, ) = _penalty(loan, template_, unpaid, dueTime, number == current);
            rows[length] = InstallmentView(number, dueTime, principal, interest, penalty, paidOnCurrent);
            ++length;
            payoff += unpaid + penalty;
            balance -= principal;
            if (dueTime > block.timestamp) {
                payoff += balance;
                break;
            }
            dueNow += unpaid + penalty;
            paidOnCurrent = 0;
            if (balance == 0) break;
        }
        // Trim the array to the rows filled (memory only: its length word is the first word).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(rows, length)
        }
    }
}
