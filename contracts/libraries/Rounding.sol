// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Rounding
/// @notice The one rounding rule of the schedule and penalty math: round half up (a remainder of at least half the
/// divisor rounds up). docs/rounding.md states it; keeper/src/core/rounding.ts mirrors it.
library Rounding {
    /// @notice `x / d` rounded half up. `d` must not be 0.
    function divHalfUp(uint256 x, uint256 d) internal pure returns (uint256) {
        uint256 quotient = x / d;
        uint256 remainder = x % d;
        // remainder >= d - remainder  <=>  remainder / d >= 1/2, written so that nothing can overflow.
        return remainder >= d - remainder ? quotient + 1 : quotient;
    }

    /// @notice `x * y / d` with a 512-bit intermediate product, rounded half up. `d` must not be 0.
    function mulDivHalfUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        uint256 quotient = Math.mulDiv(x, y, d);
        uint256 remainder = mulmod(x, y, d);
        return remainder >= d - remainder ? quotient + 1 : quotient;
    }
}
