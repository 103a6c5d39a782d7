// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Loans, Schedule} from "../types/DataTypes.sol";

/// @title ILoanBook
/// @notice One contract holding every loan: templates, notarized origination signed in the borrower's wallet,
/// claims as ERC-721 tokens, repayment, lazily accrued penalties and default as a fact the chain checks.
/// Every event, error and parameter struct of the loan book lives here.
interface ILoanBook {
    /*//////////////////////////////////////////////////////////////
                               PARAMETERS
    //////////////////////////////////////////////////////////////*/

    /// @notice What a lender publishes. A custom plan (`kind == Custom`) also passes its due offsets and principals,
    /// and then `minPrincipal` and `maxPrincipal` must both equal their sum.
    struct TemplateParams {
        address token;
        Schedule.Kind kind;
        uint16 rateBps;
        uint16 count;
        uint32 intervalSeconds;
        uint128 minPrincipal;
        uint128 maxPrincipal;
        uint32 graceSeconds;
        uint16 penaltyRateBps;
        uint16 penaltyCapBps;
        uint128 flatFee;
        /// Default once the oldest unpaid installment is this many days past due (0: not a trigger).
        uint16 defaultDaysPastDue;
        /// Default once this many installments are past due and unpaid (0: not a trigger).
        uint16 defaultMissedInstallments;
        bool requiresNotary;
        Loans.CollateralKind collateralKind;
        Loans.PrepaymentRule prepaymentRule;
    }

    /// @notice A signature with the nonce and deadline it signed.
    struct SignedApproval {
        address signer;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    /// @notice Everything an origination names. The borrower's approval signs `LoanAcceptance`, the notary's
    /// `Notarization` (ignored, and may be empty, when the template does not require notarization).
    struct OriginationParams {
        uint256 templateId;
        uint128 principal;
        bytes32 documentHash;
        Loans.Collateral collateral;
        SignedApproval borrower;
        SignedApproval notary;
    }

    /// @notice What installment `number` of a loan owes now.
    struct InstallmentView {
        uint256 number;
        uint256 dueTime;
        uint256 principal;
        uint256 interest;
        uint256 penalty;
        uint256 paid;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Emitted when the admin registers `notary`, whose office is identified by `officeIdHash`.
    event NotaryAdded(address indexed notary, bytes32 indexed officeIdHash, address indexed admin);

    /// @notice Emitted when the admin revokes `notary`.
    event NotaryRevoked(address indexed notary, address indexed admin);

    /// @notice Emitted when `lender` publishes template `templateId`; `termsHash` is the keccak256 of its ABI-encoded
    /// parameters (and custom plan), the evidence of what every loan made from it agreed to.
    event TemplatePublished(uint256 indexed templateId, address indexed lender, bytes32 termsHash);

    /// @notice Emitted when `lender` retires template `templateId`; its loans keep their terms.
    event TemplateRetired(uint256 indexed templateId, address indexed lender);

    /// @notice Emitted when loan `loanId` is made: the principal moved from `lender` to `borrower`, who accepted
    /// `documentHash` (the signed contract), notarized by `notary` (zero when the template needs no notary).
    event LoanOriginated(
        uint256 indexed loanId,
        uint256 indexed templateId,
        address indexed lender,
        address borrower,
        address notary,
        uint256 principal,
        bytes32 documentHash
    );

    /// @notice Emitted when collateral is escrowed (ERC-20, ERC-721) or recorded (off-chain) for loan `loanId`.
    event CollateralPledged(
        uint256 indexed loanId,
        Loans.CollateralKind kind,
        address token,
        uint256 amountOrId,
        bytes32 assetHash
    );

    /// @notice Emitted when loan `loanId`'s collateral returns to `borrower` after full repayment.
    event CollateralReleased(uint256 indexed loanId, address indexed borrower);

    /// @notice Emitted for every repayment of loan `loanId` by `payer`, with its allocation (`principalPaid` includes
    /// `prepaid`). The token's own Transfer event in the same transaction names the claim holder who received it.
    event RepaymentMade(
        uint256 indexed loanId,
        address indexed payer,
        uint256 penaltyPaid,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 prepaid
    );

    /// @notice Emitted when loan `loanId` is repaid in full.
    event LoanRepaid(uint256 indexed loanId, address indexed payer);

    /// @notice Emitted when `actor` declares loan `loanId` in default. `evidenceHash` commits to the facts that made
    /// the trigger hold: keccak256(loanId, oldest unpaid installment, its due time, installments past due, now).
    event LoanDefaulted(
        uint256 indexed loanId,
        address indexed actor,
        bytes32 evidenceHash,
        uint256 oldestUnpaidInstallment,
        uint256 missedInstallments
    );

