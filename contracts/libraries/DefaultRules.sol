// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title DefaultRules
/// @notice When a loan may be declared in default, from its template's trigger and its installments' due times.
/// A trigger is two optional conditions, either of which suffices:
/// - days past due: the oldest unpaid installment is at least `daysPastDue` whole days past its due time;
/// - missed installments: at least `missedInstallments` installments are past their due time and unpaid (an
///   installment is missed from the second after its due time), or all of them when fewer are left.
library DefaultRules {
    /// @notice The first moment the trigger holds if nothing more is paid.
    /// @param oldestDueTime    Due time of the oldest unpaid installment.
    /// @param nthUnpaidDueTime Due time of the `missedInstallments`-th unpaid installment, or of the last one when
    ///                         fewer are left (0 when the template has no missed-installments trigger).
    function eligibleAt(
        uint256 oldestDueTime,
        uint256 nthUnpaidDueTime,
        uint256 daysPastDue,
        uint256 missedInstallments
    ) internal pure returns (uint256 at) {
        if (daysPastDue != 0) at = oldestDueTime + daysPastDue * 1 days;
        if (missedInstallments != 0 && nthUnpaidDueTime != 0) {
            uint256 missedAt = nthUnpaidDueTime + 1;
            at = at == 0 ? missedAt : Math.min(at, missedAt);
        }
    }

    /// @notice Whether the trigger holds at `now_`.
    function isTriggered(uint256 eligibleAt_, uint256 now_) internal pure returns (bool) {
        return eligibleAt_ != 0 && now_ >= eligibleAt_;
    }
}
