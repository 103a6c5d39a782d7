// SPDX-License-Identifier: MIT
// One namespace library per domain, as Sablier's DataTypes.sol.
// solhint-disable one-contract-per-file
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Namespaced types of a loan's repayment schedule. They live in memory only (inputs and outputs of
/// `ScheduleMath`), so they use full words; the loan book packs what it stores in its own structs.
library Schedule {
    /// @notice How a loan's principal is repaid.
    enum Kind {
        None,
        /// Equal installments (French amortization): interest on the balance, the rest repays principal.
        Annuity,
        /// Equal principal each period plus interest on the balance.
        EqualPrincipal,
        /// Interest each period, the whole principal with the last installment (balloon).
        InterestOnly,
        /// One payment of principal and interest at maturity (`count` intervals after the start).
        Bullet,
        /// Lender-given due offsets and principal amounts, interest on the balance for the actual time elapsed.
        Custom
    }

    /// @notice A loan's schedule terms.
    /// @dev For the four regular kinds, `dueOffsets` and `principals` must be empty. For `Custom`, both must have
    /// `count` entries and `intervalSeconds` must be 0: the plan gives the due times.
    struct Terms {
        Kind kind;
        uint128 principal;
        uint32 rateBps;
        uint32 intervalSeconds;
        uint16 count;
        uint40[] dueOffsets;
        uint128[] principals;
    }

    /// @notice One row of the installment table. `dueOffset` counts seconds from the loan's start.
    struct Installment {
        uint40 dueOffset;
        uint256 principal;
        uint256 interest;
    }
}

/// @notice Namespaced types of the late-payment penalty.
library Penalty {
    /// @notice A template's penalty rules.
    /// @param graceSeconds  Lateness that costs nothing when the installment is paid within it.
    /// @param rateBps       Default interest per year on the unpaid amount, accrued per started day from the due date.
    /// @param flatFee       A fee in token base units, charged once per late installment after the grace period.
    /// @param capBps        The most the penalty of one installment can reach, in bps of its unpaid amount.
    struct Terms {
        uint32 graceSeconds;
        uint32 rateBps;
        uint128 flatFee;
        uint32 capBps;
    }
}

