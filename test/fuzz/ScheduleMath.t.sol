// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Test names follow the forge convention `testFuzz_<Subject>_<Property>`, which func-name-mixedcase rejects.
// Assertion messages name the property they check, and are longer than 32 bytes (gas-small-strings).
/* solhint-disable func-name-mixedcase, gas-small-strings */

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Errors} from "../../contracts/libraries/Errors.sol";
import {ScheduleMath} from "../../contracts/libraries/ScheduleMath.sol";
import {ScheduleMathHarness} from "../../contracts/mocks/ScheduleMathHarness.sol";
import {Schedule} from "../../contracts/types/DataTypes.sol";
import {FuzzHelpers} from "./utils/FuzzHelpers.sol";

/// @title ScheduleMathFuzzTest
/// @notice Properties of `ScheduleMath` over the whole valid domain (principal 1..2^128-1, rate 0..MAX_RATE_BPS,
/// interval MIN_INTERVAL..MAX_INTERVAL, 1..MAX_INSTALLMENTS installments, random custom plans), and the error of
/// every way terms can be invalid.
/// @dev Valid terms are checked through the internal library (a revert, including an overflow panic, fails the
/// test); invalid ones through `ScheduleMathHarness`, since `expectRevert` needs an external call. Inputs are
/// shaped so that edges come up often: the count is 1 or MAX_INSTALLMENTS one run in eight each, the rate is 0
/// or the maximum one run in eight each, and the principal's bit length is uniform (tiny and huge amounts alike).
contract ScheduleMathFuzzTest is FuzzHelpers {
    /// @dev Denominator of a period rate, restated rather than read from the library: 10_000 bps * Actual/365.
    uint256 private constant RATE_DENOMINATOR = 10_000 * 365 days;
    /// @dev One in the fixed point of the independent annuity bounds (the library's width, not its value).
    uint256 private constant ONE = 1 << 192;
    /// @dev Latest due offset a custom plan can give.
    uint256 private constant MAX_DUE_OFFSET = type(uint40).max;
    /// @dev Longest plan arrays of the length-mismatch tests beyond `count`.
    uint256 private constant EXTRA_PLAN_ENTRIES = 2;

    ScheduleMathHarness private harness;

    function setUp() public {
        harness = new ScheduleMathHarness();
    }

    /*//////////////////////////////////////////////////////////////
                      VALID TERMS: TABLE PROPERTIES
    //////////////////////////////////////////////////////////////*/

    function testFuzz_Annuity_TableProperties(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed,
        uint256 numberSeed
    ) public pure {
        Schedule.Terms memory terms = _regularTerms(
            Schedule.Kind.Annuity,
            principalSeed,
            rateSeed,
            intervalSeed,
            countSeed
        );
        _checkSchedule(terms, numberSeed);
    }

    function testFuzz_EqualPrincipal_TableProperties(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed,
        uint256 numberSeed
    ) public pure {
        Schedule.Terms memory terms = _regularTerms(
            Schedule.Kind.EqualPrincipal,
            principalSeed,
            rateSeed,
            intervalSeed,
            countSeed
        );
        _checkSchedule(terms, numberSeed);
    }

    function testFuzz_InterestOnly_TableProperties(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed,
        uint256 numberSeed
    ) public pure {
        Schedule.Terms memory terms = _regularTerms(
            Schedule.Kind.InterestOnly,
            principalSeed,
            rateSeed,
            intervalSeed,
            countSeed
        );
        _checkSchedule(terms, numberSeed);
    }

    function testFuzz_Bullet_TableProperties(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed,
        uint256 numberSeed
    ) public pure {
        Schedule.Terms memory terms = _regularTerms(
            Schedule.Kind.Bullet,
            principalSeed,
            rateSeed,
            intervalSeed,
            countSeed
        );
        _checkSchedule(terms, numberSeed);
    }

    function testFuzz_Custom_TableProperties(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 planSeed,
        uint256 numberSeed
    ) public pure {
        Schedule.Terms memory terms = _customTerms(principalSeed, rateSeed, countSeed, planSeed);
        _checkSchedule(terms, numberSeed);
    }

    /// @notice The annuity payment is round-half-up(P / n) at 0%. Above 0% it is round-half-up of the exact
    /// A* = P * r / (1 - (1 + r)^-n), checked against bounds computed independently of the library: (1 + r)^-n is
    /// enclosed by products rounded down and rounded up (a plain product, not the library's squaring), which gives
    /// A*_low <= A* <= A*_high and so half-up(A*_low) <= A <= half-up(A*_high). The bounds are a tiny fraction of a
    /// unit apart, so this pins A except when A* lies within that gap of a half, where docs/rounding.md lets the
    /// fixed point land one unit below: P = 10_050, 1_200 bps, 2_628_000 s, n = 2 has A* = 5_100.5 and A = 5_100.
    /// Also: A covers the first period's interest.
    function testFuzz_AnnuityPayment_MatchesFormula(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed
    ) public pure {
        Schedule.Terms memory terms = _regularTerms(
            Schedule.Kind.Annuity,
            principalSeed,
            rateSeed,
            intervalSeed,
            countSeed
        );
        uint256 payment = _annuityPayment(terms);
        uint256 firstInterest = halfUp(
            uint256(terms.principal) * terms.rateBps * terms.intervalSeconds,
            RATE_DENOMINATOR
        );
        assertLe(firstInterest, payment, "annuity payment covers the first period's interest");
        if (terms.rateBps == 0) {
            assertEq(payment, halfUp(terms.principal, terms.count), "0% annuity payment = half-up(P / n)");
            return;
        }
        // r = periodRate / RATE_DENOMINATOR; 1 / (1 + r) = RATE_DENOMINATOR / (RATE_DENOMINATOR + periodRate).
        uint256 periodRate = uint256(terms.rateBps) * terms.intervalSeconds;
        uint256 discountPowLow = _pow(
            Math.mulDiv(RATE_DENOMINATOR, ONE, RATE_DENOMINATOR + periodRate),
            terms.count,
            Math.Rounding.Floor
        );
        uint256 discountPowHigh = _pow(
            Math.mulDiv(RATE_DENOMINATOR, ONE, RATE_DENOMINATOR + periodRate, Math.Rounding.Ceil),
            terms.count,
            Math.Rounding.Ceil
        );
        // A* = P * periodRate * ONE / (RATE_DENOMINATOR * (ONE - discount^n)): low with the larger remainder.
        uint256 scaled = uint256(terms.principal) * periodRate;
        uint256 low = _halfUpOfRatio(scaled, RATE_DENOMINATOR * (ONE - discountPowLow));
        uint256 high = _halfUpOfRatio(scaled, RATE_DENOMINATOR * (ONE - discountPowHigh));
        assertLe(low, payment, "annuity payment >= half-up(exact A*), lower bound");
        assertLe(payment, high, "annuity payment <= half-up(exact A*), upper bound");
    }

    /// @notice Interest rounds an exact half up: at 50% a year over 365 days, an odd principal 2m + 1 owes m + 1
    /// in the first period, whatever the kind (random inputs almost never land on an exact half).
    function testFuzz_PeriodInterest_ExactHalfRoundsUp(
        uint256 kindSeed,
        uint256 halfSeed,
        uint256 countSeed
    ) public pure {
        Schedule.Terms memory terms;
        terms.kind = Schedule.Kind(
            bound(kindSeed, uint256(Schedule.Kind.Annuity), uint256(Schedule.Kind.InterestOnly))
        );
        uint256 half = boundLog(halfSeed, 0, (uint256(type(uint128).max) - 1) / 2);
        terms.principal = uint128(2 * half + 1);
        terms.rateBps = uint32(ScheduleMath.MAX_RATE_BPS / 2);
        terms.intervalSeconds = uint32(ScheduleMath.MAX_INTERVAL);
        terms.count = _count(countSeed);
        Schedule.Installment[] memory table = ScheduleMath.schedule(terms);
        assertEq(table[0].interest, half + 1, "half-up(P / 2) for an odd P rounds up");
        _checkTable(terms, table);
    }

    /*//////////////////////////////////////////////////////////////
                       INVALID TERMS: CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Kind None is refused first, whatever the other fields hold.
    function testFuzz_RevertWhen_KindNone(
        uint128 principal,
        uint32 rateBps,
        uint32 intervalSeconds,
        uint16 count,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.principal = principal;
        terms.rateBps = rateBps;
        terms.intervalSeconds = intervalSeconds;
        terms.count = count;
        _expectRevert(terms, abi.encodeWithSelector(Errors.ScheduleMath_UnknownKind.selector), viaInstallmentAt);
    }

    /// @notice A zero principal is refused before the rate, count and interval are looked at.
    function testFuzz_RevertWhen_PrincipalZero(
        uint256 kindSeed,
        uint32 rateBps,
        uint32 intervalSeconds,
        uint16 count,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.kind = _kind(kindSeed);
        terms.rateBps = rateBps;
        terms.intervalSeconds = intervalSeconds;
        terms.count = count;
        _expectRevert(terms, abi.encodeWithSelector(Errors.ScheduleMath_ZeroPrincipal.selector), viaInstallmentAt);
    }

    function testFuzz_RevertWhen_RateAboveMax(
        uint256 kindSeed,
        uint256 principalSeed,
        uint256 rateSeed,
        uint32 intervalSeconds,
        uint16 count,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.kind = _kind(kindSeed);
        terms.principal = _principal(principalSeed);
        terms.rateBps = uint32(boundEdges(rateSeed, ScheduleMath.MAX_RATE_BPS + 1, type(uint32).max));
        terms.intervalSeconds = intervalSeconds;
        terms.count = count;
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_RateTooHigh.selector,
            terms.rateBps,
            ScheduleMath.MAX_RATE_BPS
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice 0 installments, or more than MAX_INSTALLMENTS (361 one run in eight), are refused for every kind.
    function testFuzz_RevertWhen_CountOutOfRange(
        uint256 kindSeed,
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint32 intervalSeconds,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.kind = _kind(kindSeed);
        terms.principal = _principal(principalSeed);
        terms.rateBps = _rate(rateSeed);
        terms.intervalSeconds = intervalSeconds;
        terms.count =
            countSeed % 4 == 0
                ? 0
                : uint16(boundEdges(countSeed >> 2, ScheduleMath.MAX_INSTALLMENTS + 1, type(uint16).max));
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_CountOutOfRange.selector,
            terms.count,
            ScheduleMath.MAX_INSTALLMENTS
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice A regular schedule's interval must be in [MIN_INTERVAL, MAX_INTERVAL]; both neighbours are tried often.
    function testFuzz_RevertWhen_IntervalOutOfRange(
        uint256 kindSeed,
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 intervalSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.kind = _regularKind(kindSeed);
        terms.principal = _principal(principalSeed);
        terms.rateBps = _rate(rateSeed);
        terms.count = _count(countSeed);
        terms.intervalSeconds =
            intervalSeed % 2 == 0
                ? uint32(boundEdges(intervalSeed >> 1, 0, ScheduleMath.MIN_INTERVAL - 1))
                : uint32(boundEdges(intervalSeed >> 1, ScheduleMath.MAX_INTERVAL + 1, type(uint32).max));
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_IntervalOutOfRange.selector,
            terms.intervalSeconds,
            ScheduleMath.MIN_INTERVAL,
            ScheduleMath.MAX_INTERVAL
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice Only a custom schedule takes a plan.
    function testFuzz_RevertWhen_RegularKindHasPlan(
        uint256 kindSeed,
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 lengthSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms = _regularTerms(
            _regularKind(kindSeed),
            principalSeed,
            rateSeed,
            intervalSeed,
            lengthSeed >> 16
        );
        uint256 offsets = bound(lengthSeed, 0, EXTRA_PLAN_ENTRIES);
        uint256 principals = bound(lengthSeed >> 8, offsets == 0 ? 1 : 0, EXTRA_PLAN_ENTRIES);
        terms.dueOffsets = new uint40[](offsets);
        terms.principals = new uint128[](principals);
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_PlanLengthMismatch.selector,
            0,
            offsets,
            principals
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice A custom plan gives its own due times: any interval other than 0 is refused.
    function testFuzz_RevertWhen_CustomIntervalNotZero(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 planSeed,
        uint256 intervalSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms = _customTerms(principalSeed, rateSeed, countSeed, planSeed);
        terms.intervalSeconds = uint32(boundEdges(intervalSeed, 1, type(uint32).max));
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_IntervalOutOfRange.selector,
            terms.intervalSeconds,
            0,
            0
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice A custom plan needs exactly `count` due offsets and `count` principals.
    function testFuzz_RevertWhen_CustomPlanLengthMismatch(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 lengthSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms;
        terms.kind = Schedule.Kind.Custom;
        terms.principal = _principal(principalSeed);
        terms.rateBps = _rate(rateSeed);
        terms.count = _count(countSeed);
        uint256 offsets = bound(lengthSeed, 0, terms.count + EXTRA_PLAN_ENTRIES);
        uint256 principals = bound(lengthSeed >> 16, 0, terms.count + EXTRA_PLAN_ENTRIES);
        // Keep the two lengths apart from `count` together: shift the principals' length off it.
        if (offsets == terms.count && principals == terms.count) principals = lengthSeed % 2 == 0 ? 0 : offsets + 1;
        terms.dueOffsets = new uint40[](offsets);
        terms.principals = new uint128[](principals);
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_PlanLengthMismatch.selector,
            terms.count,
            offsets,
            principals
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice The first due offset at or below the previous one (0 before the first) is reported with its index.
    function testFuzz_RevertWhen_DueOffsetNotIncreasing(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 planSeed,
        uint256 indexSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms = _customTerms(principalSeed, rateSeed, countSeed, planSeed);
        uint256 index = bound(indexSeed, 0, terms.count - 1);
        uint256 previous = index == 0 ? 0 : terms.dueOffsets[index - 1];
        // At or below the previous offset; equal to it one run in eight.
        terms.dueOffsets[index] = uint40(boundEdges(indexSeed >> 16, 0, previous));
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_DueOffsetNotIncreasing.selector,
            index,
            previous,
            terms.dueOffsets[index]
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice Principals that add up to anything but P, above or below, are refused with the sum found.
    function testFuzz_RevertWhen_PlanSumMismatch(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 planSeed,
        uint256 changeSeed,
        bool viaInstallmentAt
    ) public {
        Schedule.Terms memory terms = _customTerms(principalSeed, rateSeed, countSeed, planSeed);
        uint256 index = bound(changeSeed, 0, terms.count - 1);
        uint256 amount = terms.principals[index];
        uint256 planSum;
        // Raise the amount when there is room above it (or nothing to take away), lower it otherwise.
        if (amount == 0 || (amount < type(uint128).max && (changeSeed >> 16) % 2 == 0)) {
            uint256 raise = boundLog(changeSeed >> 24, 1, type(uint128).max - amount);
            terms.principals[index] = uint128(amount + raise);
            planSum = uint256(terms.principal) + raise;
        } else {
            uint256 cut = boundLog(changeSeed >> 24, 1, amount);
            terms.principals[index] = uint128(amount - cut);
            planSum = terms.principal - cut;
        }
        bytes memory expected = abi.encodeWithSelector(
            Errors.ScheduleMath_PlanSumMismatch.selector,
            planSum,
            terms.principal
        );
        _expectRevert(terms, expected, viaInstallmentAt);
    }

    /// @notice installmentAt refuses installment 0 and any number past the last row, for every kind.
    function testFuzz_RevertWhen_InstallmentOutOfRange(
        uint256 kindSeed,
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed,
        uint256 numberSeed
    ) public {
        Schedule.Kind kind = _kind(kindSeed);
        Schedule.Terms memory terms =
            kind == Schedule.Kind.Custom
                ? _customTerms(principalSeed, rateSeed, countSeed, intervalSeed)
                : _regularTerms(kind, principalSeed, rateSeed, intervalSeed, countSeed);
        uint256 rows = kind == Schedule.Kind.Bullet ? 1 : terms.count;
        uint256 number = numberSeed % 4 == 0 ? 0 : boundEdges(numberSeed >> 2, rows + 1, type(uint256).max);
        VM.expectRevert(abi.encodeWithSelector(Errors.ScheduleMath_InstallmentOutOfRange.selector, number, rows));
        harness.installmentAt(terms, number);
    }

    /*//////////////////////////////////////////////////////////////
                                 CHECKS
    //////////////////////////////////////////////////////////////*/

    /// @dev Builds the table (a revert fails the test) and checks every row against the rules, then installmentAt.
    function _checkSchedule(Schedule.Terms memory terms, uint256 numberSeed) private pure {
        Schedule.Installment[] memory table = ScheduleMath.schedule(terms);
        _checkTable(terms, table);
        _checkInstallmentAt(terms, table, numberSeed);
    }

    /// @dev Walks the table with the balance before each row. For every kind:
    /// - one row per installment (one for a bullet); due offsets strictly increase from above 0 and are the
    ///   expected ones (k * interval; count * interval for a bullet; the plan's for a custom schedule);
    /// - interest = round-half-up(balance * rateBps * period / (10_000 * 365 days)), on the balance before the row;
    /// - a principal part never exceeds the balance, the last takes the whole balance, and they sum exactly to P;
    /// - the kind's own rule for the principal part (`_checkRowRule`); interest never increases for an annuity or
    ///   an equal-principal schedule;
    /// - sums of principal, interest and both are taken with checked arithmetic (an overflow fails the test), and
    ///   the total interest is at most the simple interest on P over the whole term plus half a unit per row.
    function _checkTable(Schedule.Terms memory terms, Schedule.Installment[] memory table) private pure {
        uint256 rows = terms.kind == Schedule.Kind.Bullet ? 1 : terms.count;
        assertEq(table.length, rows, "one row per installment");
        uint256 payment = _annuityPayment(terms);
        uint256 balance = terms.principal;
        uint256 previousDue;
        uint256 previousInterest = type(uint256).max;
        uint256 principalSum;
        uint256 interestSum;
        uint256 amountSum;
        for (uint256 k; k < rows; ++k) {
            Schedule.Installment memory row = table[k];
            assertGt(row.dueOffset, previousDue, "due offsets strictly increase");
            assertEq(row.dueOffset, _expectedDueOffset(terms, k), "due offset");
            assertEq(
                row.interest,
                halfUp(balance * terms.rateBps * (row.dueOffset - previousDue), RATE_DENOMINATOR),
                "interest = half-up(balance * rate * period)"
            );
            assertLe(row.principal, balance, "principal part within the balance");
            if (k == rows - 1) {
                assertEq(row.principal, balance, "last installment takes the whole balance");
            } else {
                _checkRowRule(terms, payment, k, row, balance);
            }
            if (terms.kind == Schedule.Kind.Annuity || terms.kind == Schedule.Kind.EqualPrincipal) {
                assertLe(row.interest, previousInterest, "interest never increases");
            }
            principalSum += row.principal;
            interestSum += row.interest;
            amountSum += row.principal + row.interest;
            balance -= row.principal;
            previousDue = row.dueOffset;
            previousInterest = row.interest;
        }
        assertEq(principalSum, terms.principal, "principal parts sum exactly to P");
        assertEq(amountSum, principalSum + interestSum, "installment amounts sum to principal + interest");
        // Each row's interest is at most balance * r + 1/2 <= P * r + 1/2, and the periods add up to the term.
        assertLe(
            2 * interestSum * RATE_DENOMINATOR,
            2 * uint256(terms.principal) * terms.rateBps * previousDue + rows * RATE_DENOMINATOR,
            "total interest within simple interest on P over the term"
        );
    }

    /// @dev The principal part of row `k` (0-based), before the last, given the balance before it.
    function _checkRowRule(
        Schedule.Terms memory terms,
        uint256 payment,
        uint256 k,
        Schedule.Installment memory row,
        uint256 balance
    ) private pure {
        Schedule.Kind kind = terms.kind;
        if (kind == Schedule.Kind.Annuity) {
            // principal = min(A - interest, balance): the row totals exactly A unless the balance runs out first
            // (only possible for tiny amounts, e.g. P = 2, 0%, 4 installments: A = 1, then rows 3 and 4 are 0).
            // A covers the interest of every row, so `A - interest` never saturates at 0 on a valid table.
            assertLe(row.interest, payment, "annuity payment covers the row's interest");
            if (payment - row.interest <= balance) {
                assertEq(row.principal + row.interest, payment, "annuity installment = annuityPayment");
            } else {
                assertEq(row.principal, balance, "annuity principal clamped to the balance");
            }
        } else if (kind == Schedule.Kind.EqualPrincipal) {
            assertEq(row.principal, terms.principal / terms.count, "equal principal = floor(P / n)");
        } else if (kind == Schedule.Kind.InterestOnly) {
            assertEq(row.principal, 0, "interest-only repays no principal before the last row");
        } else if (kind == Schedule.Kind.Custom) {
            assertEq(row.principal, terms.principals[k], "custom principal = the plan's");
        }
    }

    /// @dev installmentAt(terms, k) equals row k of the table, for a random k (the first and last often).
    function _checkInstallmentAt(
        Schedule.Terms memory terms,
        Schedule.Installment[] memory table,
        uint256 numberSeed
    ) private pure {
        uint256 number = boundEdges(numberSeed, 1, table.length);
        Schedule.Installment memory row = ScheduleMath.installmentAt(terms, number);
        Schedule.Installment memory expected = table[number - 1];
        assertEq(row.dueOffset, expected.dueOffset, "installmentAt due offset = table row");
        assertEq(row.principal, expected.principal, "installmentAt principal = table row");
        assertEq(row.interest, expected.interest, "installmentAt interest = table row");
    }

    /// @dev Due offset of row `k` (0-based).
    function _expectedDueOffset(Schedule.Terms memory terms, uint256 k) private pure returns (uint256) {
        if (terms.kind == Schedule.Kind.Custom) return terms.dueOffsets[k];
        if (terms.kind == Schedule.Kind.Bullet) return uint256(terms.intervalSeconds) * terms.count;
        return (k + 1) * terms.intervalSeconds;
    }

    function _annuityPayment(Schedule.Terms memory terms) private pure returns (uint256) {
        if (terms.kind != Schedule.Kind.Annuity) return 0;
        return ScheduleMath.annuityPayment(terms.principal, terms.rateBps, terms.intervalSeconds, terms.count);
    }

    /// @dev x^n in ONE fixed point by n plain products, each rounded in the given direction. x <= ONE.
    function _pow(uint256 x, uint256 n, Math.Rounding rounding) private pure returns (uint256 result) {
        result = ONE;
        for (uint256 i; i < n; ++i) {
            result = Math.mulDiv(result, x, ONE, rounding);
        }
    }

    /// @dev round-half-up(numerator * ONE / denominator) = (floor(2 * numerator * ONE / denominator) + 1) / 2.
    function _halfUpOfRatio(uint256 numerator, uint256 denominator) private pure returns (uint256) {
        return (Math.mulDiv(2 * numerator, ONE, denominator) + 1) / 2;
    }

    function _expectRevert(Schedule.Terms memory terms, bytes memory expected, bool viaInstallmentAt) private {
        VM.expectRevert(expected);
        if (viaInstallmentAt) {
            harness.installmentAt(terms, 1);
        } else {
            harness.schedule(terms);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 INPUTS
    //////////////////////////////////////////////////////////////*/

    function _regularTerms(
        Schedule.Kind kind,
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 intervalSeed,
        uint256 countSeed
    ) private pure returns (Schedule.Terms memory terms) {
        terms.kind = kind;
        terms.principal = _principal(principalSeed);
        terms.rateBps = _rate(rateSeed);
        terms.intervalSeconds = uint32(boundEdges(intervalSeed, ScheduleMath.MIN_INTERVAL, ScheduleMath.MAX_INTERVAL));
        terms.count = _count(countSeed);
    }

    /// @dev A valid custom plan: `count` strictly increasing due offsets within uint40, and principals summing to P.
    function _customTerms(
        uint256 principalSeed,
        uint256 rateSeed,
        uint256 countSeed,
        uint256 planSeed
    ) private pure returns (Schedule.Terms memory terms) {
        terms.kind = Schedule.Kind.Custom;
        terms.principal = _principal(principalSeed);
        terms.rateBps = _rate(rateSeed);
        terms.count = _count(countSeed);
        terms.dueOffsets = _dueOffsets(terms.count, planSeed);
        terms.principals = _planPrincipals(terms.principal, terms.count, planSeed);
    }

    /// @dev Gaps of 1 to `gapCap` seconds, where the cap's own magnitude is random (from 1 second to the most that
    /// keeps `count` gaps within uint40), so plans range from consecutive seconds to millennia.
    function _dueOffsets(uint256 count, uint256 seed) private pure returns (uint40[] memory offsets) {
        offsets = new uint40[](count);
        uint256 gapCap = boundLog(derive(seed, type(uint256).max), 1, MAX_DUE_OFFSET / count);
        uint256 offset;
        for (uint256 i; i < count; ++i) {
            offset += bound(uint128(derive(seed, i)), 1, gapCap);
            offsets[i] = uint40(offset);
        }
    }

    /// @dev Four shapes, by `seed % 4`: all at the end (balloon), all at the start, greedy random parts of what is
    /// left, or random weights (a quarter of them 0) scaled to P with the rounding remainder on the last entry.
    function _planPrincipals(uint256 principal, uint256 count, uint256 seed) private pure returns (uint128[] memory) {
        uint128[] memory amounts = new uint128[](count);
        uint256 shape = seed % 4;
        if (shape == 0) {
            amounts[count - 1] = uint128(principal);
        } else if (shape == 1) {
            amounts[0] = uint128(principal);
        } else if (shape == 2) {
            uint256 remaining = principal;
            for (uint256 i; i < count - 1; ++i) {
                amounts[i] = uint128(bound(derive(seed, i) >> 128, 0, remaining));
                remaining -= amounts[i];
            }
            amounts[count - 1] = uint128(remaining);
        } else {
            uint256 totalWeight;
            for (uint256 i; i < count; ++i) {
                uint256 word = derive(seed, i) >> 128;
                uint256 weight = word % 4 == 0 ? 0 : uint32(word >> 2);
                amounts[i] = uint128(weight);
                totalWeight += weight;
            }
            uint256 assigned;
            for (uint256 i; i < count && totalWeight != 0; ++i) {
                amounts[i] = uint128(Math.mulDiv(principal, amounts[i], totalWeight));
                assigned += amounts[i];
            }
            // Cannot overflow uint128: the last entry plus the remainder is at most P.
            amounts[count - 1] += uint128(principal - assigned);
        }
        return amounts;
    }

    function _principal(uint256 seed) private pure returns (uint128) {
        return uint128(boundLog(seed, 1, type(uint128).max));
    }

    function _rate(uint256 seed) private pure returns (uint32) {
        return uint32(boundEdges(seed, 0, ScheduleMath.MAX_RATE_BPS));
    }

    function _count(uint256 seed) private pure returns (uint16) {
        return uint16(boundEdges(seed, 1, ScheduleMath.MAX_INSTALLMENTS));
    }

    function _kind(uint256 seed) private pure returns (Schedule.Kind) {
        return Schedule.Kind(bound(seed, uint256(Schedule.Kind.Annuity), uint256(Schedule.Kind.Custom)));
    }

    function _regularKind(uint256 seed) private pure returns (Schedule.Kind) {
        return Schedule.Kind(bound(seed, uint256(Schedule.Kind.Annuity), uint256(Schedule.Kind.Bullet)));
    }
}