    /// @notice Emitted by `declareDefaults` for a loan it skips; `eligibleAt` is when it can be declared (0: never,
    /// it is repaid, already defaulted or unknown).
    event DefaultSkipped(uint256 indexed loanId, uint256 eligibleAt);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Thrown when `account` is not a registered notary.
    error LoanBook_NotANotary(address account);

    /// @notice Thrown when the notary of a loan is also its lender or borrower.
    error LoanBook_NotaryIsParty(address notary);

    /// @notice Thrown when the admin adds a notary without an office identifier hash.
    error LoanBook_ZeroOfficeId();

    /// @notice Thrown when a template names no token.
    error LoanBook_ZeroToken();

    /// @notice Thrown when a template's principal bounds are empty, above MAX_PRINCIPAL, or (custom plans) not equal.
    error LoanBook_InvalidPrincipalBounds(uint256 minPrincipal, uint256 maxPrincipal);

    /// @notice Thrown when a custom plan's last due offset is later than `maxDueOffset`.
    error LoanBook_PlanTooLong(uint256 lastDueOffset, uint256 maxDueOffset);

    /// @notice Thrown when a template sets neither default trigger.
    error LoanBook_NoDefaultTrigger();

    /// @notice Thrown when a template's prepayment rule is `None`.
    error LoanBook_NoPrepaymentRule();

    /// @notice Thrown when `templateId` does not exist.
    error LoanBook_UnknownTemplate(uint256 templateId);

    /// @notice Thrown when template `templateId` is retired.
    error LoanBook_TemplateRetired(uint256 templateId);

    /// @notice Thrown when `caller` acts on template `templateId`, which belongs to `lender`.
    error LoanBook_NotTemplateLender(uint256 templateId, address caller, address lender);

    /// @notice Thrown when the principal is outside the template's bounds.
    error LoanBook_PrincipalOutOfBounds(uint256 principal, uint256 minPrincipal, uint256 maxPrincipal);

    /// @notice Thrown when a signature's deadline has passed.
    error LoanBook_SignatureExpired(address signer, uint256 deadline);

    /// @notice Thrown when a signature does not come from `signer` for these exact terms on this chain and contract.
    error LoanBook_InvalidSignature(address signer);

    /// @notice Thrown when the borrower is the zero address or the lender itself.
    error LoanBook_InvalidBorrower(address borrower);

    /// @notice Thrown when collateral is given for a template without collateral, or is missing or malformed.
    error LoanBook_InvalidCollateral(Loans.CollateralKind kind);

    /// @notice Thrown when the collateral is already pledged to open loan `loanId`.
    error LoanBook_CollateralAlreadyPledged(bytes32 collateralKey, uint256 loanId);

    /// @notice Thrown when `loanId` does not exist.
    error LoanBook_UnknownLoan(uint256 loanId);

    /// @notice Thrown when loan `loanId` is already repaid.
    error LoanBook_LoanRepaid(uint256 loanId);

    /// @notice Thrown when a repayment amount is zero.
    error LoanBook_ZeroAmount();

    /// @notice Thrown when `amount` is more than the `payoff` that repays loan `loanId` in full now.
    error LoanBook_Overpayment(uint256 loanId, uint256 amount, uint256 payoff);

    /// @notice Thrown when loan `loanId` is already in default.
    error LoanBook_AlreadyDefaulted(uint256 loanId);

    /// @notice Thrown when loan `loanId`'s default trigger does not hold yet; it will at `eligibleAt` if nothing is
    /// paid before.
    error LoanBook_DefaultNotYetTriggered(uint256 loanId, uint256 eligibleAt);

    /*//////////////////////////////////////////////////////////////
                               FUNCTIONS
    //////////////////////////////////////////////////////////////*/

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

    /// @notice The loan's standing now.
    function statusOf(uint256 loanId) external view returns (Loans.Status);

    /// @notice What the loan owes now: every installment due by now, with its penalty, less what was paid.
    function amountDue(uint256 loanId) external view returns (uint256);

    /// @notice The amount that repays the loan in full now: `amountDue`, the next installment if not yet due, and
    /// the principal after it.
    function payoffAmount(uint256 loanId) external view returns (uint256);

    /// @notice The oldest unpaid installment and what it owes now (all zero once the loan is repaid).
    function currentInstallment(uint256 loanId) external view returns (InstallmentView memory);

    /// @notice Installment by installment, what the loan owes now: every installment due by now and the next one,
    /// oldest first, each with its principal, interest, penalty now and what was paid toward it.
    function installmentBreakdown(uint256 loanId) external view returns (InstallmentView[] memory);

    /// @notice When loan `loanId` can be declared in default if nothing more is paid (0 when it cannot be).
    function defaultEligibleAt(uint256 loanId) external view returns (uint256);
}