/// @notice Namespaced types of the loan book: templates, loans, collateral and status.
library Loans {
    /// @notice A loan's standing, computed by `statusOf` from stored facts and the time. The graph (README):
    /// Active <-> Late (an installment passes its due date; the borrower pays it) -> Defaulted (anyone, once the
    /// template's trigger holds) -> Certified (a notary co-signs the default: enforceable) -> Committed (a repayment
    /// commitment is accepted) -> Certified again (anyone, on its first missed installment). Defaulted or Certified ->
    /// Disputed (the borrower objects) -> back (rejected, or lapsed at its deadline) or Active/Late (upheld: the
    /// default is annulled). Certified in the Enforcement stage -> WrittenOff (the claim holder writes off the rest).
    /// Paid in full: Repaid, or Settled when the loan was in default.
    enum Status {
        None,
        Active,
        Late,
        Defaulted,
        Repaid,
        Certified,
        Committed,
        Disputed,
        Settled,
        WrittenOff
    }

    /// @notice The recovery funnel of an enforceable loan (Quanzhou practice), advanced one stage at a time by the
    /// claim holder with the hash of the notice sent.
    enum Stage {
        None,
        /// A mediation invitation and a litigation-risk notice.
        Mediation,
        /// A debt-collection letter.
        PreLitigation,
        /// A payment order applied for.
        Litigation,
        /// Enforcement: collateral may be taken and the rest written off.
        Enforcement
    }

    /// @notice How a defaulted loan was paid in full (the credit-repair record).
    enum Settlement {
        None,
        /// By repayments (the borrower's, a bank's attested ones or auto-debits).
        Repayment,
        /// By a repayment commitment kept to the end.
        Commitment,
        /// By the value of collateral taken in enforcement.
        Collateral
    }

    /// @notice What a template's loans pledge.
    enum CollateralKind {
        None,
        ERC20,
        ERC721,
        /// An off-chain asset (a property certificate, a vehicle), recorded by the hash of its identifier.
        OffChain
    }

    /// @notice What a payment beyond the current installment does.
    enum PrepaymentRule {
        None,
        /// The installment amount stays; the last installments disappear.
        ShortenTerm,
        /// The number of installments stays; the remaining ones are recomputed on the lower balance.
        LowerInstallments
    }

    /// @notice An immutable loan product. Only `retired` ever changes.
    // solhint-disable-next-line gas-struct-packing
    struct Template {
        // slot 0: what every repayment reads
        IERC20 token;
        Schedule.Kind kind;
        uint16 rateBps;
        uint16 count;
        uint32 intervalSeconds;
        bool requiresNotary;
        PrepaymentRule prepaymentRule;
        bool retired;
        // slot 1: what a late repayment and a default read
        address lender;
        uint32 graceSeconds;
        uint16 penaltyRateBps;
        uint16 penaltyCapBps;
        uint16 defaultDaysPastDue;
        uint16 defaultMissedInstallments;
        // slot 2: origination bounds
        uint128 minPrincipal;
        uint128 maxPrincipal;
        // slot 3: the enforcement path
        uint128 flatFee;
        CollateralKind collateralKind;
        /// Commitment policy: accepted without the lender when within these bounds (0 installments: never).
        uint16 commitmentMaxInstallments;
        uint16 commitmentMaxSpanDays;
        uint16 commitmentMinFirstPaymentBps;
        /// How late a commitment installment may be paid before the commitment is breached.
        uint32 commitmentGraceSeconds;
        /// How long an objection freezes enforcement at most, waiting for a notary's or a mediator's decision.
        uint32 objectionWindowSeconds;
    }

    /// @notice One installment of a custom plan, in template storage.
    struct PlanEntry {
        uint40 dueOffset;
        uint128 principal;
    }

    /// @notice The stored facts of one loan. Its status is computed from them. An on-time repayment writes slot 1
    /// only; amounts fit because a template's principal is below 2^96 and no installment owes more than 2^112.
    struct Loan {
        // slot 0
        address borrower;
        uint32 templateId;
        uint40 startTime;
        /// The FLAG_* bits below.
        uint8 flags;
        // slot 1
        /// Principal still owed before the current installment (the schedule's running balance); once the loan is
        /// restructured (FLAG_FIXED_DEBT), the whole debt left.
        uint128 balance;
        /// Paid toward the current installment's interest and principal.
        uint112 paidOnCurrent;
        /// Installments paid in full.
        uint16 paidInstallments;
        // slot 2
        /// The annuity payment of the current schedule (0 for other kinds).
        uint128 payment;
        /// The principal the current schedule was computed on: the loan's principal until a recomputation.
        uint112 basePrincipal;
        /// Installments before the schedule was last recomputed (LowerInstallments prepayment); 0 otherwise.
        uint16 baseNumber;
        // slot 3: written only when an installment is paid late
        /// Penalty of the current installment accrued up to `penaltyCheckpoint` and not yet paid.
        uint128 penaltyAccrued;
        uint40 penaltyCheckpoint;
        // slot 4: written with slot 3
        /// What the current installment's penalty may still grow by: the cap of its unpaid amount when it was first
        /// paid late, less all the penalty charged on it since its due date.
        uint128 penaltyHeadroom;
    }

    /// @notice Collateral escrowed or recorded for a loan.
    struct Collateral {
        address token;
        uint256 amountOrId;
        bytes32 assetHash;
    }

    /// @notice The enforcement record of a loan in default (all zero before). Three slots, packed by who writes them.
    // solhint-disable-next-line gas-struct-packing
    struct Case {
        // slot 0
        /// keccak256 of the certifying notary, the three documents' hashes, the loan and the time (0: uncertified).
        bytes32 certificateId;
        // slot 1
        uint40 certifiedAt;
        Stage stage;
        /// An objection is open until this time (0: none open); after it, it has lapsed.
        uint40 objectionDeadline;
        /// An objection was filed against this default (one per default).
        bool objectionFiled;
        /// When the last default was annulled by an upheld objection (a new default counts installments due after).
        uint40 annulledAt;
        uint40 settledAt;
        Settlement settledHow;
        /// Installments of the commitment in force (or last in force).
        uint16 commitmentLength;
        // slot 2
        /// The debt the commitment in force covers; `Loan.balance` is what is left of it.
        uint128 commitmentTotal;
        uint32 commitmentGraceSeconds;
    }

    /// @notice One installment of a repayment commitment: its due time and the total due by then (cumulative, so
    /// that "paid up to installment k" is one comparison with what has been paid).
    struct CommitmentEntry {
        uint40 dueTime;
        uint128 cumulative;
    }

    uint8 internal constant FLAG_DEFAULTED = 1;
    uint8 internal constant FLAG_REPAID = 2;
    /// @dev Slot 3 holds a penalty checkpoint of the current installment (so an on-time repayment never reads it).
    uint8 internal constant FLAG_PENALTY_CHECKPOINT = 4;
    /// @dev Restructured: `balance` is a fixed debt paid down by any amount (no schedule, interest or penalty).
    uint8 internal constant FLAG_FIXED_DEBT = 8;
    /// @dev A repayment commitment is in force (its plan in LoanStorage.commitments).
    uint8 internal constant FLAG_COMMITTED = 16;
    uint8 internal constant FLAG_WRITTEN_OFF = 32;
    /// @dev The borrower opted in to auto-debit.
    uint8 internal constant FLAG_AUTO_DEBIT = 64;
    /// @dev A default of this loan was annulled (Case.annulledAt): the default trigger reads the case.
    uint8 internal constant FLAG_ANNULLED = 128;
    /// @dev The flags that end a loan's normal course.
    uint8 internal constant FLAGS_CLOSED = FLAG_DEFAULTED | FLAG_REPAID | FLAG_WRITTEN_OFF;
    /// @dev The flags after which nothing is owed.
    uint8 internal constant FLAGS_PAID_OFF = FLAG_REPAID | FLAG_WRITTEN_OFF;
}
