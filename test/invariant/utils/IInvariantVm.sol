// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The cheatcodes the invariant tests use. forge-std is not installed (it is not on npm), so the interface is
/// declared here, as test/fuzz/utils/FuzzHelpers.sol does; Hardhat's Solidity test runner serves it at the usual
/// cheatcode address.
interface IInvariantVm {
    /// @notice A log recorded by `recordLogs` (Foundry's `Vm.Log` layout).
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice The address of the account with private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice A secp256k1 signature of `digest` by `privateKey` (low-s, as OpenZeppelin's ECDSA requires).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Sets `block.timestamp`; in an invariant campaign it persists across the handler's calls.
    function warp(uint256 newTimestamp) external;

    /// @notice The next call is made with `msg.sender == sender`.
    function prank(address sender) external;

    /// @notice Starts recording the logs of the calls that follow (and forgets any recorded before).
    function recordLogs() external;

    /// @notice The logs recorded since `recordLogs` (or the last read), which it then forgets.
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// @notice A target contract and the functions of it the invariant fuzzer may call: the runner reads an array of
/// these from the test contract's `targetSelectors()` (Foundry's StdInvariant layout, which EDR follows).
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}
