// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Schedule} from "../types/DataTypes.sol";
import {Errors} from "./Errors.sol";
import {Rounding} from "./Rounding.sol";

/// @title ScheduleMath
/// @notice A loan's installment table from its terms, for annuity, equal-principal, interest-only, bullet and custom
/// schedules. The rules are written once in docs/rounding.md; keeper/src/core/scheduleMath.ts follows them to the
/// base unit, and test/integration/scheduleDifferential.test.ts proves it on random terms.
/// @dev Day count Actual/365 on seconds: a period of `s` seconds at `rateBps` a year has the rate
/// `r = rateBps * s / (10_000 * 31_536_000)`, kept as the exact fraction `(rateBps * s) / RATE_DENOMINATOR`.
library ScheduleMath {
    /// @notice Basis points in one.
    uint256 internal constant BPS = 10_000;
    /// @notice The Actual/365 year.
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    /// @notice Denominator of every period rate: r = rateBps * seconds / RATE_DENOMINATOR.
    uint256 internal constant RATE_DENOMINATOR = BPS * SECONDS_PER_YEAR;
    /// @notice One in the fixed point of the annuity factor: 192 fractional bits. With principal below 2^128 and
    /// at most 360 periods, the factor's error moves the annuity payment by less than 10^-8 of a base unit.
    uint256 internal constant FIXED_ONE = 1 << 192;

    /// @notice Highest yearly rate: 100% a year.
    uint256 internal constant MAX_RATE_BPS = 10_000;
    /// @notice Shortest and longest interval of a regular schedule.
    uint256 internal constant MIN_INTERVAL = 1 days;
    uint256 internal constant MAX_INTERVAL = 365 days;
    /// @notice Most installments of any schedule (30 years of monthly payments).
    uint256 internal constant MAX_INSTALLMENTS = 360;

    /*//////////////////////////////////////////////////////////////
                                 TABLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Reverts with the `ScheduleMath_*` error that explains why `terms` cannot make a schedule.
    /// @dev O(count) for custom plans (every due offset and amount is checked), O(1) otherwise.
    function validate(Schedule.Terms memory terms) internal pure {
        if (terms.kind == Schedule.Kind.None) revert Errors.ScheduleMath_UnknownKind();
        if (terms.principal == 0) revert Errors.ScheduleMath_ZeroPrincipal();
        if (terms.rateBps > MAX_RATE_BPS) revert Errors.ScheduleMath_RateTooHigh(terms.rateBps, MAX_RATE_BPS);
        if (terms.count == 0 || terms.count > MAX_INSTALLMENTS) {
            revert Errors.ScheduleMath_CountOutOfRange(terms.count, MAX_INSTALLMENTS);
        }
        if (terms.kind != Schedule.Kind.Custom) {
            if (terms.intervalSeconds < MIN_INTERVAL || terms.intervalSeconds > MAX_INTERVAL) {
                revert Errors.ScheduleMath_IntervalOutOfRange(terms.intervalSeconds, MIN_INTERVAL, MAX_INTERVAL);
            }
            if (terms.dueOffsets.length != 0 || terms.principals.length != 0) {
                revert Errors.ScheduleMath_PlanLengthMismatch(0, terms.dueOffsets.length, terms.principals.length);
            }
            return;
        }
        // A custom plan gives its own due times: the interval must not be set.
        if (terms.intervalSeconds != 0) revert Errors.ScheduleMath_IntervalOutOfRange(terms.intervalSeconds, 0, 0);
        if (terms.dueOffsets.length != terms.count || terms.principals.length != terms.count) {
            revert Errors.ScheduleMath_PlanLengthMismatch(
                terms.count,
                terms.dueOffsets.length,
                terms.principals.length
            );
        }
        uint256 previous;
        uint256 planSum;
        for (uint256 i; i < terms.count; ++i) {
            if (terms.dueOffsets[i] <= previous) {
                revert Errors.ScheduleMath_DueOffsetNotIncreasing(i, previous, terms.dueOffsets[i]);
            }
            previous = terms.dueOffsets[i];
            planSum += terms.principals[i];
        }
        if (planSum != terms.principal) revert Errors.ScheduleMath_PlanSumMismatch(planSum, terms.principal);
    }

    /// @notice The whole installment table of `terms`, first installment first.
    function schedule(Schedule.Terms memory terms) internal pure returns (Schedule.Installment[] memory table) {
        validate(terms);
        uint256 count = installmentCount(terms);
        uint256 payment = _paymentOf(terms);
        uint256 balance = terms.principal;
        table = new Schedule.Installment[](count);
        for (uint256 number = 1; number <= count; ++number) {
            Schedule.Installment memory row = nextInstallment(terms, payment, number, balance);
            table[number - 1] = row;
            // Cannot underflow: nextInstallment never takes more principal than the balance.
            balance -= row.principal;
        }
    }

    /// @notice Installment `number` (1-based) of `terms`, without building the table.
    /// @dev O(1) for equal-principal, interest-only and bullet schedules; a bounded loop of `number - 1` pure steps
    /// for annuity and custom ones (at most 360, no storage read). A contract that keeps the balance before each
    /// installment calls `nextInstallment` instead, which is O(1) for every kind.
    function installmentAt(
        Schedule.Terms memory terms,
        uint256 number
    ) internal pure returns (Schedule.Installment memory) {
        validate(terms);
        uint256 count = installmentCount(terms);
        if (number == 0 || number > count) revert Errors.ScheduleMath_InstallmentOutOfRange(number, count);
        uint256 payment = _paymentOf(terms);
        uint256 balance = terms.principal;
        if (terms.kind == Schedule.Kind.EqualPrincipal) {
            // Every installment before the last repays floor(P / n).
            balance -= (number - 1) * (terms.principal / count);
        } else if (terms.kind == Schedule.Kind.Annuity || terms.kind == Schedule.Kind.Custom) {
            for (uint256 earlier = 1; earlier < number; ++earlier) {
                (, uint256 principal, ) = _step(terms, payment, earlier, balance);
                balance -= principal;
            }
        }
        return nextInstallment(terms, payment, number, balance);
    }

    /// @notice Installment `number` of `terms` given the principal still owed before it: one step of the table.
    /// @dev O(1). `terms` must have passed `validate`, `payment` must be `annuityPayment` of the terms for an
    /// annuity (ignored otherwise), and `number` must be in [1, installmentCount(terms)].
    /// The last installment takes the whole remaining balance, so principal always sums exactly to the principal.
    function nextInstallment(
        Schedule.Terms memory terms,
        uint256 payment,
        uint256 number,
        uint256 balanceBefore
    ) internal pure returns (Schedule.Installment memory row) {
        (uint256 dueOffset, uint256 principal, uint256 interest) = _step(terms, payment, number, balanceBefore);
        // Cannot overflow uint40: a regular schedule ends within 360 * 365 days, a custom one at a uint40 offset.
        row = Schedule.Installment({dueOffset: uint40(dueOffset), principal: principal, interest: interest});
    }

    /// @dev `nextInstallment` without allocating the row, for the loops of `schedule` and `installmentAt`.
    function _step(
        Schedule.Terms memory terms,
        uint256 payment,
        uint256 number,
        uint256 balanceBefore
    ) private pure returns (uint256 dueOffset, uint256 principal, uint256 interest) {
        Schedule.Kind kind = terms.kind;
        if (kind == Schedule.Kind.Bullet) {
            // One payment at maturity, `count` intervals after the start: interest = round-half-up(P * r * n).
            dueOffset = uint256(terms.intervalSeconds) * terms.count;
            return (dueOffset, balanceBefore, periodInterest(balanceBefore, terms.rateBps, dueOffset));
        }
        bool isLast = number == terms.count;
        if (kind == Schedule.Kind.Custom) {
            dueOffset = terms.dueOffsets[number - 1];
            (principal, interest) = customStep({
                balanceBefore: balanceBefore,
                rateBps: terms.rateBps,
                previousDueOffset: number == 1 ? 0 : terms.dueOffsets[number - 2],
                dueOffset: dueOffset,
                planPrincipal: terms.principals[number - 1],
                isLast: isLast
            });
            return (dueOffset, principal, interest);
        }
        dueOffset = number * terms.intervalSeconds;
        interest = periodInterest(balanceBefore, terms.rateBps, terms.intervalSeconds);
        if (isLast) {
            principal = balanceBefore;
        } else if (kind == Schedule.Kind.Annuity) {
            // principal_k = A - interest_k. `payment` is never below the first period's interest, so the
            // subtraction only saturates for a balance above the principal, which a valid table never has.
            principal = Math.min(payment > interest ? payment - interest : 0, balanceBefore);
        } else if (kind == Schedule.Kind.EqualPrincipal) {
            principal = Math.min(terms.principal / terms.count, balanceBefore);
        }
        // InterestOnly: no principal before the last installment.
    }

    /// @notice One step of a custom plan from its two due offsets, for a contract that keeps the plan in storage and
    /// must not load all of it: interest for the time since the previous due offset (0 for the first), and the
    /// plan's principal, or the whole balance for the last installment. `nextInstallment` uses the same step.
    function customStep(
        uint256 balanceBefore,
        uint256 rateBps,
        uint256 previousDueOffset,
        uint256 dueOffset,
        uint256 planPrincipal,
        bool isLast
    ) internal pure returns (uint256 principal, uint256 interest) {
        interest = periodInterest(balanceBefore, rateBps, dueOffset - previousDueOffset);
        principal = isLast ? balanceBefore : Math.min(planPrincipal, balanceBefore);
    }

    /*//////////////////////////////////////////////////////////////
                                FORMULAS
    //////////////////////////////////////////////////////////////*/

    /// @notice Number of rows in the table: 1 for a bullet, `count` otherwise.
    function installmentCount(Schedule.Terms memory terms) internal pure returns (uint256) {
        return terms.kind == Schedule.Kind.Bullet ? 1 : terms.count;
    }

    /// @notice Interest of a period: round-half-up(balance * rateBps * seconds / RATE_DENOMINATOR).
    /// @dev Exact: one integer division of the exact product. Cannot overflow for a balance below 2^128, a rate
    /// below 2^32 and a period below 2^40 seconds (the product stays below 2^200).
    function periodInterest(uint256 balance, uint256 rateBps, uint256 periodSeconds) internal pure returns (uint256) {
        return Rounding.divHalfUp(balance * rateBps * periodSeconds, RATE_DENOMINATOR);
    }

    /// @notice The annuity's equal installment A = round-half-up(P * r / (1 - (1 + r)^-n)), or round-half-up(P / n)
    /// when r = 0.
    /// @dev With r = N / D (N = rateBps * interval, D = RATE_DENOMINATOR), in 192-bit fixed point:
    ///
    ///     discount  = ceil(D * ONE / (D + N))             1 / (1 + r), rounded up
    ///     remaining = ONE - discount^n                    1 - (1 + r)^-n, each product rounded up
    ///     A         = round-half-up(P * N * ONE / (D * remaining))
    ///
    /// Rounding the power up makes `remaining` at most the exact value, so the quotient is never below the exact A*
    /// and exceeds it by less than 10^-8 of a unit (docs/rounding.md): an exact half rounds up as the rule says,
    /// and A differs from round-half-up(A*) only when A* lies within 10^-8 below a half, by one unit. Since
    /// A* > P * r, A is never below the first period's interest, so no principal part is negative.
    function annuityPayment(
        uint256 principal,
        uint256 rateBps,
        uint256 intervalSeconds,
        uint256 count
    ) internal pure returns (uint256) {
        if (rateBps == 0) return Rounding.divHalfUp(principal, count);
        uint256 periodRate = rateBps * intervalSeconds;
        uint256 discount = Math.ceilDiv(RATE_DENOMINATOR * FIXED_ONE, RATE_DENOMINATOR + periodRate);
        // discount < ONE (N > 0 takes far more than one unit off), so discount^n < ONE and remaining >= 1.
        uint256 remaining = FIXED_ONE - _powFixedUp(discount, count);
        return Rounding.mulDivHalfUp(principal * periodRate, FIXED_ONE, RATE_DENOMINATOR * remaining);
    }

    /// @dev The annuity payment for annuities, 0 for other kinds (they do not use it).
    function _paymentOf(Schedule.Terms memory terms) private pure returns (uint256) {
        if (terms.kind != Schedule.Kind.Annuity) return 0;
        return annuityPayment(terms.principal, terms.rateBps, terms.intervalSeconds, terms.count);
    }

    /// @dev x^n in 192-bit fixed point by binary exponentiation, every product rounded up. x <= ONE, so every
    /// intermediate stays <= ONE. The TypeScript mirror performs the same products in the same order.
    function _powFixedUp(uint256 x, uint256 n) private pure returns (uint256 result) {
        result = FIXED_ONE;
        while (n != 0) {
            if (n & 1 == 1) result = Math.mulDiv(result, x, FIXED_ONE, Math.Rounding.Ceil);
            n >>= 1;
            if (n != 0) x = Math.mulDiv(x, x, FIXED_ONE, Math.Rounding.Ceil);
        }
    }
}
