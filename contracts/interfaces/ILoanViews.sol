// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Loans} from "../types/DataTypes.sol";
import {ILoanBookTypes} from "./ILoanBookTypes.sol";

/// @title ILoanViews
/// @notice Everything a lender's back office, a borrower's wallet, a court or a keeper reads from the loan book: the
/// stored facts, what a loan owes now, its standing, its enforcement record and the actions possible now. Served at
/// LoanBook's address (LoanBook -> enforcement module -> views module, by delegatecall).
interface ILoanViews is ILoanBookTypes {
    /// @notice Number of templates published; ids run from 1.
    function templateCount() external view returns (uint256);

    /// @notice Template `templateId`.
    function templateOf(uint256 templateId) external view returns (Loans.Template memory);

    /// @notice The custom plan of template `templateId` (empty for the regular kinds).
    function planOf(uint256 templateId) external view returns (Loans.PlanEntry[] memory);

    /// @notice Number of loans made; ids run from 1 and are the claim tokens' ids.
    function loanCount() external view returns (uint256);

    /// @notice The stored facts of loan `loanId`.
    function loanOf(uint256 loanId) external view returns (Loans.Loan memory);

    /// @notice The collateral of loan `loanId` (all zero when its template takes none, or once taken in enforcement).
    function collateralOf(uint256 loanId) external view returns (Loans.Collateral memory);

    /// @notice The open loan each ERC-721 token or off-chain asset is pledged to (by `collateralKey`), or 0.
    function pledgedTo(bytes32 key) external view returns (uint256);

    /// @notice The registry key of an ERC-721 token or an off-chain asset (zero for ERC-20 amounts, which are
    /// fungible and held in escrow).
    function collateralKey(
        Loans.CollateralKind kind,
        Loans.Collateral calldata collateral
    ) external pure returns (bytes32);

    /// @notice The loan's standing now (the graph is in `Loans.Status`).
    function statusOf(uint256 loanId) external view returns (Loans.Status);

    /// @notice What the loan owes now: every installment due by now, with its penalty, less what was paid (under a
    /// commitment: its installments due by now, less what was paid; after a breach or in enforcement: the whole debt).
    function amountDue(uint256 loanId) external view returns (uint256);

    /// @notice The amount that repays the loan in full now: `amountDue`, the next installment if not yet due, and
    /// the principal after it (for a restructured loan: the debt left).
    function payoffAmount(uint256 loanId) external view returns (uint256);

    /// @notice The oldest unpaid installment and what it owes now (all zero once the loan is repaid or restructured).
    function currentInstallment(uint256 loanId) external view returns (InstallmentView memory);

    /// @notice Installment by installment, what the loan owes now: every installment due by now and the next one,
    /// oldest first, each with its principal, interest, penalty now and what was paid toward it (empty once the loan
    /// is repaid or restructured).
    function installmentBreakdown(uint256 loanId) external view returns (InstallmentView[] memory);

    /// @notice When loan `loanId` can be declared in default if nothing more is paid (0 when it cannot be).
    function defaultEligibleAt(uint256 loanId) external view returns (uint256);

    /// @notice Loan `loanId`'s enforcement record.
    function caseOf(uint256 loanId) external view returns (Loans.Case memory);

    /// @notice The plan of loan `loanId`'s commitment in force, or last in force (cumulative amounts).
    function commitmentOf(uint256 loanId) external view returns (Loans.CommitmentEntry[] memory);

    /// @notice The credit-repair record: when and how a loan that was in default was paid in full (0, None: not).
    function settlementOf(uint256 loanId) external view returns (uint256 settledAt, Loans.Settlement how);

    /// @notice Whether `signer` attests bank payments for `lender`'s loans.
    function isBankSigner(address lender, address signer) external view returns (bool);

    /// @notice The loan a bank reference was credited to (0: never credited).
    function bankReferenceLoan(bytes32 bankReferenceHash) external view returns (uint256);

    /// @notice Whether `signer` used `nonce` on an enforcement message (certificate, commitment or acceptance).
    function enforcementNonceUsed(address signer, uint256 nonce) external view returns (bool);

    /// @notice The actions possible now for loans `fromLoanId` to `fromLoanId + maxLoans - 1` (like Chainlink's
    /// `checkUpkeep`): declareDefault, breachCommitment and autoDebit; `next` is the first loan id not examined
    /// (past `loanCount`: the book is done).
    function checkActions(
        uint256 fromLoanId,
        uint256 maxLoans
    ) external view returns (KeeperAction[] memory actions, uint256 next);

    /// @notice What `autoDebit` would pull from the borrower of loan `loanId` now; reverts as `autoDebit` would.
    function autoDebitQuote(uint256 loanId) external view returns (uint256);

    /// @notice The collateral watch asked at origination and default, and the auction house that settles collateral
    /// sales (zero: none), as the admin set them with `setCollateralModules`.
    function collateralModules() external view returns (address watch, address auctionHouse);
}
