// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModuleDelegation} from "./abstracts/ModuleDelegation.sol";
import {Certificates} from "./enforcement/Certificates.sol";
import {CollateralSales} from "./enforcement/CollateralSales.sol";
import {Commitments} from "./enforcement/Commitments.sol";
import {Objections} from "./enforcement/Objections.sol";
import {Payments} from "./enforcement/Payments.sol";
import {Recovery} from "./enforcement/Recovery.sol";
import {ILoanEnforcement} from "./interfaces/ILoanEnforcement.sol";

/// @title LoanEnforcement
/// @notice LoanBook's enforcement module: what happens after a default (certificate, commitments, objections, the
/// recovery funnel, settlement), bank payments and auto-debit, and the batches a keeper sends. Deployed once and
/// named in LoanBook's constructor; it runs only by LoanBook's delegatecall, on LoanBook's state (`LoanStorage`).
/// Called directly, it sees an empty book. The views (`ILoanViews`) are one module further, in `LoanViews`.
contract LoanEnforcement is
    Certificates,
    Commitments,
    Objections,
    Recovery,
    CollateralSales,
    Payments,
    ModuleDelegation
{
    /// @dev This module's own address, for the batches' delegatecalls to it.
    address private immutable SELF = address(this);

    /// @notice The views module, which every selector this module does not have is delegated to.
    // solhint-disable-next-line immutable-vars-naming
    address public immutable viewsModule;

    /// @param views The views module (a `LoanViews`), deployed before.
    constructor(address views) {
        if (views.code.length == 0) revert LoanBook_InvalidModule(views);
        viewsModule = views;
    }

    /*//////////////////////////////////////////////////////////////
                                BATCHES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ILoanEnforcement
    function breachCommitments(uint256[] calldata loanIds) external returns (uint256 breached) {
        _requireDelegated();
        for (uint256 i; i < loanIds.length; ++i) {
            if (_tryEach(loanIds[i], abi.encodeCall(this.breachCommitment, (loanIds[i])))) ++breached;
        }
    }

    /// @inheritdoc ILoanEnforcement
    function autoDebits(uint256[] calldata loanIds) external returns (uint256 debited) {
        _requireDelegated();
        for (uint256 i; i < loanIds.length; ++i) {
            if (_tryEach(loanIds[i], abi.encodeCall(this.autoDebit, (loanIds[i])))) ++debited;
        }
    }

    /// @inheritdoc ILoanEnforcement
    function recordBankPayments(BankPayment[] calldata payments) external returns (uint256 recorded) {
        _requireDelegated();
        for (uint256 i; i < payments.length; ++i) {
            if (_tryEach(payments[i].loanId, abi.encodeCall(this.recordBankPayment, (payments[i])))) ++recorded;
        }
    }

    /// @dev Batches run only through LoanBook (called directly, the module would report skips from its own address).
    function _requireDelegated() private view {
        if (address(this) == SELF) revert LoanBook_InvalidModule(SELF);
    }

    /// @dev Runs one call of a batch with exactly the checks of the single function (a delegatecall to this module's
    /// code, on LoanBook's state); a revert becomes `ActionSkipped` with the error's selector.
    function _tryEach(uint256 loanId, bytes memory call) private returns (bool success) {
        bytes memory returned;
        // solhint-disable-next-line avoid-low-level-calls
        (success, returned) = SELF.delegatecall(call);
        if (success) return true;
        bytes4 reason;
        if (returned.length >= 4) reason = bytes4(returned);
        emit ActionSkipped(loanId, bytes4(call), reason);
    }

    /// @dev Every selector this module does not have runs in the views module, still on LoanBook's state.
    fallback() external {
        _delegate(viewsModule);
    }
}
