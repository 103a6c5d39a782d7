// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";

/// @notice A Chainlink-shaped price feed for local chains and tests: whoever deploys it sets each round.
contract TestPriceFeed is IAggregatorV3 {
    /// @notice AggregatorV3Interface's `decimals()`, as a public immutable.
    // solhint-disable-next-line immutable-vars-naming
    uint8 public immutable decimals;
    address private immutable OWNER;
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _updatedAt;

    error TestPriceFeed_NotOwner();

    constructor(uint8 decimals_) {
        decimals = decimals_;
        OWNER = msg.sender;
    }

    /// @notice Publishes a round: `answer` observed at `updatedAt`.
    function setRound(int256 answer, uint256 updatedAt) external {
        if (msg.sender != OWNER) revert TestPriceFeed_NotOwner();
        ++_roundId;
        _answer = answer;
        _updatedAt = updatedAt;
    }

    function description() external pure returns (string memory) {
        return "TEST / USD";
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _updatedAt, _updatedAt, _roundId);
    }
}
