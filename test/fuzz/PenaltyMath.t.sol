// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Test names follow the forge convention `testFuzz_<Subject>_<Property>`, which func-name-mixedcase rejects.
// Assertion messages name the property they check, and are longer than 32 bytes (gas-small-strings).
/* solhint-disable func-name-mixedcase, gas-small-strings */

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {PenaltyMath} from "../../contracts/libraries/PenaltyMath.sol";
import {Penalty} from "../../contracts/types/DataTypes.sol";
import {FuzzHelpers} from "./utils/FuzzHelpers.sol";

/// @title PenaltyMathFuzzTest
/// @notice Properties of `PenaltyMath.penaltyOf` over the whole domain of its types: any grace, rate, flat fee and
/// cap, any unpaid amount, any due time and any time of reckoning.
/// @dev Amounts, rates and durations are drawn with a uniform bit length (`boundLog`), so small, realistic values
/// come up as often as extreme ones. Times of reckoning are drawn around the end of the grace period, where the
/// penalty starts: at it, just before it, just after it, or far from it.
contract PenaltyMathFuzzTest is FuzzHelpers {
    /// @dev Basis points in one, and the days of the Actual/365 year, restated rather than read from the library.
    uint256 private constant BPS = 10_000;
    uint256 private constant DAYS_PER_YEAR = 365;
    /// @dev Latest time a uint40 can hold.
    uint256 private constant MAX_TIME = type(uint40).max;

    /// @notice Nothing is owed up to and including dueTime + graceSeconds, whatever the rules and the amount.
    function testFuzz_PenaltyOf_ZeroUntilGraceEnds(
        uint256 termsSeed,
        uint256 unpaidSeed,
        uint256 dueSeed,
        uint256 asOfSeed
    ) public pure {
        Penalty.Terms memory terms = _terms(termsSeed);
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME);
        uint256 graceEnd = Math.min(dueTime + terms.graceSeconds, MAX_TIME);
        // At the end of grace or any distance before it (back to time 0), a second or two often.
        uint256 asOf = graceEnd - boundLog(asOfSeed, 0, graceEnd);
        uint256 penalty = _penaltyOf(terms, _unpaid(unpaidSeed), dueTime, asOf);
        assertEq(penalty, 0, "no penalty up to and including dueTime + grace");
    }

    /// @notice Nothing unpaid, nothing owed.
    function testFuzz_PenaltyOf_ZeroWhenNothingUnpaid(
        uint256 termsSeed,
        uint256 dueSeed,
        uint256 asOfSeed
    ) public pure {
        Penalty.Terms memory terms = _terms(termsSeed);
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME);
        uint256 asOf = _asOfAroundGraceEnd(dueTime, terms.graceSeconds, asOfSeed);
        assertEq(_penaltyOf(terms, 0, dueTime, asOf), 0, "no penalty on nothing unpaid");
    }

    /// @notice The penalty never exceeds floor(unpaid * capBps / 10_000).
    function testFuzz_PenaltyOf_NeverAboveCap(
        uint256 termsSeed,
        uint256 unpaidSeed,
        uint256 dueSeed,
        uint256 asOfSeed
    ) public pure {
        Penalty.Terms memory terms = _terms(termsSeed);
        uint256 unpaid = _unpaid(unpaidSeed);
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME);
        uint256 asOf = _asOfAroundGraceEnd(dueTime, terms.graceSeconds, asOfSeed);
        uint256 penalty = _penaltyOf(terms, unpaid, dueTime, asOf);
        assertLe(penalty, (unpaid * terms.capBps) / BPS, "penalty within floor(unpaid * capBps / 10_000)");
    }

    /// @notice Waiting longer never lowers the penalty: asOf <= later implies penalty(asOf) <= penalty(later).
    function testFuzz_PenaltyOf_NonDecreasingInAsOf(
        uint256 termsSeed,
        uint256 unpaidSeed,
        uint256 dueSeed,
        uint256 asOfSeed,
        uint256 waitSeed
    ) public pure {
        Penalty.Terms memory terms = _terms(termsSeed);
        uint256 unpaid = _unpaid(unpaidSeed);
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME);
        uint256 asOf = _asOfAroundGraceEnd(dueTime, terms.graceSeconds, asOfSeed);
        // From no wait at all (one run in eight) to the end of uint40 time, one second often.
        uint256 later = asOf + boundLog(waitSeed, 0, MAX_TIME - asOf);
        assertLe(
            _penaltyOf(terms, unpaid, dueTime, asOf),
            _penaltyOf(terms, unpaid, dueTime, later),
            "penalty non-decreasing in asOf"
        );
    }

    /// @notice After grace the penalty is exactly
    /// min(round-half-up(unpaid * rateBps * ceil((asOf - due) / 1 day) / (10_000 * 365)) + flatFee,
    ///     floor(unpaid * capBps / 10_000)).
    function testFuzz_PenaltyOf_ClosedFormAfterGrace(
        uint256 termsSeed,
        uint256 unpaidSeed,
        uint256 dueSeed,
        uint256 lateSeed
    ) public pure {
        Penalty.Terms memory terms = _terms(termsSeed);
        uint256 unpaid = _unpaid(unpaidSeed);
        // Leave room for at least one second after the grace period.
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME - terms.graceSeconds - 1);
        uint256 graceEnd = dueTime + terms.graceSeconds;
        uint256 asOf = graceEnd + boundLog(lateSeed, 1, MAX_TIME - graceEnd);
        // Started days since the due date (not since the end of grace), ceil((asOf - due) / 1 day).
        uint256 lateDays = (asOf - dueTime + 1 days - 1) / 1 days;
        uint256 interest = halfUp(unpaid * terms.rateBps * lateDays, BPS * DAYS_PER_YEAR);
        uint256 expected = Math.min(interest + terms.flatFee, (unpaid * terms.capBps) / BPS);
        assertEq(_penaltyOf(terms, unpaid, dueTime, asOf), expected, "penalty = closed form after grace");
    }

    /// @notice Default interest rounds an exact half up: at 50% a year for 365 started days, an odd unpaid amount
    /// 2m + 1 owes m + 1 (random inputs almost never land on an exact half).
    function testFuzz_PenaltyOf_ExactHalfRoundsUp(
        uint256 halfSeed,
        uint256 dueSeed,
        uint256 graceSeed,
        uint256 intoDaySeed
    ) public pure {
        Penalty.Terms memory terms;
        terms.rateBps = uint32(BPS / 2);
        terms.capBps = type(uint32).max;
        // Anywhere in the 365th started day, with grace ending before it.
        uint256 late = boundEdges(intoDaySeed, 364 days + 1, 365 days);
        terms.graceSeconds = uint32(boundLog(graceSeed, 0, late - 1));
        uint256 dueTime = boundLog(dueSeed, 0, MAX_TIME - late);
        uint256 half = boundLog(halfSeed, 0, (uint256(type(uint128).max) - 1) / 2);
        uint256 penalty = _penaltyOf(terms, 2 * half + 1, dueTime, dueTime + late);
        assertEq(penalty, half + 1, "half-up(unpaid / 2) for an odd unpaid amount rounds up");
    }

    /*//////////////////////////////////////////////////////////////
                                 INPUTS
    //////////////////////////////////////////////////////////////*/

    function _penaltyOf(
        Penalty.Terms memory terms,
        uint256 unpaid,
        uint256 dueTime,
        uint256 asOf
    ) private pure returns (uint256) {
        return PenaltyMath.penaltyOf(terms, uint128(unpaid), uint40(dueTime), uint40(asOf));
    }

    /// @dev Every field over its whole type, with a uniform bit length; rate, fee and cap are 0 one run in eight.
    function _terms(uint256 seed) private pure returns (Penalty.Terms memory terms) {
        terms.graceSeconds = uint32(boundLog(derive(seed, 0), 0, type(uint32).max));
        terms.rateBps = uint32(_zeroOrLog(derive(seed, 1), type(uint32).max));
        terms.flatFee = uint128(_zeroOrLog(derive(seed, 2), type(uint128).max));
        terms.capBps = uint32(_zeroOrLog(derive(seed, 3), type(uint32).max));
    }

    function _zeroOrLog(uint256 x, uint256 max) private pure returns (uint256) {
        return x % 8 == 0 ? 0 : boundLog(x >> 3, 0, max);
    }

    function _unpaid(uint256 seed) private pure returns (uint256) {
        return boundLog(seed, 1, type(uint128).max);
    }

    /// @dev A time at the end of the grace period, or before or after it by 0 to the whole uint40 range (one second
    /// often), clamped to uint40.
    function _asOfAroundGraceEnd(uint256 dueTime, uint256 graceSeconds, uint256 seed) private pure returns (uint256) {
        uint256 graceEnd = Math.min(dueTime + graceSeconds, MAX_TIME);
        if (seed % 2 == 0) return graceEnd - boundLog(seed >> 1, 0, graceEnd);
        return graceEnd + boundLog(seed >> 1, 0, MAX_TIME - graceEnd);
    }
}
