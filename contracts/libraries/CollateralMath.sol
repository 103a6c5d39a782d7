// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title CollateralMath
/// @notice The two collateral rules, written once (docs/rounding.md) and mirrored by
/// `keeper/src/core/collateralMath.ts` (`test/vectors/collateral.json` proves them equal):
/// - a price feed's value of an ERC-20 amount, in the loan token's base units, rounded down (the lender never counts
///   more collateral than there is): floor(amount * answer * 10^loanDecimals / 10^(collateralDecimals + feedDecimals));
/// - a loan-to-value threshold of `bps` is crossed (margin rules) when debt * 10,000 >= bps * value, and exceeded
///   (origination limit) when debt * 10,000 > bps * value: no division, so no rounding; a debt against a value of 0
///   crosses every threshold.
library CollateralMath {
    /// @notice A feed or token reported more decimals than the math supports (10^77 is the largest power of ten in a
    /// word).
    error CollateralMath_TooManyDecimals(uint256 decimals);

    /// @notice The value of `amount` base units of a token of `collateralDecimals` decimals, at a feed `answer` (the
    /// price of one whole collateral token in whole loan tokens, with `feedDecimals` decimals), in base units of a loan
    /// token of `loanDecimals` decimals, rounded down. Reverts on overflow (Math.mulDiv, checked multiplication).
    function feedValue(
        uint256 amount,
        uint256 answer,
        uint256 collateralDecimals,
        uint256 feedDecimals,
        uint256 loanDecimals
    ) internal pure returns (uint256) {
        uint256 down = collateralDecimals + feedDecimals;
        if (down > 77) revert CollateralMath_TooManyDecimals(down);
        if (loanDecimals > 77) revert CollateralMath_TooManyDecimals(loanDecimals);
        if (down >= loanDecimals) return Math.mulDiv(amount, answer, 10 ** (down - loanDecimals));
        return amount * answer * 10 ** (loanDecimals - down);
    }

    /// @notice Whether `debt` against `value` reaches a loan-to-value of `bps` (basis points).
    function crosses(uint256 debt, uint256 value, uint256 bps) internal pure returns (bool) {
        (uint256 debtSide, uint256 valueSide) = _sides(debt, value, bps);
        return debtSide >= valueSide;
    }

    /// @notice Whether `debt` against `value` is above a loan-to-value of `bps`.
    function exceeds(uint256 debt, uint256 value, uint256 bps) internal pure returns (bool) {
        (uint256 debtSide, uint256 valueSide) = _sides(debt, value, bps);
        return debtSide > valueSide;
    }

    /// @dev debt * 10,000 and value * bps, each saturating at 2^256 - 1 (a product that large is beyond any debt or
    /// value a token can hold, so saturation never changes a comparison that matters).
    function _sides(uint256 debt, uint256 value, uint256 bps) private pure returns (uint256, uint256) {
        return (Math.saturatingMul(debt, 10_000), Math.saturatingMul(value, bps));
    }
}
