// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title Recovery
/// @notice The recovery funnel of an enforceable loan (Quanzhou practice): Mediation, PreLitigation, Litigation
/// (payment order), Enforcement, advanced one stage at a time by the claim holder with the hash of the notice sent.
/// In Enforcement the claim holder takes the collateral, its value recorded against the debt, and may write off the
/// rest. Nothing here moves a due date.
abstract contract Recovery is EnforcementBase, ILoanEnforcement {
    using SafeERC20 for IERC20;

    /// @inheritdoc ILoanEnforcement
    function advanceStage(uint256 loanId, bytes32 noticeHash) external {
        _requireNotPaused();
        address holder = _requireClaimHolder(loanId);
        _requireStatus(loanId, _bit(Loans.Status.Certified));
        if (noticeHash == bytes32(0)) revert LoanBook_ZeroHash();
        Loans.Case storage case_ = _store().cases[loanId];
        Loans.Stage stage = case_.stage;
        if (stage == Loans.Stage.Enforcement) revert LoanBook_WrongStage(loanId, stage);
        stage = Loans.Stage(uint8(stage) + 1);
        case_.stage = stage;
        emit RecoveryStageAdvanced(loanId, stage, holder, noticeHash);
    }

    /// @inheritdoc ILoanEnforcement
    function enforceCollateral(uint256 loanId, uint256 value, bytes32 valuationHash) external nonReentrant {
        address holder = _requireEnforcement(loanId);
        if (valuationHash == bytes32(0)) revert LoanBook_ZeroHash();
        Loans.Loan storage loan = _store().loans[loanId];
        Loans.Template storage template_ = _store().templates[loan.templateId];
        Loans.Collateral storage collateral = _store().collateral[loanId];
        if (
            template_.collateralKind == Loans.CollateralKind.ERC20 &&
            collateral.token == address(template_.token) &&
            value != collateral.amountOrId
        ) revert LoanBook_CollateralValueMismatch(value, collateral.amountOrId);

        (, , uint256 debt) = _quote(loanId);
        _restructure(loan, debt);
        uint256 credited = Math.min(value, debt);
        uint256 left = debt - credited;
        loan.balance = uint128(left);
        emit CollateralEnforced(loanId, holder, value, credited, valuationHash);
        if (left == 0) {
            loan.flags |= Loans.FLAG_REPAID;
            emit LoanRepaid(loanId, holder);
            _settle(loanId, Loans.Settlement.Collateral);
        }
        if (template_.collateralKind == Loans.CollateralKind.ERC20 && collateral.token == address(template_.token)) {
            // Collateral in the loan's own token: the claim holder takes what is owed, the surplus returns to the
            // borrower.
            uint256 amount = collateral.amountOrId;
            delete _store().collateral[loanId];
            template_.token.safeTransfer(holder, credited);
            if (amount > credited) template_.token.safeTransfer(loan.borrower, amount - credited);
        } else {
            // Any other collateral goes to the claim holder whole; a surplus of its value over the debt is the claim
            // holder's to return to the borrower off chain.
            _seize(loanId, template_.collateralKind, holder);
        }
    }

    /// @inheritdoc ILoanEnforcement
    function writeOff(uint256 loanId, bytes32 reasonHash) external {
        address holder = _requireEnforcement(loanId);
        if (reasonHash == bytes32(0)) revert LoanBook_ZeroHash();
        Loans.Loan storage loan = _store().loans[loanId];
        Loans.CollateralKind kind = _store().templates[loan.templateId].collateralKind;
        Loans.Collateral storage collateral = _store().collateral[loanId];
        if (kind == Loans.CollateralKind.ERC20 || kind == Loans.CollateralKind.ERC721) {
            if (collateral.token != address(0)) revert LoanBook_CollateralStillHeld(loanId);
        } else if (kind == Loans.CollateralKind.OffChain && collateral.assetHash != bytes32(0)) {
            // The lender gives up its claim on the off-chain asset too: the pledge registry frees it.
            _seize(loanId, kind, holder);
        }
        (, , uint256 debt) = _quote(loanId);
        loan.flags |= Loans.FLAG_WRITTEN_OFF;
        emit LoanWrittenOff(loanId, holder, debt, reasonHash);
    }

    /// @dev Reverts unless the caller holds the claim of a certified loan in the Enforcement stage; returns it.
    function _requireEnforcement(uint256 loanId) private view returns (address holder) {
        _requireNotPaused();
        holder = _requireClaimHolder(loanId);
        _requireStatus(loanId, _bit(Loans.Status.Certified));
        Loans.Stage stage = _store().cases[loanId].stage;
        if (stage != Loans.Stage.Enforcement) revert LoanBook_WrongStage(loanId, stage);
    }
}
