// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice An ERC-721 collateral stand-in for local chains and tests (a tokenized vehicle title, say).
contract TestCollateralNft is ERC721 {
    constructor() ERC721("Test collateral", "TCOL") {}

    /// @notice Mints token `id` to `to`; anyone may, on a test chain.
    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}
