// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CollateralMath} from "../libraries/CollateralMath.sol";

/// @notice Test double: exposes the pure collateral library to the shared vectors (test/vectors/collateral.json).
contract CollateralMathHarness {
    function feedValue(
        uint256 amount,
        uint256 answer,
        uint256 collateralDecimals,
        uint256 feedDecimals,
        uint256 loanDecimals
    ) external pure returns (uint256) {
        return CollateralMath.feedValue(amount, answer, collateralDecimals, feedDecimals, loanDecimals);
    }

    function crosses(uint256 debt, uint256 value, uint256 bps) external pure returns (bool) {
        return CollateralMath.crosses(debt, value, bps);
    }

    function exceeds(uint256 debt, uint256 value, uint256 bps) external pure returns (bool) {
        return CollateralMath.exceeds(debt, value, bps);
    }
}
