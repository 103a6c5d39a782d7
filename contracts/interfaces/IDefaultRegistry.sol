// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDefaultRegistry
/// @notice The shared default registry of several loan books (several lenders): which identity commitments have an
/// open default and which collateral is pledged to an open loan, with any of them. No personal data: an identity is a
/// keyed hash only the parties holding the identity and the consortium key can recompute.
interface IDefaultRegistry {
    event BookAdded(address indexed book, address indexed admin);
    event BookRemoved(address indexed book, address indexed admin);
    /// @notice A lender allowed or disallowed `reporter` to enroll its loans.
    event ReporterSet(address indexed lender, address indexed reporter, bool allowed);
    /// @notice The loan's lender bound the loan to an identity commitment (once).
    event IdentityEnrolled(address indexed book, uint256 indexed loanId, bytes32 indexed identity);
    /// @notice A sync opened or closed the loan's default entry.
    event DefaultEntry(address indexed book, uint256 indexed loanId, bytes32 indexed identity, bool open);
    /// @notice A sync opened or closed the loan's pledge entry of collateral `key`.
    event PledgeEntry(address indexed book, uint256 indexed loanId, bytes32 indexed key, bool open);
    /// @notice A sync found collateral `key` of `book`'s loan already pledged to another open loan (a double pledge).
    event DoublePledge(bytes32 indexed key, address heldByBook, uint256 heldByLoan, address book, uint256 loanId);

    error DefaultRegistry_NotAMember(address book);
    error DefaultRegistry_AlreadyMember(address book);
    error DefaultRegistry_NotLoanLender(address book, uint256 loanId, address caller);
    error DefaultRegistry_AlreadyEnrolled(address book, uint256 loanId, bytes32 identity);
    error DefaultRegistry_ZeroIdentity();
    /// @notice The attesting account holds no notary role on the book, or is a party to the loan.
    error DefaultRegistry_NotANotary(address book, address account);
    /// @notice The attestation is not the notary's signature of the borrower's identity commitment.
    error DefaultRegistry_InvalidAttestation(address notary);

    /// @notice How many loans, with any member book, hold an open default of `identity`.
    function openDefaults(bytes32 identity) external view returns (uint256);

    /// @notice The open loan collateral `key` (a book's `collateralKey`) is pledged to, or (0, 0).
    function pledgeOf(bytes32 key) external view returns (address book, uint256 loanId);
}
