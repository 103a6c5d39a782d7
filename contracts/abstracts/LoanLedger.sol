// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILoanBookTypes} from "../interfaces/ILoanBookTypes.sol";
import {DefaultRules} from "../libraries/DefaultRules.sol";
import {PenaltyMath} from "../libraries/PenaltyMath.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";
import {LoanStorage} from "../storage/LoanStorage.sol";
import {Loans, Penalty, Schedule} from "../types/DataTypes.sol";

/// @title LoanLedger
/// @notice What the stored facts of a loan imply: each installment's due time and amounts (from the pure schedule
/// math, one O(1) step from the stored running balance), its penalty (accrued lazily from the template's rules), what
/// the loan owes now and when it can be declared in default. Internal functions only, over `LoanStorage`, shared by
/// LoanBook and its enforcement module.
abstract contract LoanLedger is ILoanBookTypes {
    /// @dev The loan book's state (ERC-7201 namespace).
    function _store() internal pure returns (LoanStorage.Layout storage) {
        return LoanStorage.layout();
    }

    /// @dev The loan, or `LoanBook_UnknownLoan`.
    function _loanOf(uint256 loanId) internal view returns (Loans.Loan storage loan) {
        loan = _store().loans[loanId];
        if (loan.startTime == 0) revert LoanBook_UnknownLoan(loanId);
    }

    /// @dev The template, or `LoanBook_UnknownTemplate`.
    function _templateOf(uint256 templateId) internal view returns (Loans.Template storage template_) {
        template_ = _store().templates[templateId];
        if (template_.lender == address(0)) revert LoanBook_UnknownTemplate(templateId);
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
            Loans.PlanEntry[] storage plan = _store().plans[loan.templateId];
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
        if (kind == Schedule.Kind.Custom) return loan.startTime + _store().plans[loan.templateId][number - 1].dueOffset;
        if (kind == Schedule.Kind.Bullet) return loan.startTime + uint256(template_.intervalSeconds) * template_.count;
        return loan.startTime + number * template_.intervalSeconds;
    }

    /// @dev Penalty owed at `at` (now, or the time a bank payment was made) on `unpaid` of an installment due at
    /// `dueTime`, and the part of it charged since the loan's penalty checkpoint (all of it when there is none).
    /// For the loan's current installment (`isCurrent`) paid late in part, the penalty not yet paid is kept in
    /// `penaltyAccrued` and only the time since the checkpoint accrues, on the smaller unpaid amount left, within
    /// `penaltyHeadroom`: each stretch of time pays PenaltyMath's rate on what was unpaid during it, and the whole
    /// stays within the cap of the amount first paid late.
    function _penalty(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 unpaid,
        uint256 dueTime,
        bool isCurrent,
        uint256 at
    ) internal view returns (uint256 owed, uint256 charged) {
        if (at <= dueTime) return (0, 0);
        Penalty.Terms memory terms = _penaltyTerms(template_);
        uint256 sinceDue = PenaltyMath.penaltyOf(terms, uint128(unpaid), uint40(dueTime), uint40(at));
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
    /// A restructured loan has no installments: it owes its fixed debt, `dueNow` as `_fixedDebtDue` says.
    function _quote(
        uint256 loanId
    ) internal view returns (InstallmentView[] memory rows, uint256 dueNow, uint256 payoff) {
        Loans.Loan storage loan = _loanOf(loanId);
        uint256 flags = loan.flags;
        if (flags & Loans.FLAGS_PAID_OFF != 0) return (rows, 0, 0);
        if (flags & Loans.FLAG_FIXED_DEBT != 0) return (rows, _fixedDebtDue(loanId, loan), loan.balance);
        Loans.Template storage template_ = _store().templates[loan.templateId];
        uint256 count = _installmentCount(template_);
        uint256 balance = loan.balance;
        uint256 paidOnCurrent = loan.paidOnCurrent;
        uint256 current = loan.paidInstallments + 1;
        rows = new InstallmentView[](count - current + 1);
        uint256 length;
        for (uint256 number = current; number <= count; ++number) {
            (uint256 dueTime, uint256 principal, uint256 interest) = _installment(loan, template_, number, balance);
            uint256 unpaid = principal + interest - paidOnCurrent;
            (uint256 penalty, ) = _penalty(loan, template_, unpaid, dueTime, number == current, block.timestamp);
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

    /// @dev What a restructured loan owes now: under a commitment, its installments due by now less what was paid;
    /// otherwise (breached, or taken to enforcement) the whole debt left.
    function _fixedDebtDue(uint256 loanId, Loans.Loan storage loan) internal view returns (uint256) {
        if (loan.flags & Loans.FLAG_COMMITTED == 0) return loan.balance;
        Loans.CommitmentEntry[] storage plan = _store().commitments[loanId];
        uint256 paid = _store().cases[loanId].commitmentTotal - loan.balance;
        // The cumulative amount due by now: the last entry due by now (due times increase).
        uint256 dueByNow;
        for (uint256 i = plan.length; i != 0; --i) {
            Loans.CommitmentEntry storage entry = plan[i - 1];
            if (entry.dueTime <= block.timestamp) {
                dueByNow = entry.cumulative;
                break;
            }
        }
        return dueByNow > paid ? dueByNow - paid : 0;
    }

    /// @dev The first commitment installment (from 0) not paid in full, given what was paid, and its entry; the
    /// plan's length when all are paid. Binary search: cumulative amounts increase.
    function _firstUnpaidCommitment(
        Loans.CommitmentEntry[] storage plan,
        uint256 paid
    ) internal view returns (uint256 low) {
        uint256 high = plan.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (plan[mid].cumulative <= paid) low = mid + 1;
            else high = mid;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 DEFAULT
    //////////////////////////////////////////////////////////////*/

    /// @dev When the default trigger holds for `loan` if nothing more is paid (0: never), with the oldest unpaid
    /// installment and its due time.
    function _defaultTrigger(
        uint256 loanId,
        Loans.Loan storage loan,
        Loans.Template storage template_
    ) internal view returns (uint256 eligibleAt, uint256 oldest, uint256 oldestDue) {
        uint256 count = _installmentCount(template_);
        oldest = loan.paidInstallments + 1;
        oldestDue = _dueTime(loan, template_, oldest);
        uint256 missedTrigger = template_.defaultMissedInstallments;
        if (loan.flags & Loans.FLAG_ANNULLED != 0) {
            return (_triggerAfterAnnulment(loanId, loan, template_, oldest, oldestDue), oldest, oldestDue);
        }
        // With fewer installments left than the trigger counts, missing all of them is enough.
        uint256 nthDue =
            missedTrigger != 0 ? _dueTime(loan, template_, Math.min(oldest + missedTrigger - 1, count)) : 0;
        eligibleAt = DefaultRules.eligibleAt(oldestDue, nthDue, template_.defaultDaysPastDue, missedTrigger);
    }

    /// @dev The trigger after an objection annulled the loan's default: the installments unpaid at the decision count
    /// as falling due at the decision (the days-past-due clock restarts from it), and the missed-installments trigger
    /// counts only installments falling due after it. With neither (a template without the days trigger whose last
    /// installment fell due before the decision), the borrower gets the template's objection window to pay.
    function _triggerAfterAnnulment(
        uint256 loanId,
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 oldest,
        uint256 oldestDue
    ) private view returns (uint256) {
        uint256 annulledAt = _store().cases[loanId].annulledAt;
        uint256 count = _installmentCount(template_);
        uint256 missedTrigger = template_.defaultMissedInstallments;
        uint256 firstAfter = oldest;
        while (firstAfter <= count && _dueTime(loan, template_, firstAfter) <= annulledAt) ++firstAfter;
        uint256 nthDue =
            missedTrigger != 0 && firstAfter <= count
                ? _dueTime(loan, template_, Math.min(firstAfter + missedTrigger - 1, count))
                : 0;
        uint256 daysPastDue = template_.defaultDaysPastDue;
        if (daysPastDue == 0 && nthDue == 0) return annulledAt + template_.objectionWindowSeconds;
        return DefaultRules.eligibleAt(Math.max(oldestDue, annulledAt), nthDue, daysPastDue, missedTrigger);
    }

    /// @dev Unpaid installments past their due time, from `oldest` on.
    function _missedInstallments(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 oldest
    ) internal view returns (uint256 missed) {
        uint256 count = _installmentCount(template_);
        Schedule.Kind kind = template_.kind;
        if (kind != Schedule.Kind.Custom) {
            // Regular kinds are due on a grid: installment n at start + n * step (a bullet's one at start + count *
            // interval), so those due strictly before now number min(count, (now - start - 1) / step).
            uint256 start = loan.startTime;
            if (block.timestamp <= start) return 0;
            uint256 step = template_.intervalSeconds;
            if (kind == Schedule.Kind.Bullet) step *= template_.count;
            uint256 pastDue = Math.min(count, (block.timestamp - start - 1) / step);
            return pastDue < oldest ? 0 : pastDue - oldest + 1;
        }
        for (
            uint256 number = oldest;
            number <= count && _dueTime(loan, template_, number) < block.timestamp;
            ++number
        ) {
            ++missed;
        }
    }
}
