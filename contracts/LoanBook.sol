// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LoanTemplates} from "./abstracts/LoanTemplates.sol";
import {ModuleDelegation} from "./abstracts/ModuleDelegation.sol";
import {NotaryRegistry} from "./abstracts/NotaryRegistry.sol";
import {OriginationSignatures} from "./abstracts/OriginationSignatures.sol";
import {Repayments} from "./abstracts/Repayments.sol";
import {DefaultRules} from "./libraries/DefaultRules.sol";
import {Roles} from "./libraries/Roles.sol";
import {ScheduleMath} from "./libraries/ScheduleMath.sol";
import {ILoanBook} from "./interfaces/ILoanBook.sol";
import {ICollateralWatch} from "./interfaces/ICollateralWatch.sol";
import {Valuations} from "./types/CollateralTypes.sol";
import {Loans, Schedule} from "./types/DataTypes.sol";

/// @title LoanBook
/// @notice Every loan of every lender in one contract. Lenders publish templates and originate loans that the
/// borrower accepted and, where the template says so, a notary notarized, both by EIP-712 signature; the lender's
/// claim on each loan is an ERC-721 token (id = loan id) whose holder is paid. What a loan owes, its penalties and
/// the moment it is in default follow from the template's rules and the stored facts alone.
/// The enforcement path after a default and the views of a loan's standing (`ILoanEnforcement`) are served at this
/// address too: every selector LoanBook does not have is delegated to the enforcement module, which shares this
/// contract's state through the ERC-7201 namespace of `LoanStorage` and has none of its own.
/// @dev Roles (OpenZeppelin AccessControl): DEFAULT_ADMIN_ROLE registers notaries, mediators and lenders and pauses;
/// LENDER_ROLE publishes templates, originates from its own and registers bank-feed signers; NOTARY_ROLE notarizes,
/// certifies defaults and decides objections; MEDIATOR_ROLE decides objections. Repayment and the default check are
/// open to anyone; pausing never blocks a repayment, an objection or a bank payment.
contract LoanBook is
    ERC721,
    NotaryRegistry,
    LoanTemplates,
    Repayments,
    OriginationSignatures,
    Pausable,
    ReentrancyGuardTransient,
    ModuleDelegation
{
    using SafeERC20 for IERC20;

    /// @notice Held by registered mediators, who decide objections with notaries.
    bytes32 public constant MEDIATOR_ROLE = Roles.MEDIATOR;

    /// @notice The enforcement module every other selector is delegated to.
    // solhint-disable-next-line immutable-vars-naming
    address public immutable enforcementModule;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE.
    /// @param enforcement The enforcement module (a `LoanEnforcement`), deployed before.
    constructor(address admin, address enforcement) ERC721("LoanBook claim", "CLAIM") EIP712("LoanBook", "1") {
        if (enforcement.code.length == 0) revert LoanBook_InvalidModule(enforcement);
        enforcementModule = enforcement;
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

        loanId = ++_store().loanCount;
        Loans.Loan storage loan = _store().loans[loanId];
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

        address watch = _store().collateralWatch;
        if (watch != address(0))
            ICollateralWatch(watch).checkOrigination(params.templateId, principal, params.collateral);
        _pledge(loanId, template_.collateralKind, borrower, params.collateral);
        template_.token.safeTransferFrom(msg.sender, borrower, principal);
    }

    /*//////////////////////////////////////////////////////////////
                                REPAYMENT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanBook
    function repay(uint256 loanId, uint256 amount) external nonReentrant {
        _applyPayment(loanId, amount, msg.sender, block.timestamp, true);
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
        address token = address(_store().templates[_loanOf(loanId).templateId].token);
        // A permit front-run by someone else has already set the allowance: ignore its failure (OpenZeppelin's
        // advice on EIP-2612), and let the transfer fail if the allowance is really missing.
        try IERC20Permit(token).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _applyPayment(loanId, amount, msg.sender, block.timestamp, true);
    }

    /*//////////////////////////////////////////////////////////////
                                 DEFAULT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanBook
    function declareDefault(uint256 loanId) external whenNotPaused {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAGS_PAID_OFF != 0) revert LoanBook_LoanRepaid(loanId);
        if (loan.flags & Loans.FLAG_DEFAULTED != 0) revert LoanBook_AlreadyDefaulted(loanId);
        (bool triggered, uint256 eligibleAt) = _default(loanId, loan);
        if (!triggered) revert LoanBook_DefaultNotYetTriggered(loanId, eligibleAt);
    }

    /// @inheritdoc ILoanBook
    function declareDefaults(uint256[] calldata loanIds) external whenNotPaused returns (uint256 declared) {
        for (uint256 i; i < loanIds.length; ++i) {
            uint256 loanId = loanIds[i];
            Loans.Loan storage loan = _store().loans[loanId];
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
        Loans.Template storage template_ = _store().templates[loan.templateId];
        uint256 oldest;
        uint256 oldestDue;
        (eligibleAt, oldest, oldestDue) = _defaultTrigger(loanId, loan, template_);
        triggered = DefaultRules.isTriggered(eligibleAt, block.timestamp);
        if (!triggered) {
            // The second trigger: the collateral's value past the default loan-to-value, or its tracker's alarm.
            address watch = _store().collateralWatch;
            if (watch == address(0)) return (false, eligibleAt);
            // A watch that reverts, whatever the cause, gives no trigger: it must not stop a batch of defaults declared
            // on days past due.
            Valuations.Margin reason;
            try ICollateralWatch(watch).defaultReason(loanId) returns (Valuations.Margin margin) {
                reason = margin;
            } catch {}
            if (reason == Valuations.Margin.None) return (false, eligibleAt);
            emit CollateralDefaultTriggered(loanId, uint8(reason));
            triggered = true;
        }
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

    /*//////////////////////////////////////////////////////////////
                                  ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Pauses origination, default declarations and the lender's enforcement actions (admin only).
    /// Repayment, objections and bank payments are never paused.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause (admin only).
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @dev Every selector LoanBook does not have runs in the enforcement module, on this contract's state.
    fallback() external {
        _delegate(enforcementModule);
    }

    /// @dev The claim holder is the owner of the claim token.
    function _claimHolder(uint256 loanId) internal view override returns (address) {
        return _requireOwned(loanId);
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
