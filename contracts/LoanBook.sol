// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {CollateralVault} from "./abstracts/CollateralVault.sol";
import {LoanLedger} from "./abstracts/LoanLedger.sol";
import {NotaryRegistry} from "./abstracts/NotaryRegistry.sol";
import {OriginationSignatures} from "./abstracts/OriginationSignatures.sol";
import {DefaultRules} from "./libraries/DefaultRules.sol";
import {PenaltyMath} from "./libraries/PenaltyMath.sol";
import {ScheduleMath} from "./libraries/ScheduleMath.sol";
import {ILoanBook} from "./interfaces/ILoanBook.sol";
import {Loans, Schedule} from "./types/DataTypes.sol";

/// @title LoanBook
/// @notice Every loan of every lender in one contract. Lenders publish templates and originate loans that the
/// borrower accepted and, where the template says so, a notary notarized, both by EIP-712 signature; the lender's
/// claim on each loan is an ERC-721 token (id = loan id) whose holder is paid. What a loan owes, its penalties and
/// the moment it is in default follow from the template's rules and the stored facts alone.
/// @dev Roles (OpenZeppelin AccessControl): DEFAULT_ADMIN_ROLE registers notaries and lenders and pauses
/// origination; LENDER_ROLE publishes templates and originates from its own; NOTARY_ROLE notarizes. Repayment and
/// the default check are open to anyone; pausing never blocks a repayment.
contract LoanBook is
    ERC721,
    NotaryRegistry,
    LoanLedger,
    CollateralVault,
    OriginationSignatures,
    Pausable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE.
    constructor(address admin) ERC721("LoanBook claim", "CLAIM") EIP712("LoanBook", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               ORIGINATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanBook
    function originate(
        OriginationParams calldata params
    ) external onlyRole(LENDER_ROLE) whenNotPaused nonReentrant returns (uint256 loanId) {
        Loans.Template storage template_ = _templateOf(params.templateId);
        if (template_.lender != msg.sender) {
            revert LoanBook_NotTemplateLender(params.templateId, msg.sender, template_.lender);
        }
        if (template_.retired) revert LoanBook_TemplateRetired(params.templateId);
        uint128 principal = params.principal;
        if (principal < template_.minPrincipal || principal > template_.maxPrincipal) {
            revert LoanBook_PrincipalOutOfBounds(principal, template_.minPrincipal, template_.maxPrincipal);
        }
        address borrower = params.borrower.signer;
        if (borrower == address(0) || borrower == msg.sender) revert LoanBook_InvalidBorrower(borrower);
        _useAcceptance(params, msg.sender);
        address notary;
        if (template_.requiresNotary) {
            notary = params.notary.signer;
            if (!hasRole(NOTARY_ROLE, notary)) revert LoanBook_NotANotary(notary);
            // A notary attests for others: never for a loan it is a party to.
            if (notary == borrower || notary == msg.sender) revert LoanBook_NotaryIsParty(notary);
            _useNotarization(params, msg.sender);
        }

        loanId = ++loanCount;
        Loans.Loan storage loan = _loans[loanId];
        // Only the slots with something to store are written (slot 3 stays empty until a late payment).
        loan.borrower = borrower;
        loan.templateId = SafeCast.toUint32(params.templateId);
        loan.startTime = uint40(block.timestamp);
        loan.balance = principal;
        // Cannot truncate: a template bounds the principal below 2^96.
        loan.basePrincipal = uint112(principal);
        if (template_.kind == Schedule.Kind.Annuity) {
            loan.payment = SafeCast.toUint128(
                ScheduleMath.annuityPayment(principal, template_.rateBps, template_.intervalSeconds, template_.count)
            );
        }
        // Installments that owe nothing (a 0% interest-only loan's, say) are settled from the start.
        uint256 first = _skipEmptyInstallments(loan, template_, 1, principal);
        if (first != 1) loan.paidInstallments = uint16(first - 1);
        _mint(msg.sender, loanId);
        emit LoanOriginated(loanId, params.templateId, msg.sender, borrower, notary, principal, params.documentHash);

        _pledge(loanId, template_.collateralKind, borrower, params.collateral);
        template_.token.safeTransferFrom(msg.sender, borrower, principal);
    }

    /*//////////////////////////////////////////////////////////////
                                REPAYMENT
    //////////////////////////////////////////////////////////////*/

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

    /// @inheritdoc ILoanBook
    function repay(uint256 loanId, uint256 amount) external nonReentrant {
        _repay(loanId, amount);
    }

    /// @inheritdoc ILoanBook
    function repayWithPermit(
        uint256 loanId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        address token = address(_templates[_loanOf(loanId).templateId].token);
        // A permit front-run by someone else has already set the allowance: ignore its failure (OpenZeppelin's
        // advice on EIP-2612), and let the transfer fail if the allowance is really missing.
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _repay(loanId, amount);
    }

    /// @dev Allocates `amount` from the caller: for each installment from the oldest unpaid, its penalty, then
    /// interest, then principal; every installment due by now, then at most one not yet due; the rest prepays
    /// principal under the template's rule. Effects first, then the one transfer to the claim holder.
    function _repay(uint256 loanId, uint256 amount) private {
        if (amount == 0) revert LoanBook_ZeroAmount();
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAG_REPAID != 0) revert LoanBook_LoanRepaid(loanId);
        Loans.Template storage template_ = _templates[loan.templateId];

        Allocation memory paid = _payInstallments(loan, template_, amount);
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
        address claimHolder = _requireOwned(loanId);
        emit RepaymentMade(
            loanId,
            msg.sender,
            paid.penalty,
            paid.interest,
            paid.principal + paid.prepaid,
            paid.prepaid
        );
        if (paid.balance == 0) {
            loan.flags |= Loans.FLAG_REPAID;
            emit LoanRepaid(loanId, msg.sender);
            _release(loanId, template_.collateralKind, loan.borrower);
        }
        template_.token.safeTransferFrom(msg.sender, claimHolder, amount);
    }

    /// @dev Pays `amount` into the installments from the oldest unpaid: every one due by now, then at most one not
    /// yet due, each penalty first, then interest, then principal. Returns what is left for a prepayment.
    function _payInstallments(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 amount
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
            if (dueTime > block.timestamp) {
                if (paidAhead) break;
                paidAhead = true;
            } else {
                _payPenalty(loan, template_, paid, total - paid.paidOnCurrent, dueTime);
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
    ) private view returns (uint256) {
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

    /// @dev Pays what it can of the current installment's penalty and checkpoints the rest (with the headroom left
    /// under the cap of the unpaid amount when the installment was first paid late).
    function _payPenalty(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        Allocation memory paid,
        uint256 unpaid,
        uint256 dueTime
    ) private {
        (uint256 owed, uint256 charged) = _penalty(loan, template_, unpaid, dueTime, true);
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
        loan.penaltyCheckpoint = uint40(block.timestamp);
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

    /*//////////////////////////////////////////////////////////////
                                 DEFAULT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanBook
    function declareDefault(uint256 loanId) external whenNotPaused {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAG_REPAID != 0) revert LoanBook_LoanRepaid(loanId);
        if (loan.flags & Loans.FLAG_DEFAULTED != 0) revert LoanBook_AlreadyDefaulted(loanId);
        (bool triggered, uint256 eligibleAt) = _default(loanId, loan);
        if (!triggered) revert LoanBook_DefaultNotYetTriggered(loanId, eligibleAt);
    }

    /// @inheritdoc ILoanBook
    function declareDefaults(uint256[] calldata loanIds) external whenNotPaused returns (uint256 declared) {
        for (uint256 i; i < loanIds.length; ++i) {
            uint256 loanId = loanIds[i];
            Loans.Loan storage loan = _loans[loanId];
            if (loan.startTime == 0 || loan.flags & Loans.FLAGS_CLOSED != 0) {
                emit DefaultSkipped(loanId, 0);
                continue;
            }
            (bool triggered, uint256 eligibleAt) = _default(loanId, loan);
            if (triggered) ++declared;
            else emit DefaultSkipped(loanId, eligibleAt);
        }
    }

    /// @dev Declares `loan` in default if its trigger holds; returns whether it did and when the trigger holds.
    function _default(uint256 loanId, Loans.Loan storage loan) private returns (bool triggered, uint256 eligibleAt) {
        Loans.Template storage template_ = _templates[loan.templateId];
        uint256 oldest = loan.paidInstallments + 1;
        uint256 oldestDue = _dueTime(loan, template_, oldest);
        eligibleAt = _eligibleAt(loan, template_, oldest, oldestDue);
        triggered = DefaultRules.isTriggered(eligibleAt, block.timestamp);
        if (!triggered) return (false, eligibleAt);
        loan.flags |= Loans.FLAG_DEFAULTED;
        uint256 missed = _missedInstallments(loan, template_, oldest);
        emit LoanDefaulted(
            loanId,
            msg.sender,
            keccak256(abi.encode(loanId, oldest, oldestDue, missed, block.timestamp)),
            oldest,
            missed
        );
    }

    /// @dev When the trigger holds for `loan`, whose oldest unpaid installment is `oldest`, due at `oldestDue`.
    function _eligibleAt(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 oldest,
        uint256 oldestDue
    ) private view returns (uint256) {
        uint256 missedTrigger = template_.defaultMissedInstallments;
        // With fewer installments left than the trigger counts, missing all of them is enough.
        uint256 nthDue =
            missedTrigger != 0
                ? _dueTime(loan, template_, Math.min(oldest + missedTrigger - 1, _installmentCount(template_)))
                : 0;
        return DefaultRules.eligibleAt(oldestDue, nthDue, template_.defaultDaysPastDue, missedTrigger);
    }

    /// @dev Unpaid installments past their due time, from `oldest` on.
    function _missedInstallments(
        Loans.Loan storage loan,
        Loans.Template storage template_,
        uint256 oldest
    ) private view returns (uint256 missed) {
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

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanBook
    function statusOf(uint256 loanId) external view returns (Loans.Status) {
        Loans.Loan storage loan = _loans[loanId];
        if (loan.startTime == 0) return Loans.Status.None;
        if (loan.flags & Loans.FLAG_REPAID != 0) return Loans.Status.Repaid;
        if (loan.flags & Loans.FLAG_DEFAULTED != 0) return Loans.Status.Defaulted;
        uint256 due = _dueTime(loan, _templates[loan.templateId], loan.paidInstallments + 1);
        return block.timestamp > due ? Loans.Status.Late : Loans.Status.Active;
    }

    /// @inheritdoc ILoanBook
    function amountDue(uint256 loanId) external view returns (uint256 dueNow) {
        (, dueNow, ) = _quote(loanId);
    }

    /// @inheritdoc ILoanBook
    function payoffAmount(uint256 loanId) external view returns (uint256 payoff) {
        (, , payoff) = _quote(loanId);
    }

    /// @inheritdoc ILoanBook
    function currentInstallment(uint256 loanId) external view returns (InstallmentView memory installment) {
        (InstallmentView[] memory rows, , ) = _quote(loanId);
        if (rows.length != 0) installment = rows[0];
    }

    /// @inheritdoc ILoanBook
    function installmentBreakdown(uint256 loanId) external view returns (InstallmentView[] memory rows) {
        (rows, , ) = _quote(loanId);
    }

    /// @inheritdoc ILoanBook
    function defaultEligibleAt(uint256 loanId) external view returns (uint256) {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAGS_CLOSED != 0) return 0;
        Loans.Template storage template_ = _templates[loan.templateId];
        uint256 oldest = loan.paidInstallments + 1;
        return _eligibleAt(loan, template_, oldest, _dueTime(loan, template_, oldest));
    }

    /*//////////////////////////////////////////////////////////////
                                  ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Pauses origination and default declarations (admin only). Repayment is never paused.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause (admin only).
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @dev NotaryRegistry clears a notary's office when its role goes.
    function _revokeRole(
        bytes32 role,
        address account
    ) internal override(AccessControl, NotaryRegistry) returns (bool) {
        return super._revokeRole(role, account);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
