// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ILoanBookTypes} from "./ILoanBookTypes.sol";

/// @title ILoanBook
/// @notice One contract holding every loan: templates, notarized origination signed in the borrower's wallet,
/// claims as ERC-721 tokens, repayment, lazily accrued penalties and default as a fact the chain checks. The
/// enforcement path and the views that compute a loan's standing (`ILoanEnforcement`) are served at the same
/// address by the enforcement module, which LoanBook reaches by delegatecall.
interface ILoanBook is ILoanBookTypes {
    /// @notice Registers `notary` (admin only). `officeIdHash` is the hash of the notary office's identifier.
    function addNotary(address notary, bytes32 officeIdHash) external;

    /// @notice Revokes `notary` (admin only): its signatures no longer notarize.
    function revokeNotary(address notary) external;

    /// @notice Publishes a template (lenders only); returns its id.
    function publishTemplate(
        TemplateParams calldata params,
        uint40[] calldata planDueOffsets,
        uint128[] calldata planPrincipals
    ) external returns (uint256 templateId);

    /// @notice Retires template `templateId` (its lender only): no new loans; existing loans keep their terms.
    function retireTemplate(uint256 templateId) external;

    /// @notice Makes a loan in one transaction (the template's lender only): checks the borrower's acceptance and
    /// the notary's notarization, escrows the collateral, moves the principal from lender to borrower and mints the
    /// lender's claim (token id = loan id).
    function originate(OriginationParams calldata params) external returns (uint256 loanId);

    /// @notice Pays `amount` of loan `loanId` from the caller to the claim holder: penalty, then interest, then
    /// principal, oldest installment first; what exceeds the installments due and the next one is a prepayment.
    /// Never paused. Reverts with `LoanBook_Overpayment` above the payoff.
    function repay(uint256 loanId, uint256 amount) external;

    /// @notice `repay` after an EIP-2612 permit of the template's token (a permit already used is ignored).
    function repayWithPermit(uint256 loanId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Declares loan `loanId` in default (anyone). Reverts with `LoanBook_DefaultNotYetTriggered` until
    /// the template's trigger holds.
    function declareDefault(uint256 loanId) external;

    /// @notice `declareDefault` for each id, skipping with `DefaultSkipped` the loans not eligible.
    function declareDefaults(uint256[] calldata loanIds) external returns (uint256 declared);
}
