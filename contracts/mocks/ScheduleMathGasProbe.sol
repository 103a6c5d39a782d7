// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Penalty, Schedule} from "../types/DataTypes.sol";
import {PenaltyMath} from "../libraries/PenaltyMath.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";

/// @notice Benchmark double: builds terms in memory and reports the gas of one library call alone, as a contract
/// that calls the library internally pays it (no calldata, no ABI encoding of the result).
contract ScheduleMathGasProbe {
    uint128 private constant PRINCIPAL = 1_000_000e18;
    uint32 private constant RATE_BPS = 1200;
    uint32 private constant INTERVAL = 30 days;

    function scheduleGas(Schedule.Kind kind, uint16 count) external view returns (uint256 gasUsed) {
        Schedule.Terms memory terms = _terms(kind, count);
        uint256 start = gasleft();
        ScheduleMath.schedule(terms);
        gasUsed = start - gasleft();
    }

    function installmentAtGas(
        Schedule.Kind kind,
        uint16 count,
        uint256 number
    ) external view returns (uint256 gasUsed) {
        Schedule.Terms memory terms = _terms(kind, count);
        uint256 start = gasleft();
        ScheduleMath.installmentAt(terms, number);
        gasUsed = start - gasleft();
    }

    function nextInstallmentGas(
        Schedule.Kind kind,
        uint16 count,
        uint256 number
    ) external view returns (uint256 gasUsed) {
        Schedule.Terms memory terms = _terms(kind, count);
        uint256 start = gasleft();
        ScheduleMath.nextInstallment(terms, 0, number, PRINCIPAL);
        gasUsed = start - gasleft();
    }

    function annuityPaymentGas(uint16 count) external view returns (uint256 gasUsed) {
        uint256 start = gasleft();
        ScheduleMath.annuityPayment(PRINCIPAL, RATE_BPS, INTERVAL, count);
        gasUsed = start - gasleft();
    }

    function penaltyOfGas() external view returns (uint256 gasUsed) {
        Penalty.Terms memory terms = Penalty.Terms({
            graceSeconds: 3 days,
            rateBps: 1825,
            flatFee: 2_000,
            capBps: 1_000
        });
        uint256 start = gasleft();
        PenaltyMath.penaltyOf(terms, PRINCIPAL, 1_000 days, 1_030 days);
        gasUsed = start - gasleft();
    }

    /// @dev 1,000,000 tokens at 12% a year; a custom plan repays equal parts every 30 days.
    function _terms(Schedule.Kind kind, uint16 count) private pure returns (Schedule.Terms memory terms) {
        terms.kind = kind;
        terms.principal = PRINCIPAL;
        terms.rateBps = RATE_BPS;
        terms.count = count;
        if (kind != Schedule.Kind.Custom) {
            terms.intervalSeconds = INTERVAL;
            return terms;
        }
        terms.dueOffsets = new uint40[](count);
        terms.principals = new uint128[](count);
        uint128 part = PRINCIPAL / count;
        for (uint256 i; i < count; ++i) {
            terms.dueOffsets[i] = uint40((i + 1) * INTERVAL);
            terms.principals[i] = i == count - 1 ? PRINCIPAL - part * (count - 1) : part;
        }
    }
}
