// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {EnforcementBase} from "./enforcement/EnforcementBase.sol";
import {ILoanBook} from "./interfaces/ILoanBook.sol";
import {ILoanEnforcement} from "./interfaces/ILoanEnforcement.sol";
import {ILoanViews} from "./interfaces/ILoanViews.sol";
import {DefaultRules} from "./libraries/DefaultRules.sol";
import {Loans} from "./types/DataTypes.sol";

/// @title LoanViews
/// @notice The loan book's views module: the stored facts, what a loan owes now, its standing (the status graph),
/// its enforcement record, and the keeper's view of what can be done now. Reached from LoanBook through the
/// enforcement module by delegatecall, on LoanBook's state; it writes nothing.
contract LoanViews is EnforcementBase, ILoanViews {
    /// @inheritdoc ILoanViews
    function templateCount() external view returns (uint256) {
        return _store().templateCount;
    }

    /// @inheritdoc ILoanViews
    function templateOf(uint256 templateId) external view returns (Loans.Template memory) {
        return _templateOf(templateId);
    }

    /// @inheritdoc ILoanViews
    function planOf(uint256 templateId) external view returns (Loans.PlanEntry[] memory) {
        _templateOf(templateId);
        return _store().plans[templateId];
    }

    /// @inheritdoc ILoanViews
    function loanCount() external view returns (uint256) {
        return _store().loanCount;
    }

    /// @inheritdoc ILoanViews
    function loanOf(uint256 loanId) external view returns (Loans.Loan memory) {
        return _loanOf(loanId);
    }

    /// @inheritdoc ILoanViews
    function collateralOf(uint256 loanId) external view returns (Loans.Collateral memory) {
        return _store().collateral[loanId];
    }

    /// @inheritdoc ILoanViews
    function pledgedTo(bytes32 key) external view returns (uint256) {
        return _store().pledgedTo[key];
    }

    /// @inheritdoc ILoanViews
    function collateralKey(
        Loans.CollateralKind kind,
        Loans.Collateral calldata collateral
    ) external pure returns (bytes32) {
        return _collateralKey(kind, collateral);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanViews
    function statusOf(uint256 loanId) external view returns (Loans.Status) {
        return _statusOf(loanId);
    }

    /// @inheritdoc ILoanViews
    function amountDue(uint256 loanId) external view returns (uint256 dueNow) {
        (, dueNow, ) = _quote(loanId);
    }

    /// @inheritdoc ILoanViews
    function payoffAmount(uint256 loanId) external view returns (uint256 payoff) {
        (, , payoff) = _quote(loanId);
    }

    /// @inheritdoc ILoanViews
    function currentInstallment(uint256 loanId) external view returns (InstallmentView memory installment) {
        (InstallmentView[] memory rows, , ) = _quote(loanId);
        if (rows.length != 0) installment = rows[0];
    }

    /// @inheritdoc ILoanViews
    function installmentBreakdown(uint256 loanId) external view returns (InstallmentView[] memory rows) {
        (rows, , ) = _quote(loanId);
    }

    /// @inheritdoc ILoanViews
    function defaultEligibleAt(uint256 loanId) external view returns (uint256 eligibleAt) {
        Loans.Loan storage loan = _loanOf(loanId);
        if (loan.flags & Loans.FLAGS_CLOSED != 0) return 0;
        (eligibleAt, , ) = _defaultTrigger(loanId, loan, _store().templates[loan.templateId]);
    }

    /// @inheritdoc ILoanViews
    function caseOf(uint256 loanId) external view returns (Loans.Case memory) {
        _loanOf(loanId);
        return _store().cases[loanId];
    }

    /// @inheritdoc ILoanViews
    function commitmentOf(uint256 loanId) external view returns (Loans.CommitmentEntry[] memory) {
        _loanOf(loanId);
        return _store().commitments[loanId];
    }

    /// @inheritdoc ILoanViews
    function settlementOf(uint256 loanId) external view returns (uint256 settledAt, Loans.Settlement how) {
        _loanOf(loanId);
        Loans.Case storage case_ = _store().cases[loanId];
        return (case_.settledAt, case_.settledHow);
    }

    /// @inheritdoc ILoanViews
    function isBankSigner(address lender, address signer) external view returns (bool) {
        return _store().bankSigners[lender][signer];
    }

    /// @inheritdoc ILoanViews
    function bankReferenceLoan(bytes32 bankReferenceHash) external view returns (uint256) {
        return _store().bankReferences[bankReferenceHash];
    }

    /// @inheritdoc ILoanViews
    function enforcementNonceUsed(address signer, uint256 nonce) external view returns (bool) {
        return _nonceUsed(signer, nonce);
    }

    /*//////////////////////////////////////////////////////////////
                                 KEEPER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanViews
    function checkActions(
        uint256 fromLoanId,
        uint256 maxLoans
    ) external view returns (KeeperAction[] memory actions, uint256 next) {
        if (fromLoanId == 0) fromLoanId = 1;
        uint256 end = fromLoanId + maxLoans;
        uint256 count = _store().loanCount;
        if (end > count + 1) end = count + 1;
        if (end < fromLoanId) end = fromLoanId;
        actions = new KeeperAction[]((end - fromLoanId) * 2);
        uint256 found;
        bool paused = Pausable(address(this)).paused();
        for (uint256 loanId = fromLoanId; loanId < end; ++loanId) {
            Loans.Loan storage loan = _store().loans[loanId];
            uint256 flags = loan.flags;
            if (flags & Loans.FLAGS_PAID_OFF != 0) continue;
            if (!paused && flags & Loans.FLAG_DEFAULTED == 0) {
                (uint256 eligibleAt, , ) = _defaultTrigger(loanId, loan, _store().templates[loan.templateId]);
                if (DefaultRules.isTriggered(eligibleAt, block.timestamp)) {
                    actions[found] = KeeperAction(loanId, ILoanBook.declareDefault.selector);
                    ++found;
                }
            }
            if (!paused && flags & Loans.FLAG_COMMITTED != 0) {
                (uint256 breachableAt, , ) = _commitmentBreachableAt(loanId, loan);
                if (breachableAt != 0 && block.timestamp >= breachableAt) {
                    actions[found] = KeeperAction(loanId, ILoanEnforcement.breachCommitment.selector);
                    ++found;
                }
            }
            if (flags & Loans.FLAG_AUTO_DEBIT != 0 && _canDebit(loanId)) {
                actions[found] = KeeperAction(loanId, ILoanEnforcement.autoDebit.selector);
                ++found;
            }
        }
        // Trim to the actions found (memory only: its length word is the first word).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(actions, found)
        }
        next = end;
    }

    /// @dev Whether auto-debit of loan `loanId` would succeed now. Through an external call so that a lender's token
    /// whose `balanceOf` or `allowance` reverts skips its own loan instead of failing the keeper's whole page.
    function _canDebit(uint256 loanId) private view returns (bool) {
        try this.autoDebitQuote(loanId) returns (uint256) {
            return true;
        } catch {
            return false;
        }
    }

    /// @inheritdoc ILoanViews
    function autoDebitQuote(uint256 loanId) external view returns (uint256 due) {
        (due, ) = _debitable(loanId);
    }

    /// @inheritdoc ILoanViews
    function collateralModules() external view returns (address watch, address auctionHouse) {
        return (_store().collateralWatch, _store().auctionHouse);
    }
}
