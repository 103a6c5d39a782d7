// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ILoanBookTypes} from "./ILoanBookTypes.sol";

/// @title ILoanEnforcement
/// @notice What happens after a default (the execution certificate, repayment commitments, objections, the recovery
/// funnel, settlement and credit repair), bank payments and auto-debit. Served at LoanBook's address: LoanBook
/// delegates every selector it does not have to the enforcement module.
interface ILoanEnforcement is ILoanBookTypes {
    /*//////////////////////////////////////////////////////////////
                          CERTIFICATE AND COMMITMENT
    //////////////////////////////////////////////////////////////*/

    /// @notice Certifies a declared default (Defaulted -> Certified): signed by a registered notary who is no party
    /// to the loan, as EIP-712 `ExecutionCertificate` (submitted by anyone) or by calling it from the notary's own
    /// account (then `notary.signature` is ignored). Returns the certificate id.
    function certify(CertificateParams calldata params, SignedApproval calldata notary) external returns (bytes32);

    /// @notice Accepts the borrower's signed `RepaymentCommitment` (Defaulted or Certified -> Committed) by the claim
    /// holder: its own call, or its EIP-712 `CommitmentAcceptance` signature. The plan's total must be the debt now
    /// less `penaltyWaived`, which may be up to the penalty accrued.
    function acceptCommitment(
        CommitmentParams calldata params,
        SignedApproval calldata borrower,
        SignedApproval calldata claimHolder,
        uint256 penaltyWaived
    ) external;

    /// @notice Submits the borrower's signed commitment for acceptance by the template's policy (anyone): its total
    /// must be the whole debt now, nothing waived.
    function submitCommitment(CommitmentParams calldata params, SignedApproval calldata borrower) external;

    /// @notice Records a commitment's breach (anyone), from the second after an unpaid installment's grace ends:
    /// Committed -> Certified (or Defaulted when uncertified), enforceable again at once.
    function breachCommitment(uint256 loanId) external;

    /// @notice `breachCommitment` for each id, skipping with `ActionSkipped` the loans not breached.
    function breachCommitments(uint256[] calldata loanIds) external returns (uint256 breached);

    /*//////////////////////////////////////////////////////////////
                           OBJECTION AND RECOVERY
    //////////////////////////////////////////////////////////////*/

    /// @notice The borrower objects to the default of loan `loanId` (Defaulted or Certified -> Disputed) with the hash
    /// of its evidence; once per default. Enforcement freezes until a decision or the template's objection window ends.
    function fileObjection(uint256 loanId, bytes32 evidenceHash) external;

    /// @notice A registered notary or mediator, no party to the loan, decides the open objection. Upheld: the
    /// default is annulled (the loan returns to its normal course, a new default counts installments due after now).
    /// Rejected: the loan returns to where it was.
    function resolveObjection(uint256 loanId, bool upheld, bytes32 decisionHash) external;

    /// @notice Moves a certified loan to the next recovery stage (claim holder only), with the hash of the notice sent.
    function advanceStage(uint256 loanId, bytes32 noticeHash) external;

    /// @notice Names the collateral watch LoanBook asks at origination and default, and the auction house that
    /// settles collateral sales (admin only; zero turns either off).
    function setCollateralModules(address watch, address auctionHouse) external;

    /// @notice Settles a sale of loan `loanId`'s collateral for `proceeds` (auction house only, in the Enforcement
    /// stage): the proceeds, already paid to LoanBook for on-chain collateral, pay the debt; the claim holder gets what
    /// they pay, the borrower the surplus; the collateral goes to `buyer`. For an off-chain asset (`buyer` zero) the
    /// money moved off chain: the sale is recorded and the pledge freed. Returns the debt left.
    function settleCollateralSale(
        uint256 loanId,
        address buyer,
        uint256 proceeds,
        bytes32 saleHash
    ) external returns (uint256 debtLeft);

    /// @notice In the Enforcement stage, transfers the escrowed collateral to the claim holder (or releases an
    /// off-chain asset's pledge) and records `value` against the debt (claim holder only). Collateral in the loan's
    /// own token is worth its amount.
    function enforceCollateral(uint256 loanId, uint256 value, bytes32 valuationHash) external;

    /// @notice In the Enforcement stage, with no collateral left in escrow, writes off what is still owed (claim
    /// holder only). Due dates never move.
    function writeOff(uint256 loanId, bytes32 reasonHash) external;

    /*//////////////////////////////////////////////////////////////
                        BANK PAYMENTS AND AUTO-DEBIT
    //////////////////////////////////////////////////////////////*/

    /// @notice Allows (lenders only) or disallows (anyone, for its own signers) `signer` to attest bank payments of the
    /// caller's loans. A lender's signers attest only while it holds LENDER_ROLE.
    function setBankSigner(address signer, bool allowed) external;

    /// @notice Credits a bank payment attested by one of the lender's signers (anyone may submit), once per bank
    /// reference, allocated as a repayment made at `paidAt` (or at the loan's last penalty checkpoint, if later).
    function recordBankPayment(BankPayment calldata payment) external;

    /// @notice `recordBankPayment` for each, skipping with `ActionSkipped` the ones that would revert.
    function recordBankPayments(BankPayment[] calldata payments) external returns (uint256 recorded);

    /// @notice Turns auto-debit of loan `loanId` on or off (its borrower only). On, anyone may pull what is due from
    /// the borrower's wallet, within the allowance it gave LoanBook.
    function setAutoDebit(uint256 loanId, bool enabled) external;

    /// @notice Pulls exactly `amountDue` from the borrower to the claim holder (anyone), only when the borrower's
    /// balance and allowance cover it.
    function autoDebit(uint256 loanId) external;

    /// @notice `autoDebit` for each id, skipping with `ActionSkipped` the loans it cannot debit.
    function autoDebits(uint256[] calldata loanIds) external returns (uint256 debited);
}
