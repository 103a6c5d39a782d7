// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Test names follow the forge convention `testFuzz_<Subject>_<Property>`, which func-name-mixedcase rejects.
// Assertion messages name the property they check, and are longer than 32 bytes (gas-small-strings).
/* solhint-disable func-name-mixedcase, gas-small-strings */

import {CollateralMath} from "../../contracts/libraries/CollateralMath.sol";
import {FuzzHelpers} from "./utils/FuzzHelpers.sol";

/// @title CollateralMathFuzzTest
/// @notice Properties of the collateral rules (docs/rounding.md): a feed's value is the exact value rounded down,
/// never more; it grows with the amount and the price; a threshold crossed at some debt stays crossed at a higher one
/// and a lower value; "exceeds" is "crosses" less equality.
/// @dev Amounts and prices are drawn with a uniform bit length (`boundLog`): up to 2^128 base units and 2^64 an answer
/// (a feed at 8 decimals answering 10^11 whole loan tokens a whole collateral token), decimals up to 36 for the
/// collateral and 18 for the feed and the loan token, so the exact product fits a word in every scale.
contract CollateralMathFuzzTest is FuzzHelpers {
    uint256 private constant MAX_AMOUNT = type(uint128).max;
    uint256 private constant MAX_ANSWER = type(uint64).max;
    uint256 private constant MAX_DECIMALS = 36;

    /// @notice value * 10^down <= amount * answer * 10^loan < (value + 1) * 10^down: rounded down, by less than a unit.
    function testFuzz_FeedValue_RoundsDownByLessThanAUnit(
        uint256 amountSeed,
        uint256 answerSeed,
        uint256 decimalsSeed
    ) public pure {
        uint256 amount = boundLog(amountSeed, 0, MAX_AMOUNT);
        uint256 answer = boundLog(answerSeed, 1, MAX_ANSWER);
        (uint256 collateralDecimals, uint256 feedDecimals, uint256 loanDecimals) = _decimals(decimalsSeed);
        uint256 value = CollateralMath.feedValue(amount, answer, collateralDecimals, feedDecimals, loanDecimals);
        uint256 down = collateralDecimals + feedDecimals;
        // amount * answer is the value in units of 10^-down loan tokens: at most 2^192.
        uint256 exact = amount * answer;
        if (loanDecimals >= down) {
            assertEq(value, exact * 10 ** (loanDecimals - down), "exact when the loan token has more decimals");
        } else {
            uint256 unit = 10 ** (down - loanDecimals);
            assertLe(value * unit, exact, "never more than the exact value");
            assertGt(value * unit + unit, exact, "less than one base unit below it");
        }
    }

    /// @notice More collateral, or a higher price, is never worth less.
    function testFuzz_FeedValue_Monotonic(
        uint256 amountSeed,
        uint256 extraSeed,
        uint256 answerSeed,
        uint256 decimalsSeed
    ) public pure {
        uint256 amount = boundLog(amountSeed, 0, MAX_AMOUNT / 2);
        uint256 more = amount + boundLog(extraSeed, 0, MAX_AMOUNT / 2);
        uint256 answer = boundLog(answerSeed, 1, MAX_ANSWER / 2);
        (uint256 cd, uint256 fd, uint256 ld) = _decimals(decimalsSeed);
        uint256 base = CollateralMath.feedValue(amount, answer, cd, fd, ld);
        assertLe(base, CollateralMath.feedValue(more, answer, cd, fd, ld), "more collateral is worth no less");
        assertLe(base, CollateralMath.feedValue(amount, answer * 2, cd, fd, ld), "a higher price is worth no less");
    }

    /// @notice A threshold crossed stays crossed at a higher debt, a lower value or a lower threshold; "exceeds" is
    /// "crosses" without equality.
    function testFuzz_Crosses_MonotonicAndExceedsIsStrict(
        uint256 debtSeed,
        uint256 valueSeed,
        uint256 bpsSeed,
        uint256 stepSeed
    ) public pure {
        uint256 debt = boundLog(debtSeed, 0, MAX_AMOUNT);
        uint256 value = boundLog(valueSeed, 0, MAX_AMOUNT);
        uint256 bps = bound(bpsSeed, 1, type(uint16).max);
        uint256 step = boundLog(stepSeed, 1, MAX_AMOUNT);
        bool crossed = CollateralMath.crosses(debt, value, bps);
        if (crossed) {
            assertTrue(CollateralMath.crosses(debt + step, value, bps), "still crossed at a higher debt");
            assertTrue(CollateralMath.crosses(debt, value / 2, bps), "still crossed at a lower value");
            assertTrue(CollateralMath.crosses(debt, value, bps / 2 + 1), "still crossed at a lower threshold");
        }
        bool equal = debt * 10_000 == value * bps;
        assertTrue(CollateralMath.exceeds(debt, value, bps) == (crossed && !equal), "exceeds is crosses less equality");
        if (value == 0 && debt != 0) assertTrue(crossed, "a debt against nothing crosses every threshold");
    }

    function _decimals(uint256 seed) private pure returns (uint256, uint256, uint256) {
        return (
            bound(derive(seed, 1), 0, MAX_DECIMALS),
            bound(derive(seed, 2), 0, MAX_DECIMALS / 2),
            bound(derive(seed, 3), 0, MAX_DECIMALS / 2)
        );
    }

    function assertTrue(bool condition, string memory property) private pure {
        assertEq(condition ? 1 : 0, 1, property);
    }
}
