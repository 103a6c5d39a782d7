// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Invariant names follow the forge convention `invariant_<Property>`, which func-name-mixedcase rejects.
/* solhint-disable func-name-mixedcase */

import {LoanBook} from "../../contracts/LoanBook.sol";
import {LoanEnforcement} from "../../contracts/LoanEnforcement.sol";
import {LoanViews} from "../../contracts/LoanViews.sol";
import {ILoanViews} from "../../contracts/interfaces/ILoanViews.sol";
import {TestCollateralNft} from "../../contracts/mocks/TestCollateralNft.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {Loans, Schedule} from "../../contracts/types/DataTypes.sol";
import {LoanBookHandler} from "./handlers/LoanBookHandler.sol";
import {FuzzSelector} from "./utils/IInvariantVm.sol";

/// @title LoanBookInvariantTest
/// @notice Stateful properties of LoanBook under random sequences of originations (every template kind, both
/// prepayment rules, every collateral kind), partial and full repayments, time jumps of up to 120 days, default
/// declarations and claim sales, all made by `LoanBookHandler`, the only fuzzer target.
/// @dev The runner (Hardhat's EDR, Foundry's invariant engine) runs one campaign per `invariant_*` function: `runs`
/// sequences of `depth` handler calls from a fresh `setUp`, the invariant checked after every call, then
/// `afterInvariant` once per sequence. hardhat.config.ts sets runs and depth (100 x 50 unless INVARIANT_RUNS /
/// INVARIANT_DEPTH say otherwise). A failure reverts with an `Invariant_*` error naming the property, the loan and
/// the values, next to the shrunk call sequence.
contract LoanBookInvariantTest {
    /// @dev The office identifier hash of the handler's notary.
    bytes32 private constant NOTARY_OFFICE = keccak256("Invariant Test Notary Office");

    LoanBook private book;
    TestToken private token;
    TestToken private collateralToken;
    TestCollateralNft private nft;
    LoanBookHandler private handler;

    /// @notice Thrown when `property` does not hold for loan `loanId` (0: the whole book).
    error Invariant_Violated(string property, uint256 loanId, uint256 actual, uint256 expected);

    /// @notice Thrown when a check made by the handler during an action failed `count` times; the first failure
    /// is reported with the action, the loan, the values and the revert data of the call that broke it.
    error Invariant_HandlerCheckFailed(
        string property,
        LoanBookHandler.Action action,
        uint256 loanId,
        uint256 expected,
        uint256 actual,
        bytes reason,
        uint256 count
    );

    function setUp() public {
        token = new TestToken("Test USD", "TUSD", 6);
        collateralToken = new TestToken("Test collateral", "TCOL", 18);
        nft = new TestCollateralNft();
        book = new LoanBook(address(this), address(new LoanEnforcement(address(new LoanViews()))));
        handler = new LoanBookHandler(book, token, collateralToken, nft);
        book.grantRole(book.LENDER_ROLE(), address(handler));
        book.addNotary(handler.NOTARY(), NOTARY_OFFICE);
        handler.publishTemplates();
    }

    /// @notice The runner calls only the handler (not the book, the tokens or this contract).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice ...and only its actions (not its views or its set-up and end-of-run functions).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = LoanBookHandler.originate.selector;
        selectors[1] = LoanBookHandler.repay.selector;
        selectors[2] = LoanBookHandler.payOff.selector;
        selectors[3] = LoanBookHandler.warp.selector;
        selectors[4] = LoanBookHandler.declareDefault.selector;
        selectors[5] = LoanBookHandler.transferClaim.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
    }

    /*//////////////////////////////////////////////////////////////
                               INVARIANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice What is outstanding stays within what was lent. For every loan: the principal still owed (`balance`)
    /// never exceeds the principal lent; the quotes (`payoffAmount`, `amountDue`) can always be computed (no
    /// underflow: nothing outstanding is ever negative), what is due now is part of the payoff, and an open loan's
    /// payoff is positive and covers the principal still owed net of what was paid toward the current installment.
    /// For a borrower: the debt never grows beyond the loan, and the quote is always there to pay. For a lender: no
    /// quote lets the borrower walk away for less than the principal outstanding.
    function invariant_OutstandingWithinPrincipal() public view {
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            Loans.Loan memory loan = ILoanViews(address(book)).loanOf(loanId);
            uint256 principal = handler.ghostOf(loanId).principal;
            _check(loan.balance <= principal, "balance <= principal", loanId, loan.balance, principal);
            uint256 payoff = ILoanViews(address(book)).payoffAmount(loanId);
            uint256 due = ILoanViews(address(book)).amountDue(loanId);
            _check(due <= payoff, "amountDue <= payoffAmount", loanId, due, payoff);
            if (_paidOff(ILoanViews(address(book)).statusOf(loanId))) continue;
            _check(payoff != 0, "an open loan has a payoff", loanId, payoff, 1);
            _check(
                payoff + loan.paidOnCurrent >= loan.balance,
                "payoff + paidOnCurrent >= balance",
                loanId,
                payoff + loan.paidOnCurrent,
                loan.balance
            );
        }
    }

    /// @notice Repayment only moves forward: across every action, a loan's count of installments paid in full
    /// never decreases and its principal balance never increases (checked by the handler after every action against
    /// the values it saw after the previous one), and no more installments are paid than the schedule has.
    /// For a borrower: a payment, once made, is never undone, and time alone never adds principal. For a lender:
    /// the book's record of what was paid is append-only.
    function invariant_RepaymentOnlyMovesForward() public view {
        _checkHandler(LoanBookHandler.Check.Progress);
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            Loans.Loan memory loan = ILoanViews(address(book)).loanOf(loanId);
            Loans.Template memory template_ = ILoanViews(address(book)).templateOf(loan.templateId);
            uint256 installments = template_.kind == Schedule.Kind.Bullet ? 1 : template_.count;
            _check(
                loan.paidInstallments <= installments,
                "paidInstallments <= installment count",
                loanId,
                loan.paidInstallments,
                installments
            );
        }
    }

    /// @notice Claim holders receive exactly what borrowers pay. For every loan, the sum of the borrower's token
    /// balance drops over its repayments equals the sum of the claim holders' balance rises (whoever held the claim
    /// at each repayment); over the whole book, the amounts asked, paid and received are equal; and the LoanBook
    /// itself never holds repayment tokens. For a borrower: every unit paid reaches the creditor of record, none is
    /// skimmed or stuck. For a lender or claim buyer: repayments follow the claim token and arrive in full.
    function invariant_ClaimHoldersReceiveWhatBorrowersPay() public view {
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            LoanBookHandler.LoanGhost memory ghost = handler.ghostOf(loanId);
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

    /// @notice A loan's status moves only along the documented graph (DataTypes.sol `Loans.Status`): a new loan is
    /// Active; Active <-> Late; Active or Late -> Defaulted; any open status -> Repaid; Repaid is final; Defaulted
    /// never returns to Active or Late. The handler records every loan's status after every action (time jumps
    /// included) and checks each observed change. For a borrower: a default cannot be undone by the clock, and a
    /// repaid loan can never turn late or defaulted. For a lender: a defaulted loan stays defaulted until it is
    /// repaid in full, so enforcement is never reset by a later observation.
    function invariant_StatusFollowsTheDocumentedGraph() public view {
        _checkHandler(LoanBookHandler.Check.StatusGraph);
    }

    /// @notice A loan is repaid exactly when its principal balance is 0, and a repaid loan owes nothing: no
    /// payoff, nothing due, and it can never be declared in default. For a borrower: once the last unit is paid the
    /// debt is gone for good. For a lender: a loan with principal outstanding never reads as repaid.
    function invariant_RepaidLoanOwesNothing() public view {
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            Loans.Loan memory loan = ILoanViews(address(book)).loanOf(loanId);
            bool repaid = _paidOff(ILoanViews(address(book)).statusOf(loanId));
            _check(repaid == (loan.balance == 0), "repaid exactly when balance = 0", loanId, loan.balance, 0);
            if (!repaid) continue;
            _check(
                ILoanViews(address(book)).payoffAmount(loanId) == 0,
                "a repaid loan has no payoff",
                loanId,
                ILoanViews(address(book)).payoffAmount(loanId),
                0
            );
            _check(
                ILoanViews(address(book)).amountDue(loanId) == 0,
                "a repaid loan owes nothing",
                loanId,
                ILoanViews(address(book)).amountDue(loanId),
                0
            );
            uint256 eligibleAt = ILoanViews(address(book)).defaultEligibleAt(loanId);
            _check(eligibleAt == 0, "a repaid loan cannot default", loanId, eligibleAt, 0);
        }
    }

    /// @notice A loan is Late only while something is due: `amountDue` is positive for every Late loan. Since a
    /// default can only be declared on a late loan, this also means no loan can be defaulted while it owes nothing.
    /// For a borrower: an installment that rounds to nothing can never make them late or put them in default. For
    /// a lender and the keeper: Late is an actionable state, with an amount to collect.
    function invariant_LateOnlyWhenSomethingIsDue() public view {
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            if (ILoanViews(address(book)).statusOf(loanId) != Loans.Status.Late) continue;
            _check(ILoanViews(address(book)).amountDue(loanId) != 0, "a late loan has something due", loanId, 0, 1);
        }
    }

    /// @notice The collateral registry entry is freed exactly when a loan is repaid. For every NFT and off-chain
    /// asset of the pools, `pledgedTo` names the open loan that pledged it, or 0 once that loan is repaid (the
    /// handler's model frees it when it first sees the loan Repaid); an escrowed NFT is held by the book exactly
    /// while its loan is open and is back with a borrower otherwise; the book's ERC-20 collateral equals the sum
    /// pledged by the loans not repaid; and an origination fails exactly when its asset backs an open loan (checked
    /// by the handler). For a borrower: collateral comes back on full repayment, not before and never lost, and a
    /// freed asset can be pledged again. For a lender: while the loan is open nobody can pledge the same asset to
    /// another loan, or take it out of escrow.
    function invariant_CollateralFreedExactlyWhenRepaid() public view {
        _checkHandler(LoanBookHandler.Check.Collateral);
        _checkCollateral();
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            bytes32 key = handler.ghostOf(loanId).collateralKey;
            if (key == bytes32(0)) continue;
            bool repaid = _paidOff(ILoanViews(address(book)).statusOf(loanId));
            uint256 holder = ILoanViews(address(book)).pledgedTo(key);
            _check(repaid ? holder != loanId : holder == loanId, "pledged while open only", loanId, holder, loanId);
        }
    }

    /// @notice Every action does what ILoanBook documents: a repayment of any amount up to `payoffAmount` is
    /// accepted and takes exactly that amount from the borrower; paying exactly `amountDue` leaves the loan not
    /// Late; paying `payoffAmount` repays the loan; a repaid loan refuses payment with `LoanBook_LoanRepaid`;
    /// `declareDefault` succeeds exactly when the loan is Late and `defaultEligibleAt` has passed, and leaves it
    /// Defaulted; a claim holder can always sell its claim. For a borrower: the quote the book gives is the quote the
    /// book honours, and a default needs its trigger. For a lender: defaults can be enforced as soon as they hold.
    function invariant_ActionsBehaveAsDocumented() public view {
        _checkHandler(LoanBookHandler.Check.Behaviour);
    }

    /// @notice At the end of every run, every open loan can still be paid off in full at its `payoffAmount`
    /// (defaulted ones included), after which every loan is repaid, the collateral registry is empty, all
    /// collateral is back with the borrowers, and claim holders have received exactly what borrowers paid. For a
    /// borrower: whatever happened, there is always a way out of the loan and back to the collateral.
    function afterInvariant() public {
        handler.payOffEverything();
        uint256 count = ILoanViews(address(book)).loanCount();
        for (uint256 loanId = 1; loanId <= count; ++loanId) {
            uint256 status = uint256(ILoanViews(address(book)).statusOf(loanId));
            _check(_paidOff(Loans.Status(status)), "every loan can be paid off", loanId, status, 4);
        }
        _checkCollateral();
        uint256 keys = handler.poolKeyCount();
        for (uint256 i; i < keys; ++i) {
            uint256 holder = ILoanViews(address(book)).pledgedTo(handler.poolKeys(i));
            _check(holder == 0, "the registry empties when every loan is repaid", holder, holder, 0);
        }
        uint256 escrow = collateralToken.balanceOf(address(book));
        _check(escrow == 0, "no collateral left in escrow", 0, escrow, 0);
        _check(handler.totalReceived() == handler.totalPaid(), "received = paid", 0, handler.totalReceived(), 0);
        _check(token.balanceOf(address(book)) == 0, "the book holds no repayment tokens", 0, 0, 0);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The registry and the escrow match the handler's model of which open loan holds what.
    function _checkCollateral() private view {
        uint256 keys = handler.poolKeyCount();
        for (uint256 i; i < keys; ++i) {
            bytes32 key = handler.poolKeys(i);
            uint256 expected = handler.modelPledgedTo(key);
            uint256 holder = ILoanViews(address(book)).pledgedTo(key);
            _check(holder == expected, "pledgedTo names the open loan holding the asset", expected, holder, expected);
        }
        uint256 nfts = handler.nftCount();
        for (uint256 id = 1; id <= nfts; ++id) {
            address owner = nft.ownerOf(id);
            // Pool keys list the NFTs first, id 1 at index 0.
            bool pledged = handler.modelPledgedTo(handler.poolKeys(id - 1)) != 0;
            bool ok = pledged ? owner == address(book) : handler.isBorrower(owner);
            _check(ok, "an NFT is in escrow exactly while its loan is open", id, uint160(owner), pledged ? 1 : 0);
        }
        uint256 escrow = collateralToken.balanceOf(address(book));
        uint256 open = handler.openErc20Collateral();
        _check(escrow == open, "ERC-20 escrow = collateral of open loans", 0, escrow, open);
    }

    /// @dev Fails with the handler's first recorded failure of `check`, if any.
    function _checkHandler(LoanBookHandler.Check check) private view {
        uint256 count = handler.failures(check);
        if (count == 0) return;
        LoanBookHandler.Failure memory failure = handler.firstFailure(check);
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

    /// @dev Paid in full: Repaid, or Settled for a loan that was in default.
    function _paidOff(Loans.Status status) internal pure returns (bool) {
        return status == Loans.Status.Repaid || status == Loans.Status.Settled;
    }
}
