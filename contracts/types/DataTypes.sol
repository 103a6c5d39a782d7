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
    /// @notice A loan's standing, computed by `LoanBook.statusOf` from stored facts and the time.
    /// Active -> Late (an installment passes its due date) -> Active (the borrower pays it) or Defaulted (anyone
    /// declares it once the template's trigger holds); any open status -> Repaid (the last unit is paid).
    enum Status {
        None,
        Active,
        Late,
        Defaulted,
        Repaid
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
        // slot 3
        uint128 flatFee;
        CollateralKind collateralKind;
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
        /// FLAG_DEFAULTED | FLAG_REPAID | FLAG_PENALTY_CHECKPOINT.
        uint8 flags;
        // slot 1
        /// Principal still owed before the current installment (the schedule's running balance).
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

    uint8 internal constant FLAG_DEFAULTED = 1;
    uint8 internal constant FLAG_REPAID = 2;
    /// @dev Slot 3 holds a penalty checkpoint of the current installment (so an on-time repayment never reads it).
    uint8 internal constant FLAG_PENALTY_CHECKPOINT = 4;
    /// @dev The flags that end a loan's normal course.
    uint8 internal constant FLAGS_CLOSED = FLAG_DEFAULTED | FLAG_REPAID;
}
