// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {ILoanBook} from "../interfaces/ILoanBook.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title NotaryRegistry
/// @notice The notaries whose signatures notarize loans: the admin adds each with the hash of its office's
/// identifier and can revoke it. A notary holds `NOTARY_ROLE`, which only this registry grants or revokes.
abstract contract NotaryRegistry is AccessControl, ILoanBook {
    /// @notice Held by registered notaries.
    bytes32 public constant NOTARY_ROLE = Roles.NOTARY;
    /// @notice Admin role of `NOTARY_ROLE`, held by nobody, so that `grantRole` cannot skip the registry.
    bytes32 private constant NOTARY_REGISTRY_ONLY = keccak256("NOTARY_REGISTRY_ONLY");

    /// @notice The office identifier hash of each registered notary (zero when not registered).
    mapping(address notary => bytes32 officeIdHash) public notaryOffice;

    constructor() {
        _setRoleAdmin(NOTARY_ROLE, NOTARY_REGISTRY_ONLY);
        // And nobody administers that role either, or the admin could grant it to itself and skip the registry.
        _setRoleAdmin(NOTARY_REGISTRY_ONLY, NOTARY_REGISTRY_ONLY);
    }

    /// @inheritdoc ILoanBook
    function addNotary(address notary, bytes32 officeIdHash) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (officeIdHash == bytes32(0)) revert LoanBook_ZeroOfficeId();
        notaryOffice[notary] = officeIdHash;
        _grantRole(NOTARY_ROLE, notary);
        emit NotaryAdded(notary, officeIdHash, msg.sender);
    }

    /// @inheritdoc ILoanBook
    function revokeNotary(address notary) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!hasRole(NOTARY_ROLE, notary)) revert LoanBook_NotANotary(notary);
        _revokeRole(NOTARY_ROLE, notary);
        emit NotaryRevoked(notary, msg.sender);
    }

    /// @dev A notary that renounces its role leaves the registry too.
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == NOTARY_ROLE) delete notaryOffice[account];
    }
}
