// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Loans} from "../types/DataTypes.sol";

/// @title LoanStorage
/// @notice The loan book's state, in one ERC-7201 namespace. LoanBook and its enforcement module (which LoanBook
/// reaches by delegatecall) both read and write it here, and nowhere else: neither declares a state variable of its
/// own except LoanBook's OpenZeppelin bases (ERC-721, AccessControl, nonces, pause), which the module never touches.
library LoanStorage {
    /// @custom:storage-location erc7201:loanbook.storage.LoanBook
    struct Layout {
        uint256 templateCount;
        uint256 loanCount;
        mapping(uint256 templateId => Loans.Template) templates;
        mapping(uint256 templateId => Loans.PlanEntry[]) plans;
        mapping(uint256 loanId => Loans.Loan) loans;
        mapping(uint256 loanId => Loans.Collateral) collateral;
        mapping(bytes32 collateralKey => uint256 loanId) pledgedTo;
        mapping(uint256 loanId => Loans.Case) cases;
        mapping(uint256 loanId => Loans.CommitmentEntry[]) commitments;
        mapping(address lender => mapping(address signer => bool)) bankSigners;
        mapping(bytes32 bankReferenceHash => uint256 loanId) bankReferences;
        /// Unordered nonces of enforcement messages, 256 a word (Permit2-style bitmap).
        mapping(address signer => mapping(uint256 wordPosition => uint256 bitmap)) nonceBitmaps;
        /// The collateral watch asked at origination and default (zero: none), and the auction house allowed to
        /// settle collateral sales (both set by the admin).
        address collateralWatch;
        address auctionHouse;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loanbook.storage.LoanBook")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SLOT = 0x389995cd2ab65645a14c65994ae4c2525dddb9181557beb596f98b9762567500;

    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := SLOT
        }
    }
}
