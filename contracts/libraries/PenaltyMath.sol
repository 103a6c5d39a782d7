// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Penalty} from "../types/DataTypes.sol";
import {Rounding} from "./Rounding.sol";

/// @title PenaltyMath
/// @notice The late-payment penalty of one installment, from the template's rules alone (docs/rounding.md).
/// Paid within the grace period, a late installment costs nothing extra. After it, default interest accrues from
/// the due date, per started day, at `rateBps` a year on the unpaid amount, plus a flat fee once; the sum is capped
/// at `capBps` of the unpaid amount. keeper/src/core/penaltyMath.ts mirrors it.
library PenaltyMath {
    /// @notice Basis points in one.
    uint256 internal constant BPS = 10_000;
    /// @notice Days in the Actual/365 year of default interest.
    uint256 internal constant DAYS_PER_YEAR = 365;

    /// @notice Started days from `dueTime` to `asOf` (0 when `asOf` is not after `dueTime`).
    function lateDays(uint40 dueTime, uint40 asOf) internal pure returns (uint256) {
        return asOf > dueTime ? Math.ceilDiv(asOf - dueTime, 1 days) : 0;
    }

    /// @notice The most the penalty of `unpaid` base units can reach: floor(unpaid * capBps / 10_000).
    function capOf(Penalty.Terms memory terms, uint256 unpaid) internal pure returns (uint256) {
        return (unpaid * terms.capBps) / BPS;
    }

    /// @notice The penalty owed at `asOf` on `unpaid` base units of an installment due at `dueTime`.
    /// @dev interest = round-half-up(unpaid * rateBps * lateDays / (10_000 * 365)), cap = floor(unpaid * capBps /
    /// 10_000), penalty = min(interest + flatFee, cap). The cap rounds down, in the borrower's favour. Cannot
    /// overflow: the largest product is below 2^128 * 2^32 * 2^25.
    function penaltyOf(
        Penalty.Terms memory terms,
        uint128 unpaid,
        uint40 dueTime,
        uint40 asOf
    ) internal pure returns (uint256) {
        if (unpaid == 0 || uint256(asOf) <= uint256(dueTime) + terms.graceSeconds) return 0;
        uint256 interest = Rounding.divHalfUp(
            uint256(unpaid) * terms.rateBps * lateDays(dueTime, asOf),
            BPS * DAYS_PER_YEAR
        );
        return Math.min(interest + terms.flatFee, capOf(terms, unpaid));
    }
}
