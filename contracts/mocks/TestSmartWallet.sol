// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice An ERC-1271 smart wallet stand-in for tests (a multisig or an account-abstraction wallet, say): a
/// signature is valid for this wallet iff its owner EOA signed the hash.
contract TestSmartWallet is IERC1271 {
    /// @notice The EOA whose signatures this wallet accepts.
    address public immutable OWNER;

    constructor(address owner) {
        OWNER = owner;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        bool valid = err == ECDSA.RecoverError.NoError && recovered == OWNER;
        return valid ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
