// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice The one cheatcode these tests use. forge-std is not installed (it is not on npm), so the interface is
/// declared here; Hardhat's Solidity test runner serves it at the usual cheatcode address.
interface IVm {
    /// @notice The next external call must revert with exactly `revertData` (selector and arguments).
    function expectRevert(bytes calldata revertData) external;
}

/// @title FuzzHelpers
/// @notice Input shaping and assertions for the fuzz tests of the pure libraries.
/// @dev Assertions revert with a custom error that carries the property and both values, so a failing run reports
/// e.g. `Fuzz_NotEqual("principal parts sum to P", 99, 100)` next to the counterexample.
abstract contract FuzzHelpers {
    /// @notice The cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
    IVm internal constant VM = IVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice Thrown when `actual` is not equal to `expected`.
    error Fuzz_NotEqual(string property, uint256 actual, uint256 expected);

    /// @notice Thrown when `actual` is above `limit`.
    error Fuzz_AboveLimit(string property, uint256 actual, uint256 limit);

    /// @notice Thrown when `actual` is not strictly above `floor`.
    error Fuzz_NotAbove(string property, uint256 actual, uint256 floor);

    /// @notice Thrown by `bound` when asked for an empty range.
    error Fuzz_EmptyRange(uint256 min, uint256 max);

    /*//////////////////////////////////////////////////////////////
                               ASSERTIONS
    //////////////////////////////////////////////////////////////*/

    function assertEq(uint256 actual, uint256 expected, string memory property) internal pure {
        if (actual != expected) revert Fuzz_NotEqual(property, actual, expected);
    }

    function assertLe(uint256 actual, uint256 limit, string memory property) internal pure {
        if (actual > limit) revert Fuzz_AboveLimit(property, actual, limit);
    }

    function assertGt(uint256 actual, uint256 floor, string memory property) internal pure {
        if (actual <= floor) revert Fuzz_NotAbove(property, actual, floor);
    }

    /*//////////////////////////////////////////////////////////////
                             INPUT SHAPING
    //////////////////////////////////////////////////////////////*/

    /// @notice `x` mapped into [min, max]. A value already inside is kept; the smallest and largest raw values
    /// (which the fuzzer tries often) land on the ends of the range; anything else wraps around.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert Fuzz_EmptyRange(min, max);
        if (x >= min && x <= max) return x;
        // Cannot overflow: [min, max] is not the whole uint256 range, or x would be inside it.
        uint256 size = max - min + 1;
        if (x < 4 && x < size) return min + x;
        uint256 fromTop = type(uint256).max - x;
        if (fromTop < 4 && fromTop < size) return max - fromTop;
        return min + (x % size);
    }

    /// @notice A value in [min, max] whose bit length is uniform rather than the value itself: small amounts are
    /// as likely as huge ones, and the whole range stays reachable. Uses the low byte of `x` to pick the length.
    function boundLog(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert Fuzz_EmptyRange(min, max);
        uint256 bits = bound(x & 0xff, 1, Math.log2(max) + 1);
        uint256 top = bits == 256 ? type(uint256).max : (1 << bits) - 1;
        return bound(x >> 8, min, Math.max(min, Math.min(top, max)));
    }

    /// @notice A value in [min, max] that is `min` one time in eight and `max` one time in eight, uniform otherwise.
    function boundEdges(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        uint256 pick = x % 8;
        if (pick == 0) return min;
        if (pick == 1) return max;
        return bound(x >> 3, min, max);
    }

    /// @notice A deterministic pseudo-random word derived from a fuzz seed and a salt.
    function derive(uint256 seed, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }

    /// @notice round-half-up(x / d), written independently of the library's `Rounding.divHalfUp`:
    /// floor((2x + d) / 2d) = floor(x / d + 1/2). `x` must be below 2^255.
    function halfUp(uint256 x, uint256 d) internal pure returns (uint256) {
        return (2 * x + d) / (2 * d);
    }
}
