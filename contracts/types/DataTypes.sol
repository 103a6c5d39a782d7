// SPDX-License-Identifier: MIT
// One namespace library per domain, as Sablier's DataTypes.sol.
// solhint-disable one-contract-per-file
pragma solidity ^0.8.28;

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
