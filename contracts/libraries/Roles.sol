// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Roles
/// @notice The loan book's AccessControl roles, named once for LoanBook and its enforcement module.
library Roles {
    /// @dev Lenders: publish templates, originate from their own, register their bank-feed signers.
    bytes32 internal constant LENDER = keccak256("LENDER_ROLE");
    /// @dev Registered notaries: notarize, certify defaults, decide objections.
    bytes32 internal constant NOTARY = keccak256("NOTARY_ROLE");
    /// @dev Registered mediators (a mediation committee, an internet court's mediator): decide objections.
    bytes32 internal constant MEDIATOR = keccak256("MEDIATOR_ROLE");
}
