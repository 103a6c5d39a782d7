// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Invariant names follow the forge convention `invariant_<Property>`, which func-name-mixedcase rejects.
/* solhint-disable func-name-mixedcase */

import {LoanBook} from "../../contracts/LoanBook.sol";
import {LoanEnforcement} from "../../contracts/LoanEnforcement.sol";
import {LoanViews} from "../../contracts/LoanViews.sol";
import {ILoanViews} from "../../contracts/interfaces/ILoanViews.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {Loans} from "../../contracts/types/DataTypes.sol";
import {EnforcementHandler} from "./handlers/EnforcementHandler.sol";
import {FuzzSelector, IInvariantVm} from "./utils/IInvariantVm.sol";

/// @title EnforcementInvariantTest
/// @notice Stateful properties of the enforcement path (ILoanEnforcement, served at LoanBook's address) under random
/// sequences of time jumps, repayments, defaults, certificates, repayment commitments (submitted by policy or
/// accepted by the claim holder with a penalty waiver), breaches, objections and their decisions, the recovery
/// funnel, collateral enforcement, write-offs, bank payments, auto-debit and claim sales, all made by
/// `EnforcementHandler`, the only fuzzer target, over a handful of loans of two notarized annuity templates (one
/// with ERC-20 collateral and a commitment policy, one with neither).
/// @dev As LoanBook.t.sol: one campaign per `invariant_*` function, `runs` sequences of `depth` handler calls from
/// a fresh `setUp` (100 x 50 unless INVARIANT_RUNS / INVARIANT_DEPTH say otherwise), then `afterInvariant`. The
/// properties that can only be seen at the moment of an action (a transition, what a step credited) are checked by
/// the handler after every action and reported here with the action, the loan and the values that broke them.
/// The handler makes every call that may legitimately fail with try/catch, so a revert of the handler itself is a bug
/// of the handler or of a view it reads, and fails the campaign (inline config below) instead of hiding a check.
/// forge-config: default.invariant.fail-on-revert = true
contract EnforcementInvariantTest {
    /// @dev The office identifier hash of the handler's notary.
    bytes32 private constant NOTARY_OFFICE = keccak256("Enforcement Invariant Notary Office");
    /// @dev A realistic start time (the loans' schedules and the signatures' deadlines are absolute times).
    uint256 private constant START_TIME = 1_750_000_000;
    IInvariantVm private constant CHEATS = IInvariantVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    LoanBook private book;
    TestToken private token;
    TestToken private collateralToken;
    EnforcementHandler private handler;

    /// @notice Thrown when `property` does not hold for loan `loanId` (0: the whole book).
    error Invariant_Violated(string property, uint256 loanId, uint256 actual, uint256 expected);

    /// @notice Thrown when a check made by the handler during an action failed `count` times; the first failure
    /// is reported with the action, the loan, the values and the revert data of the call that broke it.
    error Invariant_HandlerCheckFailed(
        string property,
        EnforcementHandler.Action action,
        uint256 loanId,
        uint256 expected,
        uint256 actual,
        bytes reason,
        uint256 count
    );

    function setUp() public {
        CHEATS.warp(START_TIME);
        token = new TestToken("Test USD", "TUSD", 6);
        collateralToken = new TestToken("Test collateral", "TCOL", 18);
        book = new LoanBook(address(this), address(new LoanEnforcement(address(new LoanViews()))));
        handler = new EnforcementHandler(book, token, collateralToken);
        book.grantRole(book.LENDER_ROLE(), address(handler));
        book.addNotary(handler.NOTARY(), NOTARY_OFFICE);
        book.grantRole(book.MEDIATOR_ROLE(), handler.MEDIATOR());
        handler.initialize();
    }

    /// @notice The runner calls only the handler (not the book, the tokens or this contract).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice ...and only its actions (not its views or its set-up and end-of-run functions).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](17);
        selectors[0] = EnforcementHandler.originate.selector;
        selectors[1] = EnforcementHandler.warp.selector;
        selectors[2] = EnforcementHandler.repay.selector;
        selectors[3] = EnforcementHandler.declareDefault.selector;
        selectors[4] = EnforcementHandler.certify.selector;
        selectors[5] = EnforcementHandler.submitCommitment.selector;
        selectors[6] = EnforcementHandler.acceptCommitment.selector;
        selectors[7] = EnforcementHandler.breachCommitment.selector;
        selectors[8] = EnforcementHandler.fileObjection.selector;
        selectors[9] = EnforcementHandler.resolveObjection.selector;
        selectors[10] = EnforcementHandler.advanceStage.selector;
        selectors[11] = EnforcementHandler.enforceCollateral.selector;
        selectors[12] = EnforcementHandler.writeOff.selector;
        selectors[13] = EnforcementHandler.recordBankPayment.selector;
        selectors[14] = EnforcementHandler.setAutoDebit.selector;
        selectors[15] = EnforcementHandler.autoDebit.selector;
        selectors[16] = EnforcementHandler.transferClaim.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /*//////////////////////////////////////////////////////////////
                               INVARIANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice 1. A loan's status moves only along the documented graph (DataTypes.sol `Loans.Status`): None ->
    /// Active; Active <-> Late; Active or Late -> Defaulted or Repaid; Defaulted -> Certified; Defaulted or
    /// Certified -> Committed or Disputed; Committed -> back to Certified or Defaulted (breach: where the commitment
    /// started); Disputed -> back to Defaulted or Certified (rejected or lapsed: where the objection started) or
    /// Active or Late (upheld); Certified -> WrittenOff; Defaulted, Certified, Committed or Disputed -> Settled
    /// (paid in full; repayment is never blocked, so also while Disputed); Repaid, Settled and WrittenOff are final.
    /// The handler records every loan's status after every action, time jumps included, and checks each observed
    /// change. For a borrower: a default can only be certified, suspended, contested, settled or written off as
    /// documented, and once paid off the loan's record never changes again. For a lender: no sequence of actions or
    /// of time puts a loan in a state the enforcement path does not know, and a closed loan stays closed.
    function invariant_StatusFollowsTheDocumentedGraph() public view {
        _checkHandler(EnforcementHandler.Check.StatusGraph);
    }

    /// @notice 2. A commitment never lowers what is owed except by an explicit, evented penalty waiver. At an
    /// acceptance, `payoffAmount` after equals `payoffAmount` before less the penalty waived, the waiver is at most
    /// the penalty accrued (the sum of `installmentBreakdown`'s penalties; one unit more is refused with
    /// `LoanBook_WaiverExceedsPenalty`) and exactly one `PenaltyWaived` event of that amount is emitted (none when
    /// nothing is waived); a commitment submitted by policy keeps the payoff. From then on (and from collateral
    /// enforcement, which credits exactly min(value, payoff)) the fixed debt only falls, by exactly what each step
    /// credited (repayments, bank payments, auto-debits, collateral), until it is paid off or written off; and only a
    /// commitment or enforcement ever turns a loan into a fixed debt. For a borrower: the debt in the commitment is
    /// what was owed, and every payment reduces it one for one. For a lender: nothing but its own recorded waiver,
    /// or money received, reduces the claim.
    function invariant_CommitmentNeverLowersDebtWithoutWaiver() public view {
        _checkHandler(EnforcementHandler.Check.Debt);
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            if (ILoanViews(address(book)).statusOf(loanId) != Loans.Status.Committed) continue;
            Loans.Case memory case_ = ILoanViews(address(book)).caseOf(loanId);
            Loans.CommitmentEntry[] memory plan = ILoanViews(address(book)).commitmentOf(loanId);
            uint256 payoff = ILoanViews(address(book)).payoffAmount(loanId);
            _check(payoff <= case_.commitmentTotal, "a commitment's debt <= its total", loanId, payoff, 0);
            uint256 last = plan.length == 0 ? 0 : plan[plan.length - 1].cumulative;
            _check(last == case_.commitmentTotal, "the plan adds up to the total", loanId, last, case_.commitmentTotal);
        }
    }

    /// @notice 3. No path moves a loan to better standing without a payment or a recorded decision. Standing: paid
    /// off > Active > Late > in default (Defaulted, Certified, Committed, Disputed: these differ in procedure, and
    /// entering a commitment is itself the claim holder's or the policy's recorded decision) > written off. Any
    /// observed change to a better standing (Late -> Active, Defaulted/Certified/Disputed -> Active/Late,
    /// Committed or any default -> Settled, Active/Late -> Repaid) happens only in a step where a payment was
    /// credited to that loan (repay, bank payment, auto-debit, collateral value) or its objection was upheld. For a
    /// borrower: standing is restored by paying or by winning an objection, as the documents say. For a lender: the
    /// clock, a keeper or a third party can never cure a default or lateness.
    function invariant_BetterStandingOnlyWithPaymentOrDecision() public view {
        _checkHandler(EnforcementHandler.Check.Standing);
    }

    /// @notice 4a. Each bank reference is credited at most once: a replay of a credited reference, to the same loan
    /// or another one, is refused with `LoanBook_BankReferenceUsed` naming the loan it was credited to, and
    /// `bankReferenceLoan` names, for every reference credited, the loan the handler credited it to. For a borrower:
    /// a payment at the bank counts once, and for the right loan. For a lender: a bank feed cannot be replayed to
    /// erase debt.
    function invariant_BankReferencesCreditedOnce() public view {
        _checkHandler(EnforcementHandler.Check.BankReference);
        uint256 references = handler.bankReferenceCount();
        for (uint256 i; i < references; ++i) {
            bytes32 reference_ = handler.bankReferences(i);
            uint256 expected = handler.modelBankReferenceLoan(reference_);
            uint256 actual = ILoanViews(address(book)).bankReferenceLoan(reference_);
            _check(actual == expected, "bankReferenceLoan names the loan credited", expected, actual, expected);
        }
    }

    /// @notice 4b. Claim holders receive exactly what borrowers pay on chain. For every loan, the borrower's balance
    /// drops over its repayments and auto-debits add up to the claim holders' balance rises (whoever held the claim
    /// each time), each payment takes exactly the amount asked (`amountDue` for an auto-debit), a bank payment moves
    /// no token at all, and the book never holds repayment tokens. For a borrower: every unit paid reaches the
    /// creditor of record, none is skimmed or stuck. For a lender or claim buyer: payments follow the claim token.
    function invariant_ClaimHoldersReceiveWhatBorrowersPay() public view {
        _checkHandler(EnforcementHandler.Check.Conservation);
        _checkConservation();
    }

    /// @notice 4c. Escrowed collateral is held by the book exactly while it has not been released or taken. The
    /// book's collateral balance equals the collateral of the loans not yet paid off and not enforced; a loan paid in
    /// full gets its collateral back to the borrower, an enforcement hands it to the claim holder of the moment (and
    /// clears the loan's collateral record), and every borrower's and holder's collateral balance matches that model;
    /// a write-off needs the escrow empty. For a borrower: collateral comes back on full payment and is taken only in
    /// the Enforcement stage. For a lender: collateral stays in escrow until one of the two happens.
    function invariant_CollateralHeldExactlyWhileEscrowed() public view {
        _checkHandler(EnforcementHandler.Check.Collateral);
        _checkCollateral();
    }

    /// @notice Every enforcement action succeeds exactly when ILoanEnforcement (and ILoanBook for repay and
    /// declareDefault) says it may, and leaves the status it documents: certify on a Defaulted loan (-> Certified),
    /// a commitment on a Defaulted or Certified loan (-> Committed) within the policy or accepted with a waiver
    /// within the penalty, a breach from the second after a missed installment's grace, an objection once per
    /// default of a loan not restructured (-> Disputed), a decision while the objection is open, the funnel one stage
    /// at a time on a Certified loan, collateral taken and the rest written off only in Enforcement (-> WrittenOff),
    /// a bank payment or repayment of up to the payoff on any open loan (the payoff closes it), auto-debit when opted
    /// in and something is due. For a borrower and a lender alike: the documented rules are the rules enforced.
    function invariant_EnforcementActionsBehaveAsDocumented() public view {
        _checkHandler(EnforcementHandler.Check.Behaviour);
    }

    /// @notice At the end of every run, every loan neither paid off nor written off (in default, committed or
    /// disputed included) can still be paid off at its `payoffAmount`; then every loan is Repaid, Settled or
    /// WrittenOff, the escrow is empty, all collateral is with the borrowers or the holders that took it, holders
    /// received what borrowers paid, and no check of the handler failed during that payoff (failures of the run
    /// itself are reported by the invariant owning their check). For a borrower: whatever happened on the
    /// enforcement path, there is always a way out of the debt and back to the collateral.
    function afterInvariant() public {
        handler.payOffEverything();
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            Loans.Status status = ILoanViews(address(book)).statusOf(loanId);
            bool closed =
                status == Loans.Status.Repaid || status == Loans.Status.Settled || status == Loans.Status.WrittenOff;
            _check(closed, "every loan can be paid off", loanId, uint256(status), uint256(Loans.Status.Settled));
        }
        uint256 escrow = collateralToken.balanceOf(address(book));
        _check(escrow == 0, "no collateral left in escrow", 0, escrow, 0);
        _checkCollateral();
        _checkConservation();
        uint256 failed = handler.closeOutFailures();
        if (failed != 0) _revertWith(handler.firstCloseOutFailure(), failed);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _checkConservation() private view {
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            EnforcementHandler.LoanGhost memory ghost = handler.ghostOf(loanId);
            _check(
                ghost.receivedByHolders == ghost.paidByBorrower,
                "claim holders receive what the borrower paid",
                loanId,
                ghost.receivedByHolders,
                ghost.paidByBorrower
            );
        }
        _check(handler.totalPaid() == handler.totalRequested(), "paid = asked", 0, handler.totalPaid(), 0);
        _check(handler.totalReceived() == handler.totalPaid(), "received = paid", 0, handler.totalReceived(), 0);
        uint256 held = token.balanceOf(address(book));
        _check(held == 0, "the book holds no repayment tokens", 0, held, 0);
    }

    /// @dev The escrow and everyone's collateral balance match the handler's model; a loan's collateral record is
    /// there while it is held and gone once taken.
    function _checkCollateral() private view {
        uint256 escrow = collateralToken.balanceOf(address(book));
        uint256 expected = handler.modelCollateralBalance(address(book));
        _check(escrow == expected, "escrow = collateral of loans not released or taken", 0, escrow, expected);
        uint256 sum;
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            EnforcementHandler.LoanGhost memory ghost = handler.ghostOf(loanId);
            Loans.Collateral memory record = ILoanViews(address(book)).collateralOf(loanId);
            if (ghost.collateralHeld) {
                sum += ghost.collateralAmount;
                _check(
                    record.token == address(collateralToken) && record.amountOrId == ghost.collateralAmount,
                    "held collateral is on record",
                    loanId,
                    record.amountOrId,
                    ghost.collateralAmount
                );
            }
            if (ghost.collateralTaken) {
                _check(record.token == address(0), "taken collateral leaves the record", loanId, record.amountOrId, 0);
            }
        }
        _check(sum == escrow, "escrow = sum of the loans' held collateral", 0, escrow, sum);
        address[] memory accounts = handler.collateralAccounts();
        for (uint256 i; i < accounts.length; ++i) {
            uint256 balance = collateralToken.balanceOf(accounts[i]);
            uint256 modelled = handler.modelCollateralBalance(accounts[i]);
            _check(balance == modelled, "collateral goes to the borrower or the taker", i, balance, modelled);
        }
    }

    /// @dev Fails with the handler's first recorded failure of `check`, if any.
    function _checkHandler(EnforcementHandler.Check check) private view {
        uint256 count = handler.failures(check);
        if (count != 0) _revertWith(handler.firstFailure(check), count);
    }

    function _revertWith(EnforcementHandler.Failure memory failure, uint256 count) private pure {
        revert Invariant_HandlerCheckFailed(
            failure.property,
            failure.action,
            failure.loanId,
            failure.expected,
            failure.actual,
            failure.reason,
            count
        );
    }

    function _check(bool ok, string memory property, uint256 loanId, uint256 actual, uint256 expected) private pure {
        if (!ok) revert Invariant_Violated(property, loanId, actual, expected);
    }
}
