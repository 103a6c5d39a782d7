// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Loans, Schedule} from "../types/DataTypes.sol";

/// @title ILoanBookTypes
/// @notice Every parameter struct, event and error of the loan book (LoanBook and its enforcement module).
interface ILoanBookTypes {
    /*//////////////////////////////////////////////////////////////
                               PARAMETERS
    //////////////////////////////////////////////////////////////*/

    /// @notice What a lender publishes. A custom plan (`kind == Custom`) also passes its due offsets and principals,
    /// and then `minPrincipal` and `maxPrincipal` must both equal their sum.
    // solhint-disable-next-line gas-struct-packing
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
        /// The commitments accepted without the lender (all zero: none, the lender decides each).
        CommitmentPolicy commitmentPolicy;
        /// How long an objection may freeze enforcement before it lapses (at least one day, at most a year).
        uint32 objectionWindowSeconds;
    }

    /// @notice Bounds within which a borrower's repayment commitment is accepted without the lender. A commitment
    /// of a loan whose template sets `maxInstallments` to 0 needs the claim holder's acceptance.
    struct CommitmentPolicy {
        /// The most installments a commitment may have.
        uint16 maxInstallments;
        /// The longest span, in days, from acceptance to the last installment.
        uint16 maxSpanDays;
        /// The smallest first installment, in bps of the commitment's total.
        uint16 minFirstPaymentBps;
        /// How late an installment may be paid before the commitment is breached.
        uint32 graceSeconds;
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

    /// @notice A notary's execution certificate for a declared default: the hashes of the notarized debt instrument,
    /// the proof of default and the identity proof the lender applied with (Kunshan practice).
    struct CertificateParams {
        uint256 loanId;
        bytes32 debtInstrumentHash;
        bytes32 defaultProofHash;
        bytes32 identityProofHash;
    }

    /// @notice A repayment commitment: the borrower's new plan for the whole debt, installment `i` of `amounts[i]`
    /// due at `dueTimes[i]` (strictly increasing, in the future).
    struct CommitmentParams {
        uint256 loanId;
        uint256[] dueTimes;
        uint256[] amounts;
    }

    /// @notice A payment the borrower made at the lender's bank, attested by one of the lender's bank-feed signers.
    /// `bankReferenceHash` is the keccak256 of the bank's identifier and its transaction reference; `paidAt` is when
    /// the bank booked it (what lateness is judged by); the attestation can be recorded until `deadline`.
    struct BankPayment {
        uint256 loanId;
        uint256 amount;
        bytes32 bankReferenceHash;
        uint256 paidAt;
        uint256 deadline;
        address signer;
        bytes signature;
    }

    /// @notice Something a keeper can do for a loan now (`checkActions`).
    struct KeeperAction {
        uint256 loanId;
        /// The selector of the function that does it: declareDefault, breachCommitment or autoDebit.
        bytes4 action;
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

    /// @notice Emitted when `notary` certifies loan `loanId`'s default: the loan is enforceable.
    event DefaultCertified(
        uint256 indexed loanId,
        address indexed notary,
        bytes32 indexed certificateId,
        bytes32 debtInstrumentHash,
        bytes32 defaultProofHash,
        bytes32 identityProofHash
    );

    /// @notice Emitted when a repayment commitment of `total` in `installments` installments is accepted for loan
    /// `loanId`, by the claim holder `acceptedBy` (zero: by the template's policy). `commitmentHash` is the EIP-712
    /// struct hash the borrower signed.
    event CommitmentAccepted(
        uint256 indexed loanId,
        address indexed acceptedBy,
        bytes32 commitmentHash,
        uint256 total,
        uint256 installments
    );

    /// @notice Emitted when the claim holder waives `amount` of loan `loanId`'s accrued penalty.
    event PenaltyWaived(uint256 indexed loanId, address indexed claimHolder, uint256 amount);

    /// @notice Emitted when `actor` records the breach of loan `loanId`'s commitment: installment `installment`
    /// (from 1) was due at `dueTime` and is not paid after the grace. `evidenceHash` commits to those facts.
    event CommitmentBreached(
        uint256 indexed loanId,
        address indexed actor,
        bytes32 evidenceHash,
        uint256 installment,
        uint256 dueTime
    );

    /// @notice Emitted for a payment of `amount` toward a restructured loan's fixed debt, leaving `debtLeft`.
    event DebtRepaid(uint256 indexed loanId, address indexed payer, uint256 amount, uint256 debtLeft);

    /// @notice Emitted when a loan that was in default is paid in full: the credit-repair record.
    event LoanSettled(uint256 indexed loanId, Loans.Settlement how, uint256 settledAt);

    /// @notice Emitted when the borrower objects to loan `loanId`'s default; enforcement is frozen until `deadline`.
    event ObjectionFiled(uint256 indexed loanId, address indexed borrower, bytes32 evidenceHash, uint256 deadline);

    /// @notice Emitted when a notary or a mediator decides loan `loanId`'s objection. Upheld, the default is annulled.
    event ObjectionResolved(uint256 indexed loanId, address indexed resolver, bool upheld, bytes32 decisionHash);

    /// @notice Emitted when the claim holder moves loan `loanId` to `stage` of the recovery funnel, having sent the
    /// notice whose hash is `noticeHash`.
    event RecoveryStageAdvanced(
        uint256 indexed loanId,
        Loans.Stage indexed stage,
        address indexed claimHolder,
        bytes32 noticeHash
    );

    /// @notice Emitted when the claim holder takes loan `loanId`'s collateral in enforcement: `value` (evidenced by
    /// `valuationHash`) is recorded against the debt, `credited` of it (at most the debt).
    event CollateralEnforced(
        uint256 indexed loanId,
        address indexed claimHolder,
        uint256 value,
        uint256 credited,
        bytes32 valuationHash
    );

    /// @notice Emitted when loan `loanId`'s collateral is sold through the auction house to `buyer` (zero for an
    /// off-chain asset whose sale the notary attested, `saleHash` its record): `credited` of the `proceeds` (at most
    /// the debt) paid the claim holder, the `surplus` went to the borrower (on chain; owed off chain for an off-chain
    /// sale), and `debtLeft` stays owed.
    event CollateralSold(
        uint256 indexed loanId,
        address indexed buyer,
        uint256 proceeds,
        uint256 credited,
        uint256 surplus,
        uint256 debtLeft,
        bytes32 saleHash
    );

    /// @notice Emitted when loan `loanId` is declared in default on its collateral (`reason`: a `Valuations.Margin`
    /// of Default, TrackerMoved or TrackerSilent), with the `LoanDefaulted` of the same declaration.
    event CollateralDefaultTriggered(uint256 indexed loanId, uint8 reason);

    /// @notice Emitted when the admin names the book's collateral watch and auction house.
    event CollateralModulesSet(address watch, address auctionHouse, address indexed admin);

    /// @notice Emitted when the claim holder writes off the `amount` loan `loanId` still owed.
    event LoanWrittenOff(uint256 indexed loanId, address indexed claimHolder, uint256 amount, bytes32 reasonHash);

    /// @notice Emitted when `lender` allows or disallows a bank-feed signer.
    event BankSignerSet(address indexed lender, address indexed signer, bool allowed);

    /// @notice Emitted when a bank payment attested by `signer` is credited to loan `loanId`, as of `creditedAt`
    /// (the time paid at the bank, or the loan's last penalty checkpoint if later).
    event BankPaymentRecorded(
        uint256 indexed loanId,
        address indexed signer,
        bytes32 indexed bankReferenceHash,
        uint256 amount,
        uint256 paidAt,
        uint256 creditedAt
    );

    /// @notice Emitted when the borrower turns auto-debit of loan `loanId` on or off.
    event AutoDebitSet(uint256 indexed loanId, bool enabled);

    /// @notice Emitted by a batch for a loan it skips: `action` is the single function's selector, `reason` the
    /// selector of the error it would have reverted with.
    event ActionSkipped(uint256 indexed loanId, bytes4 action, bytes4 reason);

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

    /// @notice Thrown when loan `loanId`'s status does not allow the action.
    error LoanBook_WrongStatus(uint256 loanId, Loans.Status status);

    /// @notice Thrown when `caller` is not the holder of loan `loanId`'s claim.
    error LoanBook_NotClaimHolder(uint256 loanId, address caller);

    /// @notice Thrown when `caller` is not loan `loanId`'s borrower.
    error LoanBook_NotBorrower(uint256 loanId, address caller);

    /// @notice Thrown when a notary certifies a loan whose template did not require notarization at origination.
    error LoanBook_NotNotarized(uint256 loanId);

    /// @notice Thrown when an evidence, notice or decision hash is zero.
    error LoanBook_ZeroHash();

    /// @notice Thrown when an enforcement message's nonce was already used by `signer`.
    error LoanBook_NonceUsed(address signer, uint256 nonce);

    /// @notice Thrown when a commitment's plan is malformed: empty, over MAX_COMMITMENT_INSTALLMENTS, of unequal
    /// lengths, not strictly increasing from the future, or with a zero amount.
    error LoanBook_InvalidCommitmentPlan();

    /// @notice Thrown when a commitment's `total` is not the loan's `debt` less the penalty waived.
    error LoanBook_CommitmentTotalMismatch(uint256 loanId, uint256 total, uint256 debt, uint256 penaltyWaived);

    /// @notice Thrown when the claim holder waives more than the `penalty` accrued.
    error LoanBook_WaiverExceedsPenalty(uint256 loanId, uint256 penaltyWaived, uint256 penalty);

    /// @notice Thrown when a commitment submitted without the claim holder is outside the template's policy.
    error LoanBook_OutsideCommitmentPolicy(uint256 loanId);

    /// @notice Thrown when loan `loanId`'s commitment is not breached now; it will be at `breachableAt` (0: never,
    /// everything due is paid).
    error LoanBook_CommitmentNotBreached(uint256 loanId, uint256 breachableAt);

    /// @notice Thrown when `caller` is neither a registered notary nor a mediator.
    error LoanBook_NotAResolver(address caller);

    /// @notice Thrown when a notary or mediator decides an objection of a loan it is a party to.
    error LoanBook_ResolverIsParty(address resolver);

    /// @notice Thrown when the borrower already objected to loan `loanId`'s default (one objection per default).
    error LoanBook_ObjectionAlreadyFiled(uint256 loanId);

    /// @notice Thrown when loan `loanId` has no open objection (none filed, decided, or lapsed).
    error LoanBook_NoOpenObjection(uint256 loanId);

    /// @notice Thrown when the funnel action needs another stage than loan `loanId`'s `stage`.
    error LoanBook_WrongStage(uint256 loanId, Loans.Stage stage);

    /// @notice Thrown when loan `loanId` has no collateral left to take.
    error LoanBook_NoCollateral(uint256 loanId);

    /// @notice Thrown when the value of collateral in the loan's own token is not its amount.
    error LoanBook_CollateralValueMismatch(uint256 value, uint256 amount);

    /// @notice Thrown when escrowed collateral is still held at write-off (take it first).
    error LoanBook_CollateralStillHeld(uint256 loanId);

    /// @notice Thrown when `signer` is not a bank-feed signer of `lender`, or `lender` no longer holds LENDER_ROLE.
    error LoanBook_NotBankSigner(address lender, address signer);

    /// @notice Thrown when a bank reference was already credited, to loan `loanId`.
    error LoanBook_BankReferenceUsed(bytes32 bankReferenceHash, uint256 loanId);

    /// @notice Thrown when a bank payment's time is in the future or before the loan started.
    error LoanBook_InvalidPaymentTime(uint256 paidAt);

    /// @notice Thrown when the borrower has not turned auto-debit on for loan `loanId`.
    error LoanBook_AutoDebitOff(uint256 loanId);

    /// @notice Thrown when nothing is due on loan `loanId` now.
    error LoanBook_NothingDue(uint256 loanId);

    /// @notice Thrown when the borrower's balance or allowance does not cover the `due` amount.
    error LoanBook_InsufficientFunds(uint256 loanId, uint256 due, uint256 balance, uint256 allowance);

    /// @notice Thrown when a template's objection window is under a day or over a year, or its commitment policy
    /// allows more than MAX_COMMITMENT_INSTALLMENTS installments or a first payment over 100%.
    error LoanBook_InvalidEnforcementTerms();

    /// @notice Thrown when LoanBook or the enforcement module is deployed with a module that has no code, or when a
    /// module's batch is called at the module's own address instead of LoanBook's.
    error LoanBook_InvalidModule(address module);

    /// @notice Thrown when an address that must be given is zero.
    error LoanBook_ZeroAddress();

    /// @notice Thrown when a collateral sale is settled by anyone but the book's auction house.
    error LoanBook_NotAuctionHouse(address caller);
}
