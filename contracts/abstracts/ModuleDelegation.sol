// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ModuleDelegation
/// @notice Runs a call in a module's code on this contract's state (delegatecall) and returns or reverts with exactly
/// what the module returned. LoanBook delegates to the enforcement module, which delegates to the views module.
abstract contract ModuleDelegation {
    /// @dev Delegates the whole calldata to `module` and ends the call with its result. Memory past the free memory
    /// pointer only, so it is memory-safe (and lets the compiler move stack to memory).
    function _delegate(address module) internal {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let pointer := mload(0x40)
            calldatacopy(pointer, 0, calldatasize())
            let success := delegatecall(gas(), module, pointer, calldatasize(), 0, 0)
            returndatacopy(pointer, 0, returndatasize())
            if iszero(success) {
                revert(pointer, returndatasize())
            }
            return(pointer, returndatasize())
        }
    }
}
