// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Penalty, Schedule} from "../types/DataTypes.sol";
import {PenaltyMath} from "../libraries/PenaltyMath.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";

/// @notice Test double: exposes the pure schedule and penalty libraries to off-chain tests and benchmarks.
contract ScheduleMathHarness {
    function schedule(Schedule.Terms calldata terms) external pure returns (Schedule.Installment[] memory) {
        return ScheduleMath.schedule(terms);
    }

    function installmentAt(
        Schedule.Terms calldata terms,
        uint256 number
    ) external pure returns (Schedule.Installment memory) {
        return ScheduleMath.installmentAt(terms, number);
    }

    function nextInstallment(
        Schedule.Terms calldata terms,
        uint256 payment,
        uint256 number,
        uint256 balanceBefore
    ) external pure returns (Schedule.Installment memory) {
        return ScheduleMath.nextInstallment(terms, payment, number, balanceBefore);
    }

    function annuityPayment(
        uint256 principal,
        uint256 rateBps,
        uint256 intervalSeconds,
        uint256 count
    ) external pure returns (uint256) {
        return ScheduleMath.annuityPayment(principal, rateBps, intervalSeconds, count);
    }

    function penaltyOf(
        Penalty.Terms calldata terms,
        uint128 unpaid,
        uint40 dueTime,
        uint40 asOf
    ) external pure returns (uint256) {
        return PenaltyMath.penaltyOf(terms, unpaid, dueTime, asOf);
    }
}
