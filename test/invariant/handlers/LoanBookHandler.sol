// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {LoanBook} from "../../../contracts/LoanBook.sol";
import {ILoanViews} from "../../../contracts/interfaces/ILoanViews.sol";
import {ILoanBookTypes} from "../../../contracts/interfaces/ILoanBookTypes.sol";
import {TestCollateralNft} from "../../../contracts/mocks/TestCollateralNft.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {Loans, Schedule} from "../../../contracts/types/DataTypes.sol";
import {FuzzHelpers} from "../../fuzz/utils/FuzzHelpers.sol";
import {IInvariantVm} from "../utils/IInvariantVm.sol";
import {OriginationHashes} from "../utils/OriginationHashes.sol";

/// @title LoanBookHandler
/// @notice The one contract the invariant fuzzer calls. It plays every role around a LoanBook: the lender (it holds
/// LENDER_ROLE, publishes the templates, funds and originates every loan and holds the claims it has not sold), the
/// borrowers and the notary (private keys whose EIP-712 signatures it makes with `vm.sign`, and whose calls it makes
/// with `vm.prank`), two claim buyers, and the clock (`vm.warp`). Each action turns random seeds into a valid call.
/// @dev Ghost variables record what happened (what each borrower paid, what each claim holder received, the facts
/// and status last seen of each loan, which open loan holds each collateral asset) so that the invariants in
/// LoanBook.t.sol can compare the contract against them. Properties that can only be seen at the moment of an action
/// (a status transition, a repayment that should have been accepted) are checked here, after every action, and a
/// violation is recorded in `failures` rather than reverted: the runner ignores handler reverts by default, and a
/// recorded failure is reported by the invariant that owns its `Check`, with the loan and values that broke it.
contract LoanBookHandler is FuzzHelpers {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice The handler's actions (and the end-of-run payoff of every loan), to say which one broke a check.
    enum Action {
        Originate,
        Repay,
        PayOff,
        Warp,
        DeclareDefault,
        TransferClaim,
        CloseAll
    }

    /// @notice The families of checks made inside the handler; each is asserted by one invariant.
    enum Check {
        /// An observed status change that the documented status graph does not allow.
        StatusGraph,
        /// paidInstallments decreased or the balance increased.
        Progress,
        /// An origination accepted or refused against the collateral registry's rule.
        Collateral,
        /// An action that did not do what the interface documents.
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
        uint256 principal;
        Loans.CollateralKind collateralKind;
        /// Registry key of an ERC-721 or off-chain pledge (zero otherwise).
        bytes32 collateralKey;
        /// ERC-20 amount or ERC-721 id pledged.
        uint256 collateralAmountOrId;
        /// Sum of the borrower's token balance drops over its repayments of this loan.
        uint256 paidByBorrower;
        /// Sum of the claim holders' token balance rises over the same repayments.
        uint256 receivedByHolders;
        /// The loan's facts and status after the previous action.
        uint256 lastPaidInstallments;
        uint256 lastBalance;
        Loans.Status lastStatus;
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The cheatcodes beyond FuzzHelpers' `expectRevert`, at the same address.
    IInvariantVm internal constant CHEATS = IInvariantVm(address(VM));

    /// @dev One token of the 6-decimal repayment token.
    uint128 private constant UNIT = 1e6;
    /// @dev One month of the regular schedules.
    uint32 private constant MONTH = 30 days;
    /// @dev Longest jump of the clock in one `warp` action.
    uint256 private constant MAX_WARP = 120 days;
    /// @dev Loans per run: enough to mix every template, few enough that the per-action checks stay cheap.
    uint256 private constant MAX_LOANS = 12;
    /// @dev Collateral pools: few NFTs and off-chain assets, so that the fuzzer often re-pledges one.
    uint256 private constant NFT_COUNT = 3;
    uint256 private constant OFF_CHAIN_ASSET_COUNT = 3;
    /// @dev Largest ERC-20 collateral amount (18 decimals): a million tokens.
    uint256 private constant MAX_COLLATERAL_AMOUNT = 1e24;
    /// @dev Private keys of the notary, the borrowers and the two claim buyers (any scalar below the curve order).
    uint256 private constant NOTARY_KEY = 0xA11CE;
    uint256 private constant FIRST_BORROWER_KEY = 0xB0B0;
    uint256 private constant BORROWER_COUNT = 3;
    uint256 private constant FIRST_BUYER_KEY = 0xC1A1;
    uint256 private constant BUYER_COUNT = 2;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    LoanBook public immutable BOOK;
    /// @notice The repayment token of every template.
    TestToken public immutable TOKEN;
    /// @notice The token of ERC-20 collateral (a different token, so repayment conservation is not blurred).
    TestToken public immutable COLLATERAL_TOKEN;
    TestCollateralNft public immutable NFT;
    address public immutable NOTARY;

    address[] private _borrowers;
    uint256[] private _borrowerKeys;
    /// @dev Claim holders: the handler (the lender) first, then the buyers.
    address[] private _holders;
    uint256[] private _templateIds;

    mapping(uint256 loanId => LoanGhost) private _ghosts;

    /// @notice The open loan that holds each registry key, in the handler's model: set on origination, cleared
    /// when the loan is first seen repaid.
    mapping(bytes32 collateralKey => uint256 loanId) public modelPledgedTo;
    /// @notice The registry keys of the NFT and off-chain asset pools.
    bytes32[] public poolKeys;
    /// @notice ERC-20 collateral of the loans not yet seen repaid.
    uint256 public openErc20Collateral;

    /// @notice Totals over every accepted repayment: the amounts asked, what borrowers paid, what holders received.
    uint256 public totalRequested;
    uint256 public totalPaid;
    uint256 public totalReceived;

    /// @notice Calls of each action, observed status changes (how far the fuzzer got), and violations of each check.
    mapping(Action action => uint256) public calls;
    mapping(Loans.Status from => mapping(Loans.Status to => uint256)) public transitions;
    mapping(Check check => uint256) public failures;
    mapping(Check check => Failure) private _firstFailure;

    /// @notice Thrown when `publishTemplates` is called twice.
    error Handler_AlreadyPublished();

    /*//////////////////////////////////////////////////////////////
                               SET-UP
    //////////////////////////////////////////////////////////////*/

    /// @param book_ A LoanBook whose admin grants this handler LENDER_ROLE and registers `NOTARY` before
    /// `publishTemplates`.
    constructor(LoanBook book_, TestToken token_, TestToken collateralToken_, TestCollateralNft nft_) {
        BOOK = book_;
        TOKEN = token_;
        COLLATERAL_TOKEN = collateralToken_;
        NFT = nft_;
        NOTARY = CHEATS.addr(NOTARY_KEY);
        // The lender funds every loan from here and repays nothing, so one unlimited approval does.
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
            // Borrowers repay and pledge through the book, as a wallet would after approving it once.
            CHEATS.prank(borrower);
            token_.approve(address(book_), type(uint256).max);
            CHEATS.prank(borrower);
            collateralToken_.approve(address(book_), type(uint256).max);
            CHEATS.prank(borrower);
            nft_.setApprovalForAll(address(book_), true);
        }
        for (uint256 id = 1; id <= NFT_COUNT; ++id) {
            nft_.mint(_borrowers[id % BORROWER_COUNT], id);
            poolKeys.push(ILoanViews(address(book_)).collateralKey(Loans.CollateralKind.ERC721, _nftCollateral(id)));
        }
        for (uint256 i; i < OFF_CHAIN_ASSET_COUNT; ++i) {
            poolKeys.push(
                ILoanViews(address(book_)).collateralKey(Loans.CollateralKind.OffChain, _offChainCollateral(i))
            );
        }
    }

    /// @notice Publishes the templates the fuzzer originates from: every schedule kind, both prepayment rules,
    /// every collateral kind, with and without a notary, each default trigger, interest-free products, and a
    /// dust-sized product whose installments round to a few base units or to nothing. Not a fuzzer target.
    function publishTemplates() external {
        if (_templateIds.length != 0) revert Handler_AlreadyPublished();
        _publishAmortizing();
        _publishBalloons();
        _publishCustomPlans();
    }

    /// @dev Annuities and equal-principal schedules: principal repaid along the way.
    function _publishAmortizing() private {
        ILoanBookTypes.TemplateParams memory p;

        // A consumer annuity: 12 months at 12%, notarized, default 60 days past due.
        p = _regular(Schedule.Kind.Annuity, 1200, 12, MONTH, 100 * UNIT, 10_000 * UNIT);
        p.requiresNotary = true;
        p.defaultDaysPastDue = 60;
        _publish(p);

        // A short expensive annuity recomputed on prepayment, ERC-20 collateral, default at 2 missed installments,
        // no grace and no flat fee.
        p = _regular(Schedule.Kind.Annuity, 3600, 6, MONTH, 1_000 * UNIT, 50_000 * UNIT);
        p.prepaymentRule = Loans.PrepaymentRule.LowerInstallments;
        p.collateralKind = Loans.CollateralKind.ERC20;
        p.defaultMissedInstallments = 2;
        p.graceSeconds = 0;
        p.flatFee = 0;
        _publish(p);

        // Equal principal against an NFT, recomputed on prepayment, either trigger.
        p = _regular(Schedule.Kind.EqualPrincipal, 800, 10, MONTH, 1_000 * UNIT, 100_000 * UNIT);
        p.prepaymentRule = Loans.PrepaymentRule.LowerInstallments;
        p.collateralKind = Loans.CollateralKind.ERC721;
        p.defaultDaysPastDue = 90;
        p.defaultMissedInstallments = 3;
        _publish(p);

        // Equal principal every two weeks against an off-chain asset, notarized, harsh penalty.
        p = _regular(Schedule.Kind.EqualPrincipal, 2000, 4, 14 days, 500 * UNIT, 5_000 * UNIT);
        p.requiresNotary = true;
        p.collateralKind = Loans.CollateralKind.OffChain;
        p.defaultDaysPastDue = 45;
        p.penaltyRateBps = 10_000;
        p.penaltyCapBps = 2500;
        _publish(p);
    }

    /// @dev Interest-only, bullet and dust schedules: most or all of the principal at the end, installments that can
    /// round to nothing.
    function _publishBalloons() private {
        ILoanBookTypes.TemplateParams memory p;

        // Interest only with a balloon, off-chain collateral, default at 2 missed installments.
        p = _regular(Schedule.Kind.InterestOnly, 1000, 6, MONTH, 1_000 * UNIT, 20_000 * UNIT);
        p.prepaymentRule = Loans.PrepaymentRule.LowerInstallments;
        p.collateralKind = Loans.CollateralKind.OffChain;
        p.defaultMissedInstallments = 2;
        _publish(p);

        // A bullet at 4 months against an NFT, default 30 days past maturity.
        p = _regular(Schedule.Kind.Bullet, 1500, 4, MONTH, 100 * UNIT, 10_000 * UNIT);
        p.collateralKind = Loans.CollateralKind.ERC721;
        p.defaultDaysPastDue = 30;
        _publish(p);

        // An interest-free balloon: 0% interest only, so every installment before the last owes nothing.
        p = _regular(Schedule.Kind.InterestOnly, 0, 6, MONTH, 1_000 * UNIT, 10_000 * UNIT);
        p.defaultMissedInstallments = 2;
        _publish(p);

        // Dust: a weekly annuity of 1 to 10,000 base units, where installments round to a few units or none.
        p = _regular(Schedule.Kind.Annuity, 500, 24, 7 days, 1, 10_000);
        p.prepaymentRule = Loans.PrepaymentRule.LowerInstallments;
        p.defaultDaysPastDue = 14;
        p.flatFee = 1;
        _publish(p);
    }

    /// @dev Custom plans: the lender's own due dates and principal parts.
    function _publishCustomPlans() private {
        ILoanBookTypes.TemplateParams memory p;

        // A custom plan with a principal-free installment, notarized, ERC-20 collateral, recomputed on prepayment.
        {
            uint40[] memory offsets = new uint40[](4);
            uint128[] memory principals = new uint128[](4);
            (offsets[0], offsets[1], offsets[2], offsets[3]) = (20 days, 50 days, 110 days, 180 days);
            (principals[0], principals[1], principals[2], principals[3]) = (
                10_000 * UNIT,
                0,
                15_000 * UNIT,
                25_000 * UNIT
            );
            p = _regular(Schedule.Kind.Custom, 1800, 4, 0, 50_000 * UNIT, 50_000 * UNIT);
            p.requiresNotary = true;
            p.prepaymentRule = Loans.PrepaymentRule.LowerInstallments;
            p.collateralKind = Loans.CollateralKind.ERC20;
            p.defaultDaysPastDue = 30;
            p.defaultMissedInstallments = 2;
            _publish(p, offsets, principals);
        }

        // An interest-free custom plan in three parts, shortened by prepayment.
        {
            uint40[] memory offsets = new uint40[](3);
            uint128[] memory principals = new uint128[](3);
            (offsets[0], offsets[1], offsets[2]) = (10 days, 40 days, 70 days);
            (principals[0], principals[1], principals[2]) = (300 * UNIT, 300 * UNIT, 400 * UNIT);
            p = _regular(Schedule.Kind.Custom, 0, 3, 0, 1_000 * UNIT, 1_000 * UNIT);
            p.defaultDaysPastDue = 20;
            _publish(p, offsets, principals);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                ACTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice The lender originates a loan from a random template, principal, borrower and collateral, signed by
    /// the borrower (and the notary where the template requires one). It must succeed unless the collateral is an
    /// asset the model says an open loan holds, and then fail with exactly `LoanBook_CollateralAlreadyPledged`.
    function originate(
        uint256 templateSeed,
        uint256 borrowerSeed,
        uint256 principalSeed,
        uint256 collateralSeed
    ) external observed(Action.Originate) {
        if (ILoanViews(address(BOOK)).loanCount() >= MAX_LOANS) return;
        uint256 templateId = _templateIds[templateSeed % _templateIds.length];
        Loans.Template memory template_ = ILoanViews(address(BOOK)).templateOf(templateId);
        uint256 borrowerIndex = borrowerSeed % BORROWER_COUNT;
        Loans.Collateral memory collateral;
        (collateral, borrowerIndex) = _collateralFor(template_.collateralKind, borrowerIndex, collateralSeed);
        address borrower = _borrowers[borrowerIndex];
        uint128 principal = uint128(boundEdges(principalSeed, template_.minPrincipal, template_.maxPrincipal));
        ILoanBookTypes.OriginationParams memory params = _signedParams(
            templateId,
            principal,
            borrowerIndex,
            collateral,
            template_.requiresNotary
        );
        TOKEN.mint(address(this), principal);
        bytes32 key = ILoanViews(address(BOOK)).collateralKey(template_.collateralKind, collateral);
        uint256 holder = key == bytes32(0) ? 0 : modelPledgedTo[key];

        try BOOK.originate(params) returns (uint256 loanId) {
            if (holder != 0) {
                _fail(Check.Collateral, Action.Originate, loanId, "an asset backs one open loan", holder, loanId, "");
            }
            LoanGhost storage ghost = _ghosts[loanId];
            ghost.borrower = borrower;
            ghost.principal = principal;
            ghost.collateralKind = template_.collateralKind;
            ghost.collateralKey = key;
            ghost.collateralAmountOrId = collateral.amountOrId;
            ghost.lastBalance = principal;
            if (key != bytes32(0)) modelPledgedTo[key] = loanId;
            if (template_.collateralKind == Loans.CollateralKind.ERC20) openErc20Collateral += collateral.amountOrId;
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                ILoanBookTypes.LoanBook_CollateralAlreadyPledged.selector,
                key,
                holder
            );
            if (holder == 0 || keccak256(reason) != keccak256(expected)) {
                _fail(Check.Collateral, Action.Originate, 0, "origination fails only on a pledged asset", 0, 0, reason);
            }
        }
    }

    /// @notice The borrower repays a random amount between 1 and the payoff: one time in three exactly what is
    /// due now (which must cure any lateness), otherwise a small amount (uniform bit length) or a uniform one.
    /// On a repaid loan (only when no loan is open) the repayment must fail with `LoanBook_LoanRepaid`.
    function repay(uint256 loanSeed, uint256 amountSeed) external observed(Action.Repay) {
        uint256 loanId = _pickOpenLoan(loanSeed);
        if (loanId == 0) return;
        if (_paidOff(_ghosts[loanId].lastStatus)) {
            _repayRepaidLoan(loanId);
            return;
        }
        uint256 payoff = ILoanViews(address(BOOK)).payoffAmount(loanId);
        uint256 due = ILoanViews(address(BOOK)).amountDue(loanId);
        uint256 mode = amountSeed % 3;
        uint256 amount;
        if (mode == 0 && due != 0) amount = due;
        else if (mode == 1) amount = boundLog(amountSeed >> 2, 1, payoff);
        else amount = bound(amountSeed >> 2, 1, payoff);
        if (!_pay(Action.Repay, loanId, amount)) return;
        if (amount == due && ILoanViews(address(BOOK)).statusOf(loanId) == Loans.Status.Late) {
            _fail(Check.Behaviour, Action.Repay, loanId, "paying amountDue cures lateness", 0, due, "");
        }
    }

    /// @notice The borrower first offers one unit more than `payoffAmount`, which must be refused with
    /// `LoanBook_Overpayment` quoting that payoff, then pays exactly `payoffAmount`, which must close the loan.
    function payOff(uint256 loanSeed) external observed(Action.PayOff) {
        uint256 loanId = _pickOpenLoan(loanSeed);
        if (loanId == 0 || _paidOff(_ghosts[loanId].lastStatus)) return;
        _overpay(loanId);
        _payOff(Action.PayOff, loanId);
    }

    /// @notice Time passes: 0 to 120 days.
    function warp(uint256 secondsSeed) external observed(Action.Warp) {
        CHEATS.warp(block.timestamp + bound(secondsSeed, 0, MAX_WARP));
    }

    /// @notice Anyone (here, the handler) declares a loan in default. The call must succeed exactly when the loan
    /// is late and its trigger holds (`defaultEligibleAt` has passed), and leave it Defaulted.
    function declareDefault(uint256 loanSeed) external observed(Action.DeclareDefault) {
        uint256 loanId = _pickOpenLoan(loanSeed);
        if (loanId == 0) return;
        Loans.Status before = ILoanViews(address(BOOK)).statusOf(loanId);
        uint256 eligibleAt = ILoanViews(address(BOOK)).defaultEligibleAt(loanId);
        bool eligible = before == Loans.Status.Late && eligibleAt != 0 && block.timestamp >= eligibleAt;
        try BOOK.declareDefault(loanId) {
            if (!eligible) {
                _fail(Check.Behaviour, Action.DeclareDefault, loanId, "default only once due", eligibleAt, 0, "");
            } else if (ILoanViews(address(BOOK)).statusOf(loanId) != Loans.Status.Defaulted) {
                uint256 status = uint256(ILoanViews(address(BOOK)).statusOf(loanId));
                _fail(Check.Behaviour, Action.DeclareDefault, loanId, "a declared default sticks", 3, status, "");
            }
        } catch (bytes memory reason) {
            if (eligible) {
                _fail(Check.Behaviour, Action.DeclareDefault, loanId, "an eligible default succeeds", 1, 0, reason);
            }
        }
    }

    /// @notice The claim holder sells a loan's claim (ERC-721) to another holder; later repayments must follow it.
    function transferClaim(uint256 loanSeed, uint256 toSeed) external observed(Action.TransferClaim) {
        uint256 count = ILoanViews(address(BOOK)).loanCount();
        if (count == 0) return;
        uint256 loanId = 1 + (loanSeed % count);
        address from = BOOK.ownerOf(loanId);
        address to = _holders[toSeed % _holders.length];
        if (to == from) to = _holders[(toSeed + 1) % _holders.length];
        if (from != address(this)) CHEATS.prank(from);
        try BOOK.transferFrom(from, to, loanId) {
            if (BOOK.ownerOf(loanId) != to) {
                _fail(Check.Behaviour, Action.TransferClaim, loanId, "the claim moves", 0, 0, "");
            }
        } catch (bytes memory reason) {
            _fail(Check.Behaviour, Action.TransferClaim, loanId, "a claim holder can sell", 0, 0, reason);
        }
    }

    /// @notice End of a run: every borrower pays off every open loan. Not a fuzzer target (the test's
    /// `afterInvariant` calls it). Returns how many loans it closed.
    function payOffEverything() external returns (uint256 closed) {
        uint256 count = ILoanViews(address(BOOK)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            if (_paidOff(ILoanViews(address(BOOK)).statusOf(loanId))) continue;
            _payOff(Action.CloseAll, loanId);
            ++closed;
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

    function poolKeyCount() external view returns (uint256) {
        return poolKeys.length;
    }

    function nftCount() external pure returns (uint256) {
        return NFT_COUNT;
    }

    /// @notice Whether `account` is one of the borrowers (where a released NFT must go back to).
    function isBorrower(address account) external view returns (bool) {
        for (uint256 i; i < BORROWER_COUNT; ++i) {
            if (_borrowers[i] == account) return true;
        }
        return false;
    }

    /*//////////////////////////////////////////////////////////////
                          OBSERVATION AFTER ACTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev Runs the action, then looks at every loan: a loan's status and facts can change through an action on
    /// another loan or through time alone, so all are compared with what was seen after the previous action.
    modifier observed(Action action) {
        ++calls[action];
        _;
        _observeAll(action);
    }

    function _observeAll(Action action) private {
        uint256 count = ILoanViews(address(BOOK)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            LoanGhost storage ghost = _ghosts[loanId];
            Loans.Status status = ILoanViews(address(BOOK)).statusOf(loanId);
            Loans.Loan memory loan = ILoanViews(address(BOOK)).loanOf(loanId);
            if (!_isAllowedTransition(ghost.lastStatus, status)) {
                _fail(
                    Check.StatusGraph,
                    action,
                    loanId,
                    "status moves along the documented graph",
                    uint256(ghost.lastStatus),
                    uint256(status),
                    ""
                );
            }
            if (loan.paidInstallments < ghost.lastPaidInstallments) {
                _fail(
                    Check.Progress,
                    action,
                    loanId,
                    "paidInstallments never decreases",
                    ghost.lastPaidInstallments,
                    loan.paidInstallments,
                    ""
                );
            }
            if (loan.balance > ghost.lastBalance) {
                _fail(Check.Progress, action, loanId, "balance never increases", ghost.lastBalance, loan.balance, "");
            }
            if (status != ghost.lastStatus) ++transitions[ghost.lastStatus][status];
            if (_paidOff(status) && !_paidOff(ghost.lastStatus)) _releaseInModel(loanId);
            ghost.lastStatus = status;
            ghost.lastPaidInstallments = loan.paidInstallments;
            ghost.lastBalance = loan.balance;
        }
    }

    /// @dev The status graph of `Loans.Status`: Active <-> Late; Active or Late -> Defaulted; any open status ->
    /// Repaid; Repaid is final; Defaulted never returns to Active or Late. A new loan starts Active.
    function _isAllowedTransition(Loans.Status from, Loans.Status to) private pure returns (bool) {
        if (from == to) return true;
        if (from == Loans.Status.None) return to == Loans.Status.Active;
        if (from == Loans.Status.Active || from == Loans.Status.Late) return to != Loans.Status.None;
        if (from == Loans.Status.Defaulted) return to == Loans.Status.Settled;
        return false;
    }

    /// @dev The model frees a repaid loan's collateral: its registry key and its ERC-20 escrow.
    function _releaseInModel(uint256 loanId) private {
        LoanGhost storage ghost = _ghosts[loanId];
        if (ghost.collateralKey != bytes32(0) && modelPledgedTo[ghost.collateralKey] == loanId) {
            delete modelPledgedTo[ghost.collateralKey];
        }
        if (ghost.collateralKind == Loans.CollateralKind.ERC20) openErc20Collateral -= ghost.collateralAmountOrId;
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
    }

    /*//////////////////////////////////////////////////////////////
                              REPAYMENTS
    //////////////////////////////////////////////////////////////*/

    /// @dev The borrower pays `amount` of loan `loanId` (minted first if its wallet is short); the ghosts record the
    /// borrower's and the claim holder's balance changes. Returns whether the repayment was accepted; a refusal is
    /// a failure, since every caller stays within the payoff.
    function _pay(Action action, uint256 loanId, uint256 amount) private returns (bool accepted) {
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
        } catch (bytes memory reason) {
            _fail(Check.Behaviour, action, loanId, "a repayment within the payoff is accepted", amount, 0, reason);
            return false;
        }
        uint256 borrowerAfter = TOKEN.balanceOf(borrower);
        uint256 holderAfter = TOKEN.balanceOf(holder);
        if (borrowerAfter > borrowerBefore || holderAfter < holderBefore) {
            _fail(Check.Behaviour, action, loanId, "a repayment moves tokens one way", amount, 0, "");
            return true;
        }
        uint256 paid = borrowerBefore - borrowerAfter;
        ghost.paidByBorrower += paid;
        ghost.receivedByHolders += holderAfter - holderBefore;
        totalRequested += amount;
        totalPaid += paid;
        totalReceived += holderAfter - holderBefore;
    }

    /// @dev Pays `payoffAmount` and checks that it closed the loan.
    function _payOff(Action action, uint256 loanId) private {
        uint256 payoff = ILoanViews(address(BOOK)).payoffAmount(loanId);
        if (!_pay(action, loanId, payoff)) return;
        Loans.Status status = ILoanViews(address(BOOK)).statusOf(loanId);
        if (!_paidOff(status)) {
            _fail(Check.Behaviour, action, loanId, "paying payoffAmount repays", 4, uint256(status), "");
        }
    }

    /// @dev One unit above the payoff is refused, and the error quotes the same payoff as `payoffAmount`.
    function _overpay(uint256 loanId) private {
        address borrower = _ghosts[loanId].borrower;
        uint256 amount = ILoanViews(address(BOOK)).payoffAmount(loanId) + 1;
        uint256 wallet = TOKEN.balanceOf(borrower);
        if (wallet < amount) TOKEN.mint(borrower, amount - wallet);
        CHEATS.prank(borrower);
        try BOOK.repay(loanId, amount) {
            _fail(
                Check.Behaviour,
                Action.PayOff,
                loanId,
                "the payoff is the most a loan takes",
                amount - 1,
                amount,
                ""
            );
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                ILoanBookTypes.LoanBook_Overpayment.selector,
                loanId,
                amount,
                amount - 1
            );
            if (keccak256(reason) != keccak256(expected)) {
                _fail(
                    Check.Behaviour,
                    Action.PayOff,
                    loanId,
                    "an overpayment quotes the payoff",
                    amount - 1,
                    0,
                    reason
                );
            }
        }
    }

    /// @dev A repaid loan refuses a further repayment with `LoanBook_LoanRepaid`.
    function _repayRepaidLoan(uint256 loanId) private {
        CHEATS.prank(_ghosts[loanId].borrower);
        try BOOK.repay(loanId, 1) {
            _fail(Check.Behaviour, Action.Repay, loanId, "a repaid loan takes no payment", 0, 1, "");
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(ILoanBookTypes.LoanBook_LoanRepaid.selector, loanId);
            if (keccak256(reason) != keccak256(expected)) {
                _fail(Check.Behaviour, Action.Repay, loanId, "a repaid loan says so", 0, 0, reason);
            }
        }
    }

    /// @dev The first loan not seen repaid from a random start, or that start if every loan is repaid (0: none).
    function _pickOpenLoan(uint256 seed) private view returns (uint256) {
        uint256 count = ILoanViews(address(BOOK)).loanCount();
        if (count == 0) return 0;
        uint256 start = seed % count;
        for (uint256 i; i < count; ++i) {
            uint256 loanId = 1 + ((start + i) % count);
            if (!_paidOff(_ghosts[loanId].lastStatus)) return loanId;
        }
        return 1 + start;
    }

    /*//////////////////////////////////////////////////////////////
                              ORIGINATION
    //////////////////////////////////////////////////////////////*/

    /// @dev The collateral of a new loan of `kind`, and the borrower who pledges it: an NFT's current owner, or
    /// the random borrower when the NFT sits in escrow (that origination must then fail).
    function _collateralFor(
        Loans.CollateralKind kind,
        uint256 borrowerIndex,
        uint256 seed
    ) private returns (Loans.Collateral memory collateral, uint256 pledgerIndex) {
        pledgerIndex = borrowerIndex;
        if (kind == Loans.CollateralKind.ERC20) {
            collateral.token = address(COLLATERAL_TOKEN);
            collateral.amountOrId = boundLog(seed, 1, MAX_COLLATERAL_AMOUNT);
            COLLATERAL_TOKEN.mint(_borrowers[pledgerIndex], collateral.amountOrId);
        } else if (kind == Loans.CollateralKind.ERC721) {
            uint256 id = 1 + (seed % NFT_COUNT);
            collateral = _nftCollateral(id);
            address owner = NFT.ownerOf(id);
            for (uint256 i; i < BORROWER_COUNT; ++i) {
                if (_borrowers[i] == owner) pledgerIndex = i;
            }
        } else if (kind == Loans.CollateralKind.OffChain) {
            collateral = _offChainCollateral(seed % OFF_CHAIN_ASSET_COUNT);
        }
    }

    function _nftCollateral(uint256 id) private view returns (Loans.Collateral memory) {
        return Loans.Collateral({token: address(NFT), amountOrId: id, assetHash: bytes32(0)});
    }

    function _offChainCollateral(uint256 index) private pure returns (Loans.Collateral memory) {
        return
            Loans.Collateral({
                token: address(0),
                amountOrId: 0,
                assetHash: keccak256(abi.encode("vehicle title", index))
            });
    }

    /// @dev Origination parameters with the borrower's acceptance and, if required, the notary's notarization,
    /// signed over the book's EIP-712 domain with the signers' next nonces and a deadline of now.
    function _signedParams(
        uint256 templateId,
        uint128 principal,
        uint256 borrowerIndex,
        Loans.Collateral memory collateral,
        bool requiresNotary
    ) private view returns (ILoanBookTypes.OriginationParams memory params) {
        address borrower = _borrowers[borrowerIndex];
        params.templateId = templateId;
        params.principal = principal;
        params.documentHash = keccak256(abi.encode("loan contract", ILoanViews(address(BOOK)).loanCount() + 1));
        params.collateral = collateral;
        params.borrower = ILoanBookTypes.SignedApproval(borrower, BOOK.nonces(borrower, 0), block.timestamp, "");
        params.borrower.signature = _sign(
            _borrowerKeys[borrowerIndex],
            _termsHash(BOOK.LOAN_ACCEPTANCE_TYPEHASH(), params, params.borrower)
        );
        if (!requiresNotary) return params;
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

    function _sign(uint256 privateKey, bytes32 structHash) private view returns (bytes memory) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(BOOK.domainSeparator(), structHash);
        (uint8 v, bytes32 r, bytes32 s) = CHEATS.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /*//////////////////////////////////////////////////////////////
                               TEMPLATES
    //////////////////////////////////////////////////////////////*/

    /// @dev Template parameters with the common penalty rules (3 days' grace, 18.25% a year, a flat fee of one
    /// token, capped at 10% of the unpaid amount), ShortenTerm prepayment, no collateral and no notary; the caller
    /// sets the trigger and any difference.
    function _regular(
        Schedule.Kind kind,
        uint16 rateBps,
        uint16 count,
        uint32 intervalSeconds,
        uint128 minPrincipal,
        uint128 maxPrincipal
    ) private view returns (ILoanBookTypes.TemplateParams memory p) {
        p.token = address(TOKEN);
        p.kind = kind;
        p.rateBps = rateBps;
        p.count = count;
        p.intervalSeconds = intervalSeconds;
        p.minPrincipal = minPrincipal;
        p.maxPrincipal = maxPrincipal;
        p.graceSeconds = 3 days;
        p.penaltyRateBps = 1825;
        p.penaltyCapBps = 1000;
        p.flatFee = UNIT;
        p.prepaymentRule = Loans.PrepaymentRule.ShortenTerm;
        p.objectionWindowSeconds = 30 days;
    }

    function _publish(ILoanBookTypes.TemplateParams memory p) private {
        _publish(p, new uint40[](0), new uint128[](0));
    }

    function _publish(
        ILoanBookTypes.TemplateParams memory p,
        uint40[] memory offsets,
        uint128[] memory principals
    ) private {
        _templateIds.push(BOOK.publishTemplate(p, offsets, principals));
    }

    /// @dev Paid in full: Repaid, or Settled for a loan that was in default.
    function _paidOff(Loans.Status status) internal pure returns (bool) {
        return status == Loans.Status.Repaid || status == Loans.Status.Settled;
    }
}
