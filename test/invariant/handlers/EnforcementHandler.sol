// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The handler keeps the ghosts of many independent properties (statuses, debts, tokens, collateral, bank references,
// coverage counters): one state variable each reads better than a few catch-all structs.
/* solhint-disable max-states-count */

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LoanBook} from "../../../contracts/LoanBook.sol";
import {LoanEnforcement} from "../../../contracts/LoanEnforcement.sol";
import {ILoanBookTypes} from "../../../contracts/interfaces/ILoanBookTypes.sol";
import {ILoanEnforcement} from "../../../contracts/interfaces/ILoanEnforcement.sol";
import {ILoanViews} from "../../../contracts/interfaces/ILoanViews.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {Loans, Schedule} from "../../../contracts/types/DataTypes.sol";
import {FuzzHelpers} from "../../fuzz/utils/FuzzHelpers.sol";
import {IInvariantVm} from "../utils/IInvariantVm.sol";
import {OriginationHashes} from "../utils/OriginationHashes.sol";

/// @title EnforcementHandler
/// @notice The one contract the enforcement invariant campaign calls. It drives a handful of loans of two notarized
/// annuity products (one with ERC-20 collateral and a commitment policy, one with neither) along the whole
/// enforcement path: time jumps, partial and full repayments, default declarations, the notary's certificate,
/// repayment commitments submitted within the template's policy or accepted by the claim holder with a penalty
/// waiver, breaches, objections decided by a notary or a mediator, the recovery funnel, collateral enforcement,
/// write-offs, attested bank payments, auto-debit and claim sales. It plays every role: the lender (it holds
/// LENDER_ROLE and the claims it has not sold), the borrowers, the notary, a mediator, the lender's bank-feed
/// signer and two claim buyers (private keys, signing with `vm.sign`, calling with `vm.prank`), and the clock.
/// @dev Every action turns random seeds into a call that is usually valid (it prefers a loan whose status allows
/// the action, and sometimes picks any loan so that refusals are exercised too); calls that may revert are made with
/// try/catch so that the handler never reverts. After every action (time jumps included) `_observeAll` compares
/// each loan with what was seen after the previous action: the status transition, whether it improved the loan's
/// standing, and what a restructured debt became, against what the action credited or decided. A violation is
/// recorded in `failures` (first one kept with its values) and reported by the invariant of EnforcementInvariantTest
/// that owns its `Check`.
contract EnforcementHandler is FuzzHelpers {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The handler's actions (and the end-of-run payoff of every loan), to say which one broke a check.
    enum Action {
        Originate,
        Warp,
        Repay,
        DeclareDefault,
        Certify,
        SubmitCommitment,
        AcceptCommitment,
        BreachCommitment,
        FileObjection,
        ResolveObjection,
        AdvanceStage,
        EnforceCollateral,
        WriteOff,
        RecordBankPayment,
        SetAutoDebit,
        AutoDebit,
        TransferClaim,
        CloseAll
    }

    /// @notice The families of checks made inside the handler; each is asserted by one invariant.
    enum Check {
        /// An observed status change that the documented graph does not allow.
        StatusGraph,
        /// A restructured debt (commitment, enforcement) that fell by more than was credited or waived.
        Debt,
        /// A loan whose standing improved in a step without a payment credited or an objection upheld.
        Standing,
        /// A bank reference credited twice, or the book's record of it wrong.
        BankReference,
        /// Tokens that did not go from the borrower to the claim holder one for one, or a bank payment that moved any.
        Conservation,
        /// Collateral that did not move as the escrow model says (released to the borrower, taken by the holder).
        Collateral,
        /// An action that did not do what ILoanEnforcement / ILoanBook document.
        Behaviour
    }

    /// @notice The first violation of one `Check`: what broke, where, and the values that show it.
    struct Failure {
        Action action;
        uint256 loanId;
        string property;
        uint256 expected;
        uint256 actual;
        bytes reason;
    }

    /// @notice What the handler knows about one loan besides the contract's own storage.
    struct LoanGhost {
        address borrower;
        /// Restructured (a fixed debt) after the previous action.
        bool lastFixed;
        /// In the model, the collateral is in the book's escrow (not yet released to the borrower or taken).
        bool collateralHeld;
        /// The claim holder took the collateral in enforcement.
        bool collateralTaken;
        /// Whether the current action upheld an objection of the loan, or restructured it (a commitment or
        /// enforcement); cleared after every observation.
        bool upheldNow;
        bool restructuredNow;
        uint256 borrowerKey;
        uint256 templateId;
        /// ERC-20 collateral escrowed at origination (0: the template takes none).
        uint256 collateralAmount;
        /// Sum of the borrower's token balance drops over its on-chain payments (repay, auto-debit) of this loan.
        uint256 paidByBorrower;
        /// Sum of the claim holders' token balance rises over the same payments.
        uint256 receivedByHolders;
        /// Payoff after the previous action.
        uint256 lastPayoff;
        /// What the current action credited to the loan (payments, collateral value); cleared after every
        /// observation.
        uint256 creditedNow;
        /// Status after the previous action.
        Loans.Status lastStatus;
        /// The status a commitment or an objection started from (where a breach or a rejection must return to).
        Loans.Status episodeFrom;
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The cheatcodes beyond FuzzHelpers' `expectRevert`, at the same address.
    IInvariantVm internal constant CHEATS = IInvariantVm(address(VM));

    /// @dev One token of the 6-decimal repayment token.
    uint128 private constant UNIT = 1e6;
    uint32 private constant MONTH = 30 days;
    /// @dev Loans per run: a handful, so that the fuzzer takes each one far along the path.
    uint256 private constant MAX_LOANS = 7;
    /// @dev Loans made by `initialize`, so that the first actions already have loans to act on, and how many of
    /// them were made AGED_BY before the run starts.
    uint256 private constant INITIAL_LOANS = 5;
    uint256 private constant AGED_LOANS = 3;
    uint256 private constant AGED_BY = 50 days;
    /// @dev Largest ERC-20 collateral amount (18 decimals): a million tokens.
    uint256 private constant MAX_COLLATERAL_AMOUNT = 1e24;
    /// @dev Longest jump of the clock in one `warp` action, and of a short one.
    uint256 private constant MAX_WARP = 75 days;
    uint256 private constant SHORT_WARP = 2 days;
    /// @dev A claim-holder-accepted commitment: at most this many installments, within this span.
    uint256 private constant ACCEPTED_MAX_INSTALLMENTS = 6;
    uint256 private constant ACCEPTED_MAX_SPAN = 360 days;
    uint256 private constant MAX_COMMITMENT_INTERVAL = 30 days;
    /// @dev Private keys (any scalar below the curve order).
    uint256 private constant NOTARY_KEY = 0xA11CE;
    uint256 private constant MEDIATOR_KEY = 0xD1A10;
    uint256 private constant BANK_SIGNER_KEY = 0xBA4C;
    uint256 private constant FIRST_BORROWER_KEY = 0xB0B0;
    uint256 private constant BORROWER_COUNT = 3;
    uint256 private constant FIRST_BUYER_KEY = 0xC1A1;
    uint256 private constant BUYER_COUNT = 2;

    /// @dev Status masks of the loan selection: the open statuses, and those a commitment or objection starts from.
    uint256 private constant OPEN =
        (1 << uint256(Loans.Status.Active)) |
            (1 << uint256(Loans.Status.Late)) |
            (1 << uint256(Loans.Status.Defaulted)) |
            (1 << uint256(Loans.Status.Certified)) |
            (1 << uint256(Loans.Status.Committed)) |
            (1 << uint256(Loans.Status.Disputed));
    uint256 private constant DEFAULTED_OR_CERTIFIED =
        (1 << uint256(Loans.Status.Defaulted)) | (1 << uint256(Loans.Status.Certified));

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    LoanBook public immutable BOOK;
    /// @notice The book's enforcement and views modules, at the book's address.
    ILoanEnforcement public immutable ENFORCEMENT;
    ILoanViews public immutable VIEWS;
    /// @notice The repayment token of both templates.
    TestToken public immutable TOKEN;
    /// @notice The token of ERC-20 collateral (another token, so that repayment conservation is not blurred, and
    /// the claim holder values it freely).
    TestToken public immutable COLLATERAL_TOKEN;
    address public immutable NOTARY;
    address public immutable MEDIATOR;
    address public immutable BANK_SIGNER;

    bytes32 private immutable REPAYMENT_COMMITMENT_TYPEHASH;
    bytes32 private immutable BANK_PAYMENT_TYPEHASH;

    address[] private _borrowers;
    uint256[] private _borrowerKeys;
    /// @dev Claim holders: the handler (the lender) first, then the buyers.
    address[] private _holders;
    uint256[] private _templateIds;

    mapping(uint256 loanId => LoanGhost) private _ghosts;

    /// @notice Every bank reference credited, and the loan it was credited to in the model.
    bytes32[] public bankReferences;
    mapping(bytes32 bankReference => uint256 loanId) public modelBankReferenceLoan;

    /// @notice The collateral token balance the model expects of the book, each borrower and each claim holder.
    mapping(address account => uint256) public modelCollateralBalance;

    /// @notice Totals over every on-chain payment (repay, auto-debit): the amounts asked, what borrowers paid, what
    /// holders received.
    uint256 public totalRequested;
    uint256 public totalPaid;
    uint256 public totalReceived;

    /// @notice Calls and successful calls of each action, observed status changes (how far the fuzzer got), and
    /// violations of each check.
    mapping(Action action => uint256) public calls;
    mapping(Action action => uint256) public successes;
    mapping(Loans.Status from => mapping(Loans.Status to => uint256)) public transitions;
    mapping(Check check => uint256) public failures;
    mapping(Check check => Failure) private _firstFailure;
    /// @notice Violations of any check during the end-of-run payoff (`payOffEverything`), and the first one.
    uint256 public closeOutFailures;
    Failure private _firstCloseOutFailure;

    /// @dev Unordered nonces of the enforcement messages, and a counter of unique bank references.
    uint256 private _nonce;
    uint256 private _bankReferenceCount;

    /// @notice Thrown when `initialize` is called twice.
    error Handler_AlreadyInitialized();

    /*//////////////////////////////////////////////////////////////
                               SET-UP
    //////////////////////////////////////////////////////////////*/

    /// @param book_ A LoanBook whose admin grants this handler LENDER_ROLE, registers `NOTARY` and gives `MEDIATOR`
    /// MEDIATOR_ROLE before `initialize`.
    constructor(LoanBook book_, TestToken token_, TestToken collateralToken_) {
        BOOK = book_;
        ENFORCEMENT = ILoanEnforcement(address(book_));
        VIEWS = ILoanViews(address(book_));
        TOKEN = token_;
        COLLATERAL_TOKEN = collateralToken_;
        NOTARY = CHEATS.addr(NOTARY_KEY);
        MEDIATOR = CHEATS.addr(MEDIATOR_KEY);
        BANK_SIGNER = CHEATS.addr(BANK_SIGNER_KEY);
        REPAYMENT_COMMITMENT_TYPEHASH = LoanEnforcement(address(book_)).REPAYMENT_COMMITMENT_TYPEHASH();
        BANK_PAYMENT_TYPEHASH = LoanEnforcement(address(book_)).BANK_PAYMENT_TYPEHASH();
        // The lender funds every loan from here, so one unlimited approval does.
        token_.approve(address(book_), type(uint256).max);
        _holders.push(address(this));
        for (uint256 i; i < BUYER_COUNT; ++i) {
            _holders.push(CHEATS.addr(FIRST_BUYER_KEY + i));
        }
        for (uint256 i; i < BORROWER_COUNT; ++i) {
            uint256 key = FIRST_BORROWER_KEY + i;
            address borrower = CHEATS.addr(key);
            _borrowerKeys.push(key);
            _borrowers.push(borrower);
            // Borrowers repay, are auto-debited and pledge through the book, as a wallet would after approving it.
            CHEATS.prank(borrower);
            token_.approve(address(book_), type(uint256).max);
            CHEATS.prank(borrower);
            collateralToken_.approve(address(book_), type(uint256).max);
        }
    }

    /// @notice Publishes the two templates, registers the bank-feed signer and originates the first loans (some of
    /// them AGED_BY earlier, so already past due, the first one already certified and in Enforcement). Not a fuzzer
    /// target.
    function initialize() external {
        if (_templateIds.length != 0) revert Handler_AlreadyInitialized();
        _publishTemplates();
        ENFORCEMENT.setBankSigner(BANK_SIGNER, true);
        // The first loans: AGED_LOANS of them made AGED_BY before the run starts and never paid, so that their
        // default is due, the first of them (with collateral) already declared, certified and in the Enforcement
        // stage; then fresh ones. Most runs thus reach the end of the enforcement path within the depth, while the
        // other loans go down all of it. Every step is observed like an action.
        for (uint256 i; i < AGED_LOANS; ++i) {
            _originate(i, i, derive(i, 1), derive(i, 2));
        }
        _observeAll(Action.Originate);
        CHEATS.warp(block.timestamp + AGED_BY);
        _observeAll(Action.Warp);
        BOOK.declareDefault(1);
        _observeAll(Action.DeclareDefault);
        CHEATS.prank(NOTARY);
        ENFORCEMENT.certify(
            ILoanBookTypes.CertificateParams(1, keccak256("debt instrument"), keccak256("default"), keccak256("id")),
            _ownCall(NOTARY)
        );
        _observeAll(Action.Certify);
        for (uint256 stage; stage < 4; ++stage) {
            ENFORCEMENT.advanceStage(1, keccak256(abi.encode("notice", stage)));
        }
        _observeAll(Action.AdvanceStage);
        for (uint256 i = AGED_LOANS; i < INITIAL_LOANS; ++i) {
            _originate(i, i, derive(i, 1), derive(i, 2));
        }
        _observeAll(Action.Originate);
    }

    /// @dev The two templates, both notarized annuities.
    function _publishTemplates() private {
        ILoanBookTypes.TemplateParams memory p;

        // A consumer annuity against ERC-20 collateral: 6 months at 24%, default 15 days past due; commitments of up
        // to 4 installments within 180 days, the first at least 10%, are accepted by policy (5 days' grace).
        p = _annuity(2400, 6, MONTH, 1_000 * UNIT, 20_000 * UNIT);
        p.collateralKind = Loans.CollateralKind.ERC20;
        p.defaultDaysPastDue = 15;
        p.commitmentPolicy = ILoanBookTypes.CommitmentPolicy({
            maxInstallments: 4,
            maxSpanDays: 180,
            minFirstPaymentBps: 1000,
            graceSeconds: 5 days
        });
        p.objectionWindowSeconds = 14 days;
        _templateIds.push(BOOK.publishTemplate(p, new uint40[](0), new uint128[](0)));

        // A fortnightly annuity without collateral: 4 installments at 12%, default at 2 missed installments; no
        // commitment policy (the claim holder decides each), a week to decide an objection.
        p = _annuity(1200, 4, 14 days, 100 * UNIT, 5_000 * UNIT);
        p.defaultMissedInstallments = 2;
        p.objectionWindowSeconds = 7 days;
        _templateIds.push(BOOK.publishTemplate(p, new uint40[](0), new uint128[](0)));
    }

    /// @dev A notarized annuity with 3 days' grace, 18.25% default interest a year, a flat fee of one token, a cap
    /// of 10% of the unpaid amount and ShortenTerm prepayment; the caller sets the trigger and the rest.
    function _annuity(
        uint16 rateBps,
        uint16 count,
        uint32 intervalSeconds,
        uint128 minPrincipal,
        uint128 maxPrincipal
    ) private view returns (ILoanBookTypes.TemplateParams memory p) {
        p.token = address(TOKEN);
        p.kind = Schedule.Kind.Annuity;
        p.rateBps = rateBps;
        p.count = count;
        p.intervalSeconds = intervalSeconds;
        p.minPrincipal = minPrincipal;
        p.maxPrincipal = maxPrincipal;
        p.graceSeconds = 3 days;
        p.penaltyRateBps = 1825;
        p.penaltyCapBps = 1000;
        p.flatFee = UNIT;
        p.requiresNotary = true;
        p.prepaymentRule = Loans.PrepaymentRule.ShortenTerm;
    }

    /*//////////////////////////////////////////////////////////////
                          ACTIONS: LOAN COURSE
    //////////////////////////////////////////////////////////////*/

    /// @notice The lender originates one more loan (up to MAX_LOANS) from a random template, borrower, principal and
    /// collateral amount, signed by the borrower and the notary. It must succeed.
    function originate(
        uint256 templateSeed,
        uint256 borrowerSeed,
        uint256 principalSeed,
        uint256 collateralSeed
    ) external observed(Action.Originate) {
        if (VIEWS.loanCount() >= MAX_LOANS) return;
        _originate(templateSeed, borrowerSeed, principalSeed, collateralSeed);
    }

    /// @notice Time passes: one time in four up to 2 days (to land inside grace periods and objection windows),
    /// otherwise up to 75 days.
    function warp(uint256 secondsSeed) external observed(Action.Warp) {
        uint256 longest = secondsSeed % 4 == 0 ? SHORT_WARP : MAX_WARP;
        CHEATS.warp(block.timestamp + bound(secondsSeed >> 2, 0, longest));
        ++successes[Action.Warp];
    }

    /// @notice The borrower repays an open loan (in any status, default and dispute included: repayment is never
    /// blocked): one time in eight the whole payoff (one in four for a loan in default, which a borrower often
    /// settles in full, one in two while it is Disputed, so that the documented Disputed -> Settled edge and what
    /// may follow it are exercised), one in four exactly what is due now, otherwise a partial amount (mostly of
    /// uniform bit length, so that loans stay open long enough to go down the enforcement path). Any amount up to
    /// the payoff must be accepted.
    function repay(uint256 loanSeed, uint256 amountSeed) external observed(Action.Repay) {
        uint256 loanId = _pick(loanSeed, OPEN);
        if (loanId == 0) return;
        uint256 payoff = VIEWS.payoffAmount(loanId);
        uint256 due = VIEWS.amountDue(loanId);
        uint256 mode = amountSeed % 8;
        uint256 amount;
        Loans.Status status = _ghosts[loanId].lastStatus;
        bool inDefault = status != Loans.Status.Active && status != Loans.Status.Late;
        if (mode == 2 || (mode == 3 && inDefault) || (mode < 4 && status == Loans.Status.Disputed)) amount = payoff;
        else if (mode < 2 && due != 0) amount = due;
        else if (mode == 3) amount = bound(amountSeed >> 3, 1, Math.max(payoff, 1));
        else amount = boundLog(amountSeed >> 3, 1, Math.max(payoff, 1));
        bool open = _isOpen(status);
        bool accepted = _pay(Action.Repay, loanId, amount, open);
        if (accepted && amount == payoff && !_paidOff(VIEWS.statusOf(loanId))) {
            _fail(Check.Behaviour, Action.Repay, loanId, "paying payoffAmount closes the loan", payoff, 0, "");
        }
    }

    /// @notice Anyone declares a loan in default. It must succeed exactly when the loan is open, not in default,
    /// and `defaultEligibleAt` has passed, and then leave it Defaulted.
    function declareDefault(uint256 loanSeed) external observed(Action.DeclareDefault) {
        uint256 loanId = _pick(loanSeed, _bit(Loans.Status.Late));
        if (loanId == 0) return;
        Loans.Status before = _ghosts[loanId].lastStatus;
        uint256 eligibleAt = VIEWS.defaultEligibleAt(loanId);
        bool expected =
            (before == Loans.Status.Active || before == Loans.Status.Late) &&
                eligibleAt != 0 &&
                block.timestamp >= eligibleAt;
        try BOOK.declareDefault(loanId) {
            ++successes[Action.DeclareDefault];
            _expectSuccess(expected, Action.DeclareDefault, loanId, "a default needs its trigger");
            _expectStatus(Action.DeclareDefault, loanId, Loans.Status.Defaulted);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.DeclareDefault, loanId, "an eligible default is declared", reason);
        }
    }

    /*//////////////////////////////////////////////////////////////
                     ACTIONS: CERTIFICATE AND COMMITMENT
    //////////////////////////////////////////////////////////////*/

    /// @notice The notary certifies a declared default by its own call (no signature). It must succeed exactly
    /// when the loan is Defaulted (both templates require notarization), and leave it Certified.
    function certify(uint256 loanSeed) external observed(Action.Certify) {
        uint256 loanId = _pick(loanSeed, _bit(Loans.Status.Defaulted));
        if (loanId == 0) return;
        bool expected = _ghosts[loanId].lastStatus == Loans.Status.Defaulted;
        ILoanBookTypes.CertificateParams memory params = ILoanBookTypes.CertificateParams({
            loanId: loanId,
            debtInstrumentHash: keccak256(abi.encode("notarized debt instrument", loanId)),
            defaultProofHash: keccak256(abi.encode("proof of default", loanId, block.timestamp)),
            identityProofHash: keccak256(abi.encode("identity proof", loanId))
        });
        ILoanBookTypes.SignedApproval memory notary = _ownCall(NOTARY);
        CHEATS.prank(NOTARY);
        try ENFORCEMENT.certify(params, notary) {
            ++successes[Action.Certify];
            _expectSuccess(expected, Action.Certify, loanId, "only a Defaulted loan is certified");
            _expectStatus(Action.Certify, loanId, Loans.Status.Certified);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.Certify, loanId, "a Defaulted loan can be certified", reason);
        }
    }

    /// @notice The borrower submits, by its own call, a commitment for the whole payoff now. Four times in five
    /// the plan is built within the template's policy (equal parts, the first taking the remainder, spread over
    /// the allowed span), otherwise it may exceed it. It must succeed exactly when the loan is Defaulted or
    /// Certified and the plan is within the policy (none: the second template), and must leave the payoff as it was.
    function submitCommitment(uint256 loanSeed, uint256 planSeed) external observed(Action.SubmitCommitment) {
        uint256 loanId = _pick(loanSeed, DEFAULTED_OR_CERTIFIED);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        Loans.Template memory template_ = VIEWS.templateOf(ghost.templateId);
        uint256 payoff = VIEWS.payoffAmount(loanId);
        uint256 maxInstallments = template_.commitmentMaxInstallments;
        uint256 maxSpan = uint256(template_.commitmentMaxSpanDays) * 1 days;
        bool stretch = planSeed % 5 == 0 || maxInstallments == 0;
        ILoanBookTypes.CommitmentParams memory params = _plan(
            loanId,
            Math.max(payoff, 1),
            planSeed >> 3,
            stretch ? ACCEPTED_MAX_INSTALLMENTS : maxInstallments,
            stretch ? ACCEPTED_MAX_SPAN : Math.max(maxSpan, 1 days)
        );
        uint256 length = params.amounts.length;
        // The policy takes a default's first commitment only: a restructured loan's (after a breach, or collateral
        // taken) needs the claim holder.
        bool withinPolicy =
            VIEWS.loanOf(loanId).flags & Loans.FLAG_FIXED_DEBT == 0 &&
                length <= maxInstallments &&
                params.dueTimes[length - 1] <= block.timestamp + maxSpan &&
                params.amounts[0] * 10_000 >= payoff * template_.commitmentMinFirstPaymentBps;
        bool expected = _isDefaultedOrCertified(ghost.lastStatus) && withinPolicy;
        ILoanBookTypes.SignedApproval memory borrower = _ownCall(ghost.borrower);
        CHEATS.prank(ghost.borrower);
        try ENFORCEMENT.submitCommitment(params, borrower) {
            ++successes[Action.SubmitCommitment];
            ghost.restructuredNow = true;
            _expectSuccess(expected, Action.SubmitCommitment, loanId, "a submitted commitment is within the policy");
            _expectStatus(Action.SubmitCommitment, loanId, Loans.Status.Committed);
            uint256 after_ = VIEWS.payoffAmount(loanId);
            if (after_ != payoff) {
                _fail(
                    Check.Debt,
                    Action.SubmitCommitment,
                    loanId,
                    "a submitted commitment keeps the debt",
                    payoff,
                    after_,
                    ""
                );
            }
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.SubmitCommitment, loanId, "a commitment within the policy is taken", reason);
        }
    }

    /// @notice The claim holder accepts, by its own call, the borrower's signed commitment, waiving part of the
    /// accrued penalty (the sum of `installmentBreakdown`'s penalties): none, all of it, a random part, or one unit
    /// more than accrued. The plan's total is the payoff now less the waiver. It must succeed exactly when the loan
    /// is Defaulted or Certified and the waiver is within the penalty; then the payoff must fall by exactly the
    /// waiver, announced by one `PenaltyWaived` event of that amount (none when nothing is waived).
    function acceptCommitment(
        uint256 loanSeed,
        uint256 planSeed,
        uint256 waiverSeed
    ) external observed(Action.AcceptCommitment) {
        uint256 loanId = _pick(loanSeed, DEFAULTED_OR_CERTIFIED);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        uint256 payoff = VIEWS.payoffAmount(loanId);
        uint256 penalty = _penaltyNow(loanId);
        uint256 waiver = _waiver(waiverSeed, penalty);
        ILoanBookTypes.CommitmentParams memory params = _plan(
            loanId,
            payoff > waiver ? payoff - waiver : 1,
            planSeed,
            ACCEPTED_MAX_INSTALLMENTS,
            ACCEPTED_MAX_SPAN
        );
        ILoanBookTypes.SignedApproval memory borrower = _signCommitment(loanId, params);
        address holder = BOOK.ownerOf(loanId);
        ILoanBookTypes.SignedApproval memory claimHolder = _ownCall(holder);
        bool expected = _isDefaultedOrCertified(ghost.lastStatus) && waiver <= penalty;
        CHEATS.recordLogs();
        if (holder != address(this)) CHEATS.prank(holder);
        try ENFORCEMENT.acceptCommitment(params, borrower, claimHolder, waiver) {
            ++successes[Action.AcceptCommitment];
            ghost.restructuredNow = true;
            _checkAcceptance(loanId, holder, payoff, penalty, waiver, CHEATS.getRecordedLogs());
            _expectSuccess(expected, Action.AcceptCommitment, loanId, "an acceptance needs its status and waiver");
            _expectStatus(Action.AcceptCommitment, loanId, Loans.Status.Committed);
        } catch (bytes memory reason) {
            CHEATS.getRecordedLogs();
            _expectRevert(expected, Action.AcceptCommitment, loanId, "a valid acceptance is taken", reason);
            if (waiver > penalty && _isDefaultedOrCertified(ghost.lastStatus)) {
                _checkWaiverRefusal(loanId, waiver, penalty, reason);
            }
        }
    }

    /// @dev The waiver to try: none one time in eight, all the penalty one in eight, one unit more than it one in
    /// eight, a random part of it otherwise.
    function _waiver(uint256 seed, uint256 penalty) private pure returns (uint256) {
        uint256 mode = seed % 8;
        if (mode == 0) return 0;
        if (mode == 1) return penalty;
        if (mode == 2) return penalty + 1;
        return bound(seed >> 3, 0, penalty);
    }

    /// @notice Anyone records a commitment's breach. It must succeed exactly when the loan is Committed and the
    /// first installment not paid in full is past its due time plus the grace; then the loan must be back where
    /// the commitment started (checked with the status graph).
    function breachCommitment(uint256 loanSeed) external observed(Action.BreachCommitment) {
        uint256 loanId = _pick(loanSeed, _bit(Loans.Status.Committed));
        if (loanId == 0) return;
        uint256 breachableAt = _ghosts[loanId].lastStatus == Loans.Status.Committed ? _breachableAt(loanId) : 0;
        bool expected = breachableAt != 0 && block.timestamp >= breachableAt;
        try ENFORCEMENT.breachCommitment(loanId) {
            ++successes[Action.BreachCommitment];
            _expectSuccess(expected, Action.BreachCommitment, loanId, "only a missed commitment is breached");
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.BreachCommitment, loanId, "a missed commitment can be breached", reason);
        }
    }

    /*//////////////////////////////////////////////////////////////
                      ACTIONS: OBJECTION AND RECOVERY
    //////////////////////////////////////////////////////////////*/

    /// @notice The borrower objects to the default. It must succeed exactly when the loan is Defaulted or Certified,
    /// not restructured, and no objection was filed against this default; then the loan is Disputed.
    function fileObjection(uint256 loanSeed) external observed(Action.FileObjection) {
        uint256 loanId = _pick(loanSeed, DEFAULTED_OR_CERTIFIED);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        bool expected =
            _isDefaultedOrCertified(ghost.lastStatus) && !ghost.lastFixed && !VIEWS.caseOf(loanId).objectionFiled;
        bytes32 evidence = keccak256(abi.encode("objection evidence", loanId, block.timestamp));
        CHEATS.prank(ghost.borrower);
        try ENFORCEMENT.fileObjection(loanId, evidence) {
            ++successes[Action.FileObjection];
            _expectSuccess(expected, Action.FileObjection, loanId, "an objection needs a fresh default");
            _expectStatus(Action.FileObjection, loanId, Loans.Status.Disputed);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.FileObjection, loanId, "a borrower can object once per default", reason);
        }
    }

    /// @notice The notary or the mediator decides an objection, upheld or rejected. It picks a loan whose
    /// objection is still open (whatever its status: a Disputed loan may have been paid in full meanwhile), and
    /// must succeed exactly when one is.
    function resolveObjection(
        uint256 loanSeed,
        uint256 resolverSeed,
        bool upheld
    ) external observed(Action.ResolveObjection) {
        uint256 loanId = _pickWhere(loanSeed, _hasOpenObjection);
        if (loanId == 0) return;
        // A loan paid in full while disputed has a moot objection: no decision is taken.
        bool expected = _hasOpenObjection(loanId) && VIEWS.loanOf(loanId).flags & Loans.FLAGS_PAID_OFF == 0;
        address resolver = resolverSeed % 2 == 0 ? NOTARY : MEDIATOR;
        bytes32 decision = keccak256(abi.encode("decision", loanId, upheld, block.timestamp));
        CHEATS.prank(resolver);
        try ENFORCEMENT.resolveObjection(loanId, upheld, decision) {
            ++successes[Action.ResolveObjection];
            if (upheld) _ghosts[loanId].upheldNow = true;
            _expectSuccess(expected, Action.ResolveObjection, loanId, "only an open objection is decided");
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.ResolveObjection, loanId, "an open objection can be decided", reason);
        }
    }

    /// @notice The claim holder moves a certified loan down the recovery funnel, one call per stage: half the time
    /// four stages (to Enforcement from the start), otherwise one to four. Each call must succeed exactly when the
    /// loan is Certified and not yet in the Enforcement stage (the last call of a long advance must then fail).
    function advanceStage(uint256 loanSeed, uint256 stagesSeed) external observed(Action.AdvanceStage) {
        uint256 loanId = _pick(loanSeed, _bit(Loans.Status.Certified));
        if (loanId == 0) return;
        uint256 stages = stagesSeed % 2 == 0 ? 4 : 1 + ((stagesSeed >> 1) % 4);
        for (uint256 i; i < stages; ++i) {
            Loans.Stage stage = VIEWS.caseOf(loanId).stage;
            bool expected = _ghosts[loanId].lastStatus == Loans.Status.Certified && stage != Loans.Stage.Enforcement;
            address holder = BOOK.ownerOf(loanId);
            bytes32 notice = keccak256(abi.encode("notice", loanId, stage));
            if (holder != address(this)) CHEATS.prank(holder);
            try ENFORCEMENT.advanceStage(loanId, notice) {
                ++successes[Action.AdvanceStage];
                _expectSuccess(expected, Action.AdvanceStage, loanId, "only a certified loan advances");
                Loans.Stage next = VIEWS.caseOf(loanId).stage;
                if (uint8(next) != uint8(stage) + 1) {
                    _fail(
                        Check.Behaviour,
                        Action.AdvanceStage,
                        loanId,
                        "one stage at a time",
                        uint8(stage) + 1,
                        uint8(next),
                        ""
                    );
                }
            } catch (bytes memory reason) {
                _expectRevert(expected, Action.AdvanceStage, loanId, "a certified loan advances", reason);
                return;
            }
        }
    }

    /// @notice In the Enforcement stage, the claim holder takes the escrowed collateral at a value in the loan's
    /// token: the whole payoff, twice it, or a random part (possibly 0). It must succeed exactly when the loan is
    /// Certified, in Enforcement, with collateral in escrow; the collateral must then go from the book to the
    /// holder, the payoff fall by exactly min(value, payoff), and the loan be Settled when that is all of it.
    function enforceCollateral(uint256 loanSeed, uint256 valueSeed) external observed(Action.EnforceCollateral) {
        uint256 loanId = _pickWhere(loanSeed, _inEnforcement);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        uint256 payoff = VIEWS.payoffAmount(loanId);
        uint256 mode = valueSeed % 4;
        uint256 value =
            mode == 0
                ? payoff
                : mode == 1
                    ? payoff * 2
                    : bound(valueSeed >> 2, 0, payoff);
        bool expected = _inEnforcement(loanId) && ghost.collateralHeld;
        address holder = BOOK.ownerOf(loanId);
        uint256 bookBefore = COLLATERAL_TOKEN.balanceOf(address(BOOK));
        uint256 holderBefore = COLLATERAL_TOKEN.balanceOf(holder);
        bytes32 valuation = keccak256(abi.encode("valuation", loanId, value));
        if (holder != address(this)) CHEATS.prank(holder);
        try ENFORCEMENT.enforceCollateral(loanId, value, valuation) {
            ++successes[Action.EnforceCollateral];
            _expectSuccess(expected, Action.EnforceCollateral, loanId, "only escrowed collateral is taken");
            uint256 credited = value < payoff ? value : payoff;
            ghost.creditedNow += credited;
            ghost.restructuredNow = true;
            uint256 after_ = VIEWS.payoffAmount(loanId);
            if (after_ != payoff - credited) {
                _fail(
                    Check.Debt,
                    Action.EnforceCollateral,
                    loanId,
                    "collateral credits its value",
                    payoff - credited,
                    after_,
                    ""
                );
            }
            if (credited == payoff) _expectStatus(Action.EnforceCollateral, loanId, Loans.Status.Settled);
            _recordCollateralTaken(loanId, holder, bookBefore, holderBefore);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.EnforceCollateral, loanId, "escrowed collateral can be taken", reason);
        }
    }

    /// @dev After an enforcement: the escrowed amount went from the book to the holder; the model moves it too.
    function _recordCollateralTaken(uint256 loanId, address holder, uint256 bookBefore, uint256 holderBefore) private {
        LoanGhost storage ghost = _ghosts[loanId];
        uint256 amount = ghost.collateralAmount;
        uint256 bookAfter = COLLATERAL_TOKEN.balanceOf(address(BOOK));
        uint256 holderAfter = COLLATERAL_TOKEN.balanceOf(holder);
        if (bookBefore != bookAfter + amount || holderAfter != holderBefore + amount) {
            _fail(Check.Collateral, Action.EnforceCollateral, loanId, "the holder takes the escrow", amount, 0, "");
        }
        if (!ghost.collateralHeld) return;
        ghost.collateralHeld = false;
        ghost.collateralTaken = true;
        modelCollateralBalance[address(BOOK)] -= amount;
        modelCollateralBalance[holder] += amount;
    }

    /// @notice In the Enforcement stage, the claim holder writes off the rest. It must succeed exactly when the loan
    /// is Certified, in Enforcement, and holds no collateral (none pledged, or taken), and leave it WrittenOff.
    function writeOff(uint256 loanSeed) external observed(Action.WriteOff) {
        uint256 loanId = _pickWhere(loanSeed, _inEnforcement);
        if (loanId == 0) return;
        bool expected = _inEnforcement(loanId) && !_ghosts[loanId].collateralHeld;
        address holder = BOOK.ownerOf(loanId);
        bytes32 reasonHash = keccak256(abi.encode("write-off", loanId));
        if (holder != address(this)) CHEATS.prank(holder);
        try ENFORCEMENT.writeOff(loanId, reasonHash) {
            ++successes[Action.WriteOff];
            _expectSuccess(expected, Action.WriteOff, loanId, "only a loan without escrow is written off");
            _expectStatus(Action.WriteOff, loanId, Loans.Status.WrittenOff);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.WriteOff, loanId, "a loan in enforcement can be written off", reason);
        }
    }

    /*//////////////////////////////////////////////////////////////
                    ACTIONS: BANK PAYMENTS AND AUTO-DEBIT
    //////////////////////////////////////////////////////////////*/

    /// @notice The lender's bank-feed signer attests a payment at the bank, submitted by anyone. One time in five it
    /// replays a reference already credited (to any loan), which must be refused with `LoanBook_BankReferenceUsed`
    /// naming the loan it went to. Otherwise a fresh reference of up to the payoff, paid now (two times in three)
    /// or at a random earlier time since the loan started: paid now on an open loan it must be credited (paid
    /// earlier, its payoff then may be lower, so `LoanBook_Overpayment` is also accepted); a bank payment moves no
    /// token on chain.
    function recordBankPayment(
        uint256 loanSeed,
        uint256 amountSeed,
        uint256 timeSeed,
        uint256 referenceSeed
    ) external observed(Action.RecordBankPayment) {
        if (referenceSeed % 5 == 0 && bankReferences.length != 0) {
            _replayBankReference(loanSeed, referenceSeed >> 3);
            return;
        }
        uint256 loanId = _pick(loanSeed, OPEN);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        ILoanBookTypes.BankPayment memory payment;
        payment.loanId = loanId;
        payment.amount = boundLog(amountSeed, 1, Math.max(VIEWS.payoffAmount(loanId), 1));
        payment.bankReferenceHash = keccak256(abi.encode("bank", "reference", ++_bankReferenceCount));
        payment.paidAt =
            timeSeed % 3 == 0 ? bound(timeSeed >> 2, VIEWS.loanOf(loanId).startTime, block.timestamp) : block.timestamp;
        _signBankPayment(payment);
        bool expected = _isOpen(ghost.lastStatus);
        address holder = BOOK.ownerOf(loanId);
        uint256[3] memory before = [
            TOKEN.balanceOf(ghost.borrower),
            TOKEN.balanceOf(holder),
            TOKEN.balanceOf(address(BOOK))
        ];
        try ENFORCEMENT.recordBankPayment(payment) {
            ++successes[Action.RecordBankPayment];
            _expectSuccess(expected, Action.RecordBankPayment, loanId, "a closed loan takes no bank payment");
            _recordBankCredit(payment, holder, before);
        } catch (bytes memory reason) {
            bool overpaidEarlier =
                payment.paidAt < block.timestamp && bytes4(reason) == ILoanBookTypes.LoanBook_Overpayment.selector;
            if (!overpaidEarlier) {
                _expectRevert(expected, Action.RecordBankPayment, loanId, "a bank payment is credited", reason);
            }
        }
    }

    /// @dev After a bank payment was credited: the model records its reference and credits the loan for this step;
    /// no token moved (the money was paid at the bank).
    function _recordBankCredit(
        ILoanBookTypes.BankPayment memory payment,
        address holder,
        uint256[3] memory before
    ) private {
        LoanGhost storage ghost = _ghosts[payment.loanId];
        ghost.creditedNow += payment.amount;
        bankReferences.push(payment.bankReferenceHash);
        modelBankReferenceLoan[payment.bankReferenceHash] = payment.loanId;
        if (
            TOKEN.balanceOf(ghost.borrower) != before[0] ||
            TOKEN.balanceOf(holder) != before[1] ||
            TOKEN.balanceOf(address(BOOK)) != before[2]
        ) {
            _fail(
                Check.Conservation,
                Action.RecordBankPayment,
                payment.loanId,
                "a bank payment moves no token",
                0,
                1,
                ""
            );
        }
    }

    /// @notice The borrower turns auto-debit on or off. It must succeed exactly when the loan is not closed.
    function setAutoDebit(uint256 loanSeed, bool enabled) external observed(Action.SetAutoDebit) {
        uint256 loanId = _pick(loanSeed, OPEN);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        bool expected = _isOpen(ghost.lastStatus);
        CHEATS.prank(ghost.borrower);
        try ENFORCEMENT.setAutoDebit(loanId, enabled) {
            ++successes[Action.SetAutoDebit];
            _expectSuccess(expected, Action.SetAutoDebit, loanId, "a closed loan has no auto-debit");
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.SetAutoDebit, loanId, "the borrower sets auto-debit", reason);
        }
    }

    /// @notice Anyone pulls what is due from a borrower who opted in (its wallet topped up to cover it first). It
    /// must succeed exactly when auto-debit is on and something is due, and then take exactly `amountDue` from the
    /// borrower to the claim holder.
    function autoDebit(uint256 loanSeed) external observed(Action.AutoDebit) {
        uint256 loanId = _pickWhere(loanSeed, _autoDebitOn);
        if (loanId == 0) return;
        LoanGhost storage ghost = _ghosts[loanId];
        uint256 due = VIEWS.amountDue(loanId);
        bool expected = _autoDebitOn(loanId) && due != 0;
        uint256 wallet = TOKEN.balanceOf(ghost.borrower);
        if (wallet < due) TOKEN.mint(ghost.borrower, due - wallet);
        address holder = BOOK.ownerOf(loanId);
        uint256 borrowerBefore = TOKEN.balanceOf(ghost.borrower);
        uint256 holderBefore = TOKEN.balanceOf(holder);
        try ENFORCEMENT.autoDebit(loanId) {
            ++successes[Action.AutoDebit];
            _expectSuccess(expected, Action.AutoDebit, loanId, "auto-debit needs the opt-in and something due");
            _recordOnChainPayment(Action.AutoDebit, loanId, due, holder, borrowerBefore, holderBefore);
        } catch (bytes memory reason) {
            _expectRevert(expected, Action.AutoDebit, loanId, "what is due can be auto-debited", reason);
        }
    }

    /// @notice The claim holder sells a loan's claim (ERC-721) to another holder; payments, acceptances and
    /// enforcement must follow it.
    function transferClaim(uint256 loanSeed, uint256 toSeed) external observed(Action.TransferClaim) {
        uint256 count = VIEWS.loanCount();
        if (count == 0) return;
        uint256 loanId = 1 + (loanSeed % count);
        address from = BOOK.ownerOf(loanId);
        uint256 index = toSeed % _holders.length;
        address to = _holders[index];
        if (to == from) to = _holders[(index + 1) % _holders.length];
        if (from != address(this)) CHEATS.prank(from);
        try BOOK.transferFrom(from, to, loanId) {
            ++successes[Action.TransferClaim];
        } catch (bytes memory reason) {
            _fail(Check.Behaviour, Action.TransferClaim, loanId, "a claim holder can sell", 0, 0, reason);
        }
    }

    /// @notice End of a run: every borrower pays off every loan that is neither paid off nor written off. Not a
    /// fuzzer target (the test's `afterInvariant` calls it).
    function payOffEverything() external {
        uint256 count = VIEWS.loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            if (!_isOpen(VIEWS.statusOf(loanId))) continue;
            uint256 payoff = VIEWS.payoffAmount(loanId);
            if (!_pay(Action.CloseAll, loanId, payoff, true)) continue;
            if (!_paidOff(VIEWS.statusOf(loanId))) {
                _fail(Check.Behaviour, Action.CloseAll, loanId, "paying payoffAmount closes the loan", payoff, 0, "");
            }
        }
        _observeAll(Action.CloseAll);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function ghostOf(uint256 loanId) external view returns (LoanGhost memory) {
        return _ghosts[loanId];
    }

    function firstFailure(Check check) external view returns (Failure memory) {
        return _firstFailure[check];
    }

    function firstCloseOutFailure() external view returns (Failure memory) {
        return _firstCloseOutFailure;
    }

    function bankReferenceCount() external view returns (uint256) {
        return bankReferences.length;
    }

    /// @notice Everyone whose collateral token balance the model tracks: the borrowers and the claim holders.
    function collateralAccounts() external view returns (address[] memory accounts) {
        accounts = new address[](BORROWER_COUNT + _holders.length);
        for (uint256 i; i < BORROWER_COUNT; ++i) {
            accounts[i] = _borrowers[i];
        }
        for (uint256 i; i < _holders.length; ++i) {
            accounts[BORROWER_COUNT + i] = _holders[i];
        }
    }

    /*//////////////////////////////////////////////////////////////
                          OBSERVATION AFTER ACTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev Runs the action, then looks at every loan: a status changes through an action on the loan, on another
    /// one, or through time alone, so all are compared with what was seen after the previous action.
    modifier observed(Action action) {
        ++calls[action];
        _;
        _observeAll(action);
    }

    function _observeAll(Action action) private {
        uint256 count = VIEWS.loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            LoanGhost storage ghost = _ghosts[loanId];
            Loans.Status from = ghost.lastStatus;
            Loans.Status to = VIEWS.statusOf(loanId);
            bool fixed_ = VIEWS.loanOf(loanId).flags & Loans.FLAG_FIXED_DEBT != 0;
            uint256 payoff = VIEWS.payoffAmount(loanId);

            if (from != to) {
                ++transitions[from][to];
                _checkTransition(action, loanId, from, to);
                if (to == Loans.Status.Committed || to == Loans.Status.Disputed) ghost.episodeFrom = from;
            }
            _checkDebt(action, loanId, fixed_, payoff, to);
            if (to == Loans.Status.WrittenOff && ghost.collateralHeld) {
                _fail(
                    Check.Collateral,
                    action,
                    loanId,
                    "a written-off loan holds no collateral",
                    0,
                    ghost.collateralAmount,
                    ""
                );
            }
            if (_paidOff(to) && ghost.collateralHeld) {
                // Paid in full with the collateral still in escrow: it goes back to the borrower.
                ghost.collateralHeld = false;
                modelCollateralBalance[address(BOOK)] -= ghost.collateralAmount;
                modelCollateralBalance[ghost.borrower] += ghost.collateralAmount;
            }
            ghost.lastStatus = to;
            ghost.lastFixed = fixed_;
            ghost.lastPayoff = payoff;
            ghost.creditedNow = 0;
            ghost.upheldNow = false;
            ghost.restructuredNow = false;
        }
    }

    /// @dev Invariants 1 and 3 on one observed change `from` -> `to` of loan `loanId`.
    function _checkTransition(Action action, uint256 loanId, Loans.Status from, Loans.Status to) private {
        LoanGhost storage ghost = _ghosts[loanId];
        bool allowed = _isAllowedTransition(from, to);
        // A breach, a rejected or a lapsed objection returns the loan to where its commitment or objection began.
        if (
            allowed &&
            (from == Loans.Status.Committed || from == Loans.Status.Disputed) &&
            (to == Loans.Status.Defaulted || to == Loans.Status.Certified) &&
            to != ghost.episodeFrom
        ) allowed = false;
        if (!allowed) {
            _fail(
                Check.StatusGraph,
                action,
                loanId,
                "status moves along the documented graph",
                uint256(from),
                uint256(to),
                ""
            );
        }
        if (
            from != Loans.Status.None && _standing(to) > _standing(from) && ghost.creditedNow == 0 && !ghost.upheldNow
        ) {
            _fail(
                Check.Standing,
                action,
                loanId,
                "better standing needs a payment or an upheld objection",
                uint256(from),
                uint256(to),
                ""
            );
        }
    }

    /// @dev Invariant 2: a loan becomes a fixed debt only by a commitment or enforcement (whose action checked the
    /// debt at that moment), and a fixed debt only falls, by exactly what was credited, until it is written off.
    function _checkDebt(Action action, uint256 loanId, bool fixed_, uint256 payoff, Loans.Status to) private {
        LoanGhost storage ghost = _ghosts[loanId];
        if (fixed_ && !ghost.lastFixed && !ghost.restructuredNow) {
            _fail(Check.Debt, action, loanId, "only a commitment or enforcement restructures", 0, payoff, "");
        }
        if (!ghost.lastFixed || !_isOpen(ghost.lastStatus) || to == Loans.Status.WrittenOff) return;
        uint256 credited = ghost.creditedNow;
        uint256 expected = credited > ghost.lastPayoff ? 0 : ghost.lastPayoff - credited;
        if (credited > ghost.lastPayoff || payoff != expected) {
            _fail(Check.Debt, action, loanId, "a fixed debt falls by what was credited", expected, payoff, "");
        }
    }

    /// @dev The graph of `Loans.Status` (DataTypes.sol): a new loan is Active; Active <-> Late; Active or Late ->
    /// Defaulted or Repaid; Defaulted -> Certified; Defaulted or Certified -> Committed or Disputed; Committed ->
    /// Certified or Defaulted (breach); Disputed -> Defaulted or Certified (rejected, lapsed) or Active or Late
    /// (upheld); Certified -> WrittenOff; Defaulted, Certified, Committed or Disputed -> Settled (paid in full);
    /// Repaid, Settled and WrittenOff are final.
    function _isAllowedTransition(Loans.Status from, Loans.Status to) private pure returns (bool) {
        if (from == to) return true;
        if (from == Loans.Status.None) return to == Loans.Status.Active;
        if (from == Loans.Status.Active) {
            return to == Loans.Status.Late || to == Loans.Status.Defaulted || to == Loans.Status.Repaid;
        }
        if (from == Loans.Status.Late) {
            return to == Loans.Status.Active || to == Loans.Status.Defaulted || to == Loans.Status.Repaid;
        }
        if (from == Loans.Status.Defaulted) {
            return
                to == Loans.Status.Certified ||
                to == Loans.Status.Committed ||
                to == Loans.Status.Disputed ||
                to == Loans.Status.Settled;
        }
        if (from == Loans.Status.Certified) {
            return
                to == Loans.Status.Committed ||
                to == Loans.Status.Disputed ||
                to == Loans.Status.WrittenOff ||
                to == Loans.Status.Settled;
        }
        if (from == Loans.Status.Committed) {
            return to == Loans.Status.Certified || to == Loans.Status.Defaulted || to == Loans.Status.Settled;
        }
        if (from == Loans.Status.Disputed) {
            return
                to == Loans.Status.Defaulted ||
                to == Loans.Status.Certified ||
                to == Loans.Status.Active ||
                to == Loans.Status.Late ||
                to == Loans.Status.Settled;
        }
        return false;
    }

    /// @dev A loan's standing, for invariant 3: paid off (4) > Active (3) > Late (2) > in default (1: Defaulted,
    /// Certified, Committed or Disputed, which differ by procedure, not by what is owed) > written off or unknown (0).
    function _standing(Loans.Status status) private pure returns (uint256) {
        if (_paidOff(status)) return 4;
        if (status == Loans.Status.Active) return 3;
        if (status == Loans.Status.Late) return 2;
        if (status == Loans.Status.None || status == Loans.Status.WrittenOff) return 0;
        return 1;
    }

    /*//////////////////////////////////////////////////////////////
                                 CHECKS
    //////////////////////////////////////////////////////////////*/

    /// @dev At an acceptance: the payoff fell by exactly the waiver, the waiver was within the penalty accrued, and
    /// exactly that much was announced by `PenaltyWaived` (by the claim holder, for this loan).
    function _checkAcceptance(
        uint256 loanId,
        address holder,
        uint256 payoff,
        uint256 penalty,
        uint256 waiver,
        IInvariantVm.Log[] memory logs
    ) private {
        uint256 after_ = VIEWS.payoffAmount(loanId);
        uint256 expected = waiver > payoff ? 0 : payoff - waiver;
        if (waiver > payoff || after_ != expected) {
            _fail(
                Check.Debt,
                Action.AcceptCommitment,
                loanId,
                "acceptance lowers the debt by the waiver",
                expected,
                after_,
                ""
            );
        }
        if (waiver > penalty) {
            _fail(Check.Debt, Action.AcceptCommitment, loanId, "the waiver is within the penalty", penalty, waiver, "");
        }
        uint256 announced;
        uint256 events;
        for (uint256 i; i < logs.length; ++i) {
            IInvariantVm.Log memory log = logs[i];
            if (
                log.emitter != address(BOOK) ||
                log.topics.length != 3 ||
                log.topics[0] != ILoanBookTypes.PenaltyWaived.selector ||
                uint256(log.topics[1]) != loanId
            ) continue;
            ++events;
            announced += abi.decode(log.data, (uint256));
            if (address(uint160(uint256(log.topics[2]))) != holder) {
                _fail(Check.Debt, Action.AcceptCommitment, loanId, "the claim holder waives", 0, 0, "");
            }
        }
        if (announced != waiver || events != (waiver == 0 ? 0 : 1)) {
            _fail(Check.Debt, Action.AcceptCommitment, loanId, "a waiver is evented", waiver, announced, "");
        }
    }

    /// @dev A waiver above the penalty accrued is refused with `LoanBook_WaiverExceedsPenalty` quoting both.
    function _checkWaiverRefusal(uint256 loanId, uint256 waiver, uint256 penalty, bytes memory reason) private {
        bytes memory refusal = abi.encodeWithSelector(
            ILoanBookTypes.LoanBook_WaiverExceedsPenalty.selector,
            loanId,
            waiver,
            penalty
        );
        if (keccak256(reason) != keccak256(refusal)) {
            _fail(
                Check.Debt,
                Action.AcceptCommitment,
                loanId,
                "a waiver above the penalty is refused",
                penalty,
                waiver,
                reason
            );
        }
    }

    function _expectSuccess(bool expected, Action action, uint256 loanId, string memory property) private {
        if (!expected) _fail(Check.Behaviour, action, loanId, property, 0, 1, "");
    }

    function _expectRevert(
        bool expected,
        Action action,
        uint256 loanId,
        string memory property,
        bytes memory reason
    ) private {
        if (expected) _fail(Check.Behaviour, action, loanId, property, 1, 0, reason);
    }

    function _expectStatus(Action action, uint256 loanId, Loans.Status expected) private {
        Loans.Status status = VIEWS.statusOf(loanId);
        if (status != expected) {
            _fail(
                Check.Behaviour,
                action,
                loanId,
                "the action leaves its documented status",
                uint256(expected),
                uint256(status),
                ""
            );
        }
    }

    function _fail(
        Check check,
        Action action,
        uint256 loanId,
        string memory property,
        uint256 expected,
        uint256 actual,
        bytes memory reason
    ) private {
        if (++failures[check] == 1) {
            _firstFailure[check] = Failure(action, loanId, property, expected, actual, reason);
        }
        if (action == Action.CloseAll && ++closeOutFailures == 1) {
            _firstCloseOutFailure = Failure(action, loanId, property, expected, actual, reason);
        }
    }

    /*//////////////////////////////////////////////////////////////
                               PAYMENTS
    //////////////////////////////////////////////////////////////*/

    /// @dev The borrower pays `amount` of loan `loanId` (minted first if its wallet is short). Returns whether it
    /// was accepted; a refusal is a failure when `expected` (an open loan, an amount within the payoff).
    function _pay(Action action, uint256 loanId, uint256 amount, bool expected) private returns (bool accepted) {
        LoanGhost storage ghost = _ghosts[loanId];
        address borrower = ghost.borrower;
        uint256 wallet = TOKEN.balanceOf(borrower);
        if (wallet < amount) TOKEN.mint(borrower, amount - wallet);
        address holder = BOOK.ownerOf(loanId);
        uint256 borrowerBefore = TOKEN.balanceOf(borrower);
        uint256 holderBefore = TOKEN.balanceOf(holder);
        CHEATS.prank(borrower);
        try BOOK.repay(loanId, amount) {
            accepted = true;
            ++successes[action];
            _expectSuccess(expected, action, loanId, "a closed loan takes no payment");
            _recordOnChainPayment(action, loanId, amount, holder, borrowerBefore, holderBefore);
        } catch (bytes memory reason) {
            _expectRevert(expected, action, loanId, "a repayment within the payoff is accepted", reason);
        }
    }

    /// @dev After an on-chain payment of `asked`: the borrower paid exactly that, the holder received what the
    /// borrower paid; the ghosts add it up and credit it to the loan for this step.
    function _recordOnChainPayment(
        Action action,
        uint256 loanId,
        uint256 asked,
        address holder,
        uint256 borrowerBefore,
        uint256 holderBefore
    ) private {
        LoanGhost storage ghost = _ghosts[loanId];
        uint256 borrowerAfter = TOKEN.balanceOf(ghost.borrower);
        uint256 holderAfter = TOKEN.balanceOf(holder);
        if (borrowerAfter > borrowerBefore || holderAfter < holderBefore) {
            _fail(Check.Conservation, action, loanId, "a payment moves tokens one way", asked, 0, "");
            return;
        }
        uint256 paid = borrowerBefore - borrowerAfter;
        uint256 received = holderAfter - holderBefore;
        if (paid != asked)
            _fail(Check.Conservation, action, loanId, "the borrower pays what is asked", asked, paid, "");
        ghost.paidByBorrower += paid;
        ghost.receivedByHolders += received;
        ghost.creditedNow += asked;
        totalRequested += asked;
        totalPaid += paid;
        totalReceived += received;
    }

    /// @dev Replays an already-credited bank reference on a random loan with a valid fresh attestation: it must be
    /// refused with `LoanBook_BankReferenceUsed` naming the loan it was credited to.
    function _replayBankReference(uint256 loanSeed, uint256 referenceSeed) private {
        bytes32 bankReference = bankReferences[referenceSeed % bankReferences.length];
        uint256 loanId = 1 + (loanSeed % VIEWS.loanCount());
        ILoanBookTypes.BankPayment memory payment;
        payment.loanId = loanId;
        payment.amount = 1;
        payment.bankReferenceHash = bankReference;
        payment.paidAt = block.timestamp;
        _signBankPayment(payment);
        uint256 creditedTo = modelBankReferenceLoan[bankReference];
        try ENFORCEMENT.recordBankPayment(payment) {
            ++_ghosts[loanId].creditedNow;
            _fail(
                Check.BankReference,
                Action.RecordBankPayment,
                loanId,
                "a bank reference is credited once",
                creditedTo,
                loanId,
                ""
            );
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                ILoanBookTypes.LoanBook_BankReferenceUsed.selector,
                bankReference,
                creditedTo
            );
            if (keccak256(reason) != keccak256(expected)) {
                _fail(
                    Check.BankReference,
                    Action.RecordBankPayment,
                    loanId,
                    "a replay names the loan credited",
                    creditedTo,
                    0,
                    reason
                );
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                            LOAN SELECTION
    //////////////////////////////////////////////////////////////*/

    /// @dev Three times in four the first loan from a random start whose status (as last observed, which is the
    /// status now: no time passes inside an action) is in `mask`; otherwise, or if none is, the random start
    /// itself (0: no loan yet).
    function _pick(uint256 seed, uint256 mask) private view returns (uint256) {
        uint256 count = VIEWS.loanCount();
        if (count == 0) return 0;
        uint256 start = seed % count;
        if ((seed >> 128) % 4 != 0) {
            for (uint256 i; i < count; ++i) {
                uint256 loanId = 1 + ((start + i) % count);
                if ((1 << uint256(_ghosts[loanId].lastStatus)) & mask != 0) return loanId;
            }
        }
        return 1 + start;
    }

    /// @dev `_pick` with a predicate instead of a status mask.
    function _pickWhere(uint256 seed, function(uint256) view returns (bool) predicate) private view returns (uint256) {
        uint256 count = VIEWS.loanCount();
        if (count == 0) return 0;
        uint256 start = seed % count;
        if ((seed >> 128) % 4 != 0) {
            for (uint256 i; i < count; ++i) {
                uint256 loanId = 1 + ((start + i) % count);
                if (predicate(loanId)) return loanId;
            }
        }
        return 1 + start;
    }

    function _hasOpenObjection(uint256 loanId) private view returns (bool) {
        return VIEWS.caseOf(loanId).objectionDeadline >= block.timestamp;
    }

    function _inEnforcement(uint256 loanId) private view returns (bool) {
        return
            _ghosts[loanId].lastStatus == Loans.Status.Certified &&
            VIEWS.caseOf(loanId).stage == Loans.Stage.Enforcement;
    }

    function _autoDebitOn(uint256 loanId) private view returns (bool) {
        return _isOpen(_ghosts[loanId].lastStatus) && VIEWS.loanOf(loanId).flags & Loans.FLAG_AUTO_DEBIT != 0;
    }

    /*//////////////////////////////////////////////////////////////
                        ORIGINATION AND SIGNATURES
    //////////////////////////////////////////////////////////////*/

    /// @dev Originates a loan from the seeds; a refusal is a failure (nothing in the handler's choice should make
    /// one).
    function _originate(
        uint256 templateSeed,
        uint256 borrowerSeed,
        uint256 principalSeed,
        uint256 collateralSeed
    ) private {
        uint256 templateId = _templateIds[templateSeed % _templateIds.length];
        Loans.Template memory template_ = VIEWS.templateOf(templateId);
        uint256 borrowerIndex = borrowerSeed % BORROWER_COUNT;
        address borrower = _borrowers[borrowerIndex];
        Loans.Collateral memory collateral;
        if (template_.collateralKind == Loans.CollateralKind.ERC20) {
            collateral.token = address(COLLATERAL_TOKEN);
            collateral.amountOrId = boundLog(collateralSeed, 1, MAX_COLLATERAL_AMOUNT);
            COLLATERAL_TOKEN.mint(borrower, collateral.amountOrId);
        }
        uint128 principal = uint128(boundEdges(principalSeed, template_.minPrincipal, template_.maxPrincipal));
        ILoanBookTypes.OriginationParams memory params = _signedParams(
            templateId,
            principal,
            borrowerIndex,
            collateral
        );
        TOKEN.mint(address(this), principal);
        try BOOK.originate(params) returns (uint256 loanId) {
            ++successes[Action.Originate];
            LoanGhost storage ghost = _ghosts[loanId];
            ghost.borrower = borrower;
            ghost.borrowerKey = _borrowerKeys[borrowerIndex];
            ghost.templateId = templateId;
            ghost.collateralAmount = collateral.amountOrId;
            ghost.collateralHeld = collateral.amountOrId != 0;
            modelCollateralBalance[address(BOOK)] += collateral.amountOrId;
        } catch (bytes memory reason) {
            _fail(Check.Behaviour, Action.Originate, 0, "a signed origination succeeds", 0, 0, reason);
        }
    }

    /// @dev Origination parameters with the borrower's acceptance and the notary's notarization, signed over the
    /// book's EIP-712 domain with the signers' next nonces and a deadline of now (as LoanBookHandler does).
    function _signedParams(
        uint256 templateId,
        uint128 principal,
        uint256 borrowerIndex,
        Loans.Collateral memory collateral
    ) private view returns (ILoanBookTypes.OriginationParams memory params) {
        address borrower = _borrowers[borrowerIndex];
        params.templateId = templateId;
        params.principal = principal;
        params.documentHash = keccak256(abi.encode("loan contract", VIEWS.loanCount() + 1));
        params.collateral = collateral;
        params.borrower = ILoanBookTypes.SignedApproval(borrower, BOOK.nonces(borrower, 0), block.timestamp, "");
        params.borrower.signature = _sign(
            _borrowerKeys[borrowerIndex],
            _termsHash(BOOK.LOAN_ACCEPTANCE_TYPEHASH(), params, params.borrower)
        );
        params.notary = ILoanBookTypes.SignedApproval(NOTARY, BOOK.nonces(NOTARY, 0), block.timestamp, "");
        params.notary.signature = _sign(NOTARY_KEY, _termsHash(BOOK.NOTARIZATION_TYPEHASH(), params, params.notary));
    }

    /// @dev The struct hash of `LoanAcceptance` or `Notarization` for this handler as the lender.
    function _termsHash(
        bytes32 typehash,
        ILoanBookTypes.OriginationParams memory params,
        ILoanBookTypes.SignedApproval memory approval
    ) private view returns (bytes32) {
        return OriginationHashes.termsHash(BOOK, typehash, params, approval, address(this));
    }

    /// @dev The borrower's signed `RepaymentCommitment` of `params` (needed when the claim holder submits it), with a
    /// fresh unordered nonce and a deadline of now.
    function _signCommitment(
        uint256 loanId,
        ILoanBookTypes.CommitmentParams memory params
    ) private returns (ILoanBookTypes.SignedApproval memory approval) {
        LoanGhost storage ghost = _ghosts[loanId];
        approval = ILoanBookTypes.SignedApproval(ghost.borrower, ++_nonce, block.timestamp, "");
        bytes32 structHash = keccak256(
            abi.encode(
                REPAYMENT_COMMITMENT_TYPEHASH,
                loanId,
                keccak256(abi.encodePacked(params.dueTimes)),
                keccak256(abi.encodePacked(params.amounts)),
                approval.nonce,
                approval.deadline
            )
        );
        approval.signature = _sign(ghost.borrowerKey, structHash);
    }

    /// @dev Fills in the bank-feed signer's attestation of `payment`, valid for a day.
    function _signBankPayment(ILoanBookTypes.BankPayment memory payment) private view {
        payment.deadline = block.timestamp + 1 days;
        payment.signer = BANK_SIGNER;
        payment.signature = _sign(
            BANK_SIGNER_KEY,
            keccak256(
                abi.encode(
                    BANK_PAYMENT_TYPEHASH,
                    payment.loanId,
                    payment.amount,
                    payment.bankReferenceHash,
                    payment.paidAt,
                    payment.deadline
                )
            )
        );
    }

    function _sign(uint256 privateKey, bytes32 structHash) private view returns (bytes memory) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(BOOK.domainSeparator(), structHash);
        (uint8 v, bytes32 r, bytes32 s) = CHEATS.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev The approval of a party that acts by its own transaction (its signature is not read).
    function _ownCall(address signer) private pure returns (ILoanBookTypes.SignedApproval memory) {
        return ILoanBookTypes.SignedApproval(signer, 0, 0, "");
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev A commitment plan for `total`: 1 to `maxInstallments` installments (1 when `total` is smaller), equal
    /// parts with the remainder in the first, due every 1 to 30 days from now, the last within `maxSpan` (short
    /// intervals, so that a time jump often misses one and the breach is reached).
    function _plan(
        uint256 loanId,
        uint256 total,
        uint256 seed,
        uint256 maxInstallments,
        uint256 maxSpan
    ) private view returns (ILoanBookTypes.CommitmentParams memory params) {
        uint256 length = 1 + (seed % Math.max(maxInstallments, 1));
        if (total < length) length = 1;
        uint256 interval = bound(
            seed >> 8,
            1 days,
            Math.max(Math.min(maxSpan / length, MAX_COMMITMENT_INTERVAL), 1 days)
        );
        params.loanId = loanId;
        params.dueTimes = new uint256[](length);
        params.amounts = new uint256[](length);
        uint256 part = total / length;
        for (uint256 i; i < length; ++i) {
            params.dueTimes[i] = block.timestamp + (i + 1) * interval;
            params.amounts[i] = part;
        }
        params.amounts[0] = total - part * (length - 1);
    }

    /// @dev The penalty accrued now: the sum of `installmentBreakdown`'s penalties (what a claim holder may waive).
    function _penaltyNow(uint256 loanId) private view returns (uint256 penalty) {
        ILoanBookTypes.InstallmentView[] memory rows = VIEWS.installmentBreakdown(loanId);
        for (uint256 i; i < rows.length; ++i) {
            penalty += rows[i].penalty;
        }
    }

    /// @dev When a Committed loan's commitment is breached, from the spec: the second after the grace of the first
    /// installment whose cumulative amount is not yet paid (0: everything is paid).
    function _breachableAt(uint256 loanId) private view returns (uint256) {
        Loans.CommitmentEntry[] memory plan = VIEWS.commitmentOf(loanId);
        Loans.Case memory case_ = VIEWS.caseOf(loanId);
        uint256 paid = case_.commitmentTotal - VIEWS.loanOf(loanId).balance;
        for (uint256 i; i < plan.length; ++i) {
            if (plan[i].cumulative > paid) return plan[i].dueTime + uint256(case_.commitmentGraceSeconds) + 1;
        }
        return 0;
    }

    function _bit(Loans.Status status) private pure returns (uint256) {
        return 1 << uint256(status);
    }

    function _isDefaultedOrCertified(Loans.Status status) private pure returns (bool) {
        return status == Loans.Status.Defaulted || status == Loans.Status.Certified;
    }

    /// @dev Open: originated, neither paid off nor written off.
    function _isOpen(Loans.Status status) internal pure returns (bool) {
        return (1 << uint256(status)) & OPEN != 0;
    }

    /// @dev Paid in full: Repaid, or Settled for a loan that was in default.
    function _paidOff(Loans.Status status) internal pure returns (bool) {
        return status == Loans.Status.Repaid || status == Loans.Status.Settled;
    }
}
