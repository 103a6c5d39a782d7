// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {Loans} from "../types/DataTypes.sol";
import {EnforcementBase} from "./EnforcementBase.sol";

/// @title CollateralSales
/// @notice The book's side of a collateral auction (seed 001: disposal through an online auction, proceeds first to
/// the debt). The auction house runs the price and takes the bid; this settles it: proceeds to the debt, the surplus
/// to the borrower, the collateral to the buyer, a shortfall left owed (the claim holder may write it off).
abstract contract CollateralSales is EnforcementBase, ILoanEnforcement {
    using SafeERC20 for IERC20;

    /// @inheritdoc ILoanEnforcement
    function setCollateralModules(address watch, address auctionHouse) external {
        if (!_hasRole(0x00, msg.sender)) revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, 0x00);
        if (watch != address(0) && watch.code.length == 0) revert LoanBook_InvalidModule(watch);
        if (auctionHouse != address(0) && auctionHouse.code.length == 0) revert LoanBook_InvalidModule(auctionHouse);
        _store().collateralWatch = watch;
        _store().auctionHouse = auctionHouse;
        emit CollateralModulesSet(watch, auctionHouse, msg.sender);
    }

    /// @inheritdoc ILoanEnforcement
    function settleCollateralSale(
        uint256 loanId,
        address buyer,
        uint256 proceeds,
        bytes32 saleHash
    ) external nonReentrant returns (uint256 debtLeft) {
        if (msg.sender != _store().auctionHouse) revert LoanBook_NotAuctionHouse(msg.sender);
        _requireNotPaused();
        _requireStatus(loanId, _bit(Loans.Status.Certified));
        Loans.Stage stage = _store().cases[loanId].stage;
        if (stage != Loans.Stage.Enforcement) revert LoanBook_WrongStage(loanId, stage);

        Loans.Loan storage loan = _store().loans[loanId];
        Loans.Template storage template_ = _store().templates[loan.templateId];
        Loans.CollateralKind kind = template_.collateralKind;
        bool offChain = kind == Loans.CollateralKind.OffChain;
        if ((buyer == address(0)) != offChain) revert LoanBook_ZeroAddress();

        (, , uint256 debt) = _quote(loanId);
        _restructure(loan, debt);
        uint256 credited = Math.min(proceeds, debt);
        uint256 surplus = proceeds - credited;
        debtLeft = debt - credited;
        loan.balance = uint128(debtLeft);
        address holder = _claimHolder(loanId);
        address borrower = loan.borrower;
        emit CollateralSold(loanId, buyer, proceeds, credited, surplus, debtLeft, saleHash);
        if (debtLeft == 0) {
            loan.flags |= Loans.FLAG_REPAID;
            emit LoanRepaid(loanId, holder);
            _settle(loanId, Loans.Settlement.Collateral);
        }
        _seize(loanId, kind, buyer);
        if (!offChain) {
            template_.token.safeTransfer(holder, credited);
            if (surplus != 0) template_.token.safeTransfer(borrower, surplus);
        }
    }
}
