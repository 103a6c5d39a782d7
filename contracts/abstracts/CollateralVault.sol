// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {Loans} from "../types/DataTypes.sol";
import {LoanLedger} from "./LoanLedger.sol";

/// @title CollateralVault
/// @notice Collateral of open loans: ERC-20 amounts and ERC-721 tokens held in escrow, off-chain assets recorded by
/// the hash of their identifier. A registry refuses a second pledge of the same ERC-721 token or off-chain asset
/// while the loan holding it is open; everything returns to the borrower on full repayment, or goes to the claim
/// holder in enforcement.
abstract contract CollateralVault is LoanLedger {
    using SafeERC20 for IERC20;

    /// @dev The registry key of an ERC-721 token or an off-chain asset (zero for ERC-20 amounts, which are fungible
    /// and held in escrow).
    function _collateralKey(
        Loans.CollateralKind kind,
        Loans.Collateral memory collateral
    ) internal pure returns (bytes32) {
        if (kind == Loans.CollateralKind.ERC721)
            return keccak256(abi.encode(kind, collateral.token, collateral.amountOrId));
        if (kind == Loans.CollateralKind.OffChain) return keccak256(abi.encode(kind, collateral.assetHash));
        return bytes32(0);
    }

    /// @dev Escrows or records `collateral` of `kind` for loan `loanId`, taking tokens from `borrower`.
    function _pledge(
        uint256 loanId,
        Loans.CollateralKind kind,
        address borrower,
        Loans.Collateral calldata collateral
    ) internal {
        if (kind == Loans.CollateralKind.None) {
            if (collateral.token != address(0) || collateral.amountOrId != 0 || collateral.assetHash != bytes32(0)) {
                revert LoanBook_InvalidCollateral(kind);
            }
            return;
        }
        bool onChain = kind != Loans.CollateralKind.OffChain;
        bool wellFormed =
            onChain
                ? collateral.token != address(0) &&
                    collateral.assetHash == bytes32(0) &&
                    (kind == Loans.CollateralKind.ERC721 || collateral.amountOrId != 0)
                : collateral.token == address(0) && collateral.amountOrId == 0 && collateral.assetHash != bytes32(0);
        if (!wellFormed) revert LoanBook_InvalidCollateral(kind);

        bytes32 key = _collateralKey(kind, collateral);
        if (key != bytes32(0)) {
            mapping(bytes32 => uint256) storage pledgedTo = _store().pledgedTo;
            uint256 holder = pledgedTo[key];
            if (holder != 0) revert LoanBook_CollateralAlreadyPledged(key, holder);
            pledgedTo[key] = loanId;
        }
        _store().collateral[loanId] = collateral;
        emit CollateralPledged(loanId, kind, collateral.token, collateral.amountOrId, collateral.assetHash);

        if (kind == Loans.CollateralKind.ERC20) {
            IERC20(collateral.token).safeTransferFrom(borrower, address(this), collateral.amountOrId);
        } else if (kind == Loans.CollateralKind.ERC721) {
            IERC721(collateral.token).transferFrom(borrower, address(this), collateral.amountOrId);
        }
    }

    /// @dev Returns loan `loanId`'s collateral of `kind` to `borrower` and frees its registry entry (the record
    /// stays, as evidence; nothing happens when the collateral was taken in enforcement).
    function _release(uint256 loanId, Loans.CollateralKind kind, address borrower) internal {
        if (kind == Loans.CollateralKind.None) return;
        Loans.Collateral memory collateral = _store().collateral[loanId];
        if (collateral.token == address(0) && collateral.assetHash == bytes32(0)) return;
        emit CollateralReleased(loanId, borrower);
        _transferCollateral(kind, collateral, borrower);
    }

    /// @dev Hands loan `loanId`'s collateral to the claim holder `to` in enforcement: the record and its registry
    /// entry are cleared, escrowed tokens transferred.
    function _seize(uint256 loanId, Loans.CollateralKind kind, address to) internal returns (Loans.Collateral memory) {
        Loans.Collateral memory collateral = _store().collateral[loanId];
        if (kind == Loans.CollateralKind.None || (collateral.token == address(0) && collateral.assetHash == bytes32(0)))
            revert LoanBook_NoCollateral(loanId);
        delete _store().collateral[loanId];
        _transferCollateral(kind, collateral, to);
        return collateral;
    }

    /// @dev Frees `collateral`'s registry entry and transfers escrowed tokens to `to`.
    function _transferCollateral(Loans.CollateralKind kind, Loans.Collateral memory collateral, address to) private {
        bytes32 key = _collateralKey(kind, collateral);
        if (key != bytes32(0)) delete _store().pledgedTo[key];
        if (kind == Loans.CollateralKind.ERC20) {
            IERC20(collateral.token).safeTransfer(to, collateral.amountOrId);
        } else if (kind == Loans.CollateralKind.ERC721) {
            IERC721(collateral.token).transferFrom(address(this), to, collateral.amountOrId);
        }
    }
}
