// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Every custom error of the pure libraries, named `<Component>_<Condition>`.
library Errors {
    /// @notice Thrown when a schedule's kind is `None` (kinds start at 1).
    error ScheduleMath_UnknownKind();

    /// @notice Thrown when a schedule's principal is zero.
    error ScheduleMath_ZeroPrincipal();

    /// @notice Thrown when the yearly rate exceeds `maxRateBps`.
    error ScheduleMath_RateTooHigh(uint256 rateBps, uint256 maxRateBps);

    /// @notice Thrown when a regular schedule's interval is outside [minSeconds, maxSeconds], or a custom plan's is
    /// not 0.
    error ScheduleMath_IntervalOutOfRange(uint256 intervalSeconds, uint256 minSeconds, uint256 maxSeconds);

    /// @notice Thrown when the number of installments is 0 or above `maxCount`.
    error ScheduleMath_CountOutOfRange(uint256 count, uint256 maxCount);

    /// @notice Thrown when a custom plan's arrays do not both have `count` entries, or a regular schedule has a plan.
    error ScheduleMath_PlanLengthMismatch(uint256 count, uint256 dueOffsets, uint256 principals);

    /// @notice Thrown when a custom plan's due offset at `index` is not after the previous one (the first must be > 0).
    error ScheduleMath_DueOffsetNotIncreasing(uint256 index, uint256 previous, uint256 dueOffset);

    /// @notice Thrown when a custom plan's principal amounts do not add up to the loan's principal.
    error ScheduleMath_PlanSumMismatch(uint256 planSum, uint256 principal);

    /// @notice Thrown when installment `number` (1-based) is asked of a schedule with `count` installments.
    error ScheduleMath_InstallmentOutOfRange(uint256 number, uint256 count);
}
