// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ILoanEnforcement} from "../interfaces/ILoanEnforcement.sol";
import {ILoanViews} from "../interfaces/ILoanViews.sol";
import {Roles} from "../libraries/Roles.sol";
import {Loans} from "../types/DataTypes.sol";

/// @title CollateralAuctions
/// @notice The auction house of one loan book (seed 001: collateral disposed of through an online auction, proceeds
/// first to the debt). In the Enforcement stage the claim holder starts a descending-price (Dutch) auction of the
/// escrowed collateral: the price falls in a straight line from the start price to the floor over the duration, and
/// the first bid at the current price buys it. Everyone sees the same price at the same time, so the auction is fair
/// without sealed bids or a bidding war. The book settles the sale (`settleCollateralSale`). The borrower may repay
/// until a bid lands: the loan settles, the collateral goes home and the auction closes. An off-chain asset sold
/// elsewhere is recorded with the sale result a notary attests.
contract CollateralAuctions is EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 type a notary signs for an off-chain asset's sale.
    bytes32 public constant OFF_CHAIN_SALE_TYPEHASH = keccak256(
        "OffChainSale(uint256 loanId,uint256 proceeds,bytes32 saleHash,uint256 deadline)"
    );

    /// @notice Bounds of an auction's length.
    uint256 public constant MIN_DURATION = 1 hours;
    uint256 public constant MAX_DURATION = 30 days;

    /// @notice A live or past auction (one slot and a half).
    struct Auction {
        uint128 startPrice;
        uint128 floorPrice;
        uint40 startedAt;
        uint40 endsAt;
        address seller;
    }

    event AuctionStarted(
        uint256 indexed loanId,
        address indexed seller,
        uint256 startPrice,
        uint256 floorPrice,
        uint256 startedAt,
        uint256 endsAt
    );
    event AuctionCancelled(uint256 indexed loanId, address indexed seller);
    event AuctionSold(uint256 indexed loanId, address indexed buyer, uint256 price, uint256 debtLeft);
    event OffChainSaleRecorded(
        uint256 indexed loanId,
        address indexed notary,
        uint256 proceeds,
        bytes32 saleHash,
        uint256 debtLeft
    );

    error Auction_NotClaimHolder(uint256 loanId, address caller);
    error Auction_NotInEnforcement(uint256 loanId);
    error Auction_NoCollateral(uint256 loanId);
    error Auction_InvalidPrices(uint256 startPrice, uint256 floorPrice);
    error Auction_InvalidDuration(uint256 duration);
    error Auction_AlreadyLive(uint256 loanId, uint256 endsAt);
    error Auction_NotFound(uint256 loanId);
    /// @notice The auction's time is over (a bid after the end).
    error Auction_Ended(uint256 loanId, uint256 endsAt);
    /// @notice The loan left enforcement (repaid, settled) or its claim changed hands: the auction is void.
    error Auction_Closed(uint256 loanId);
    error Auction_PriceAboveLimit(uint256 price, uint256 maxPrice);
    error Auction_NotANotary(address signer);
    error Auction_InvalidSignature(address signer);
    error Auction_SignatureExpired(uint256 deadline);

    /// @notice The loan book whose collateral this house sells.
    // solhint-disable-next-line immutable-vars-naming
    ILoanViews public immutable book;

    mapping(uint256 loanId => Auction) private _auctions;

    constructor(ILoanViews book_) EIP712("CollateralAuctions", "1") {
        book = book_;
    }

    /// @notice Starts a descending-price auction of loan `loanId`'s escrowed collateral (claim holder only, in the
    /// Enforcement stage): from `startPrice` down to `floorPrice`, in the loan's token, over `duration` seconds.
    function start(uint256 loanId, uint128 startPrice, uint128 floorPrice, uint256 duration) external {
        _requireEnforcement(loanId, msg.sender);
        Loans.CollateralKind kind = _kindOf(loanId);
        if (
            (kind != Loans.CollateralKind.ERC20 && kind != Loans.CollateralKind.ERC721) ||
            book.collateralOf(loanId).token == address(0)
        ) revert Auction_NoCollateral(loanId);
        if (floorPrice == 0 || startPrice < floorPrice) revert Auction_InvalidPrices(startPrice, floorPrice);
        if (duration < MIN_DURATION || duration > MAX_DURATION) revert Auction_InvalidDuration(duration);
        Auction storage auction = _auctions[loanId];
        // Only the caller's own live auction blocks a new one: one started by a former claim holder is void (`bid`
        // refuses it), and must not hold up the new holder until its end.
        if (auction.seller == msg.sender && block.timestamp <= auction.endsAt) {
            revert Auction_AlreadyLive(loanId, auction.endsAt);
        }
        uint256 endsAt = block.timestamp + duration;
        _auctions[loanId] = Auction(startPrice, floorPrice, uint40(block.timestamp), uint40(endsAt), msg.sender);
        emit AuctionStarted(loanId, msg.sender, startPrice, floorPrice, block.timestamp, endsAt);
    }

    /// @notice Cancels loan `loanId`'s auction (its seller only).
    function cancel(uint256 loanId) external {
        Auction storage auction = _auctions[loanId];
        if (auction.seller == address(0)) revert Auction_NotFound(loanId);
        if (auction.seller != msg.sender) revert Auction_NotClaimHolder(loanId, msg.sender);
        delete _auctions[loanId];
        emit AuctionCancelled(loanId, msg.sender);
    }

    /// @notice Buys loan `loanId`'s collateral at the current price, if it is at most `maxPrice` (the caller approves
    /// the book's token to this contract). The price goes to the book, which pays the debt and the borrower's surplus.
    function bid(uint256 loanId, uint256 maxPrice) external nonReentrant returns (uint256 price) {
        Auction memory auction = _auctions[loanId];
        if (auction.seller == address(0)) revert Auction_NotFound(loanId);
        if (block.timestamp > auction.endsAt) revert Auction_Ended(loanId, auction.endsAt);
        if (!_inEnforcement(loanId) || IERC721(address(book)).ownerOf(loanId) != auction.seller) {
            revert Auction_Closed(loanId);
        }
        price = _priceAt(auction, block.timestamp);
        if (price > maxPrice) revert Auction_PriceAboveLimit(price, maxPrice);
        delete _auctions[loanId];
        IERC20 token = book.templateOf(book.loanOf(loanId).templateId).token;
        token.safeTransferFrom(msg.sender, address(book), price);
        uint256 debtLeft = ILoanEnforcement(address(book)).settleCollateralSale(loanId, msg.sender, price, bytes32(0));
        emit AuctionSold(loanId, msg.sender, price, debtLeft);
    }

    /// @notice Records the sale of loan `loanId`'s off-chain asset for `proceeds` (claim holder only, in the
    /// Enforcement stage), as a registered notary attests it (EIP-712 `OffChainSale`, `saleHash` the sale record's
    /// hash). The proceeds pay the debt; a surplus is owed to the borrower off chain (in the book's event).
    function recordOffChainSale(
        uint256 loanId,
        uint256 proceeds,
        bytes32 saleHash,
        address notary,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant returns (uint256 debtLeft) {
        _requireEnforcement(loanId, msg.sender);
        if (block.timestamp > deadline) revert Auction_SignatureExpired(deadline);
        if (!IAccessControl(address(book)).hasRole(Roles.NOTARY, notary)) revert Auction_NotANotary(notary);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(OFF_CHAIN_SALE_TYPEHASH, loanId, proceeds, saleHash, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(notary, digest, signature)) revert Auction_InvalidSignature(notary);
        // One sale per asset: the book frees the pledge, so a replay finds no collateral (Auction_NoCollateral).
        if (_kindOf(loanId) != Loans.CollateralKind.OffChain || book.collateralOf(loanId).assetHash == bytes32(0)) {
            revert Auction_NoCollateral(loanId);
        }
        debtLeft = ILoanEnforcement(address(book)).settleCollateralSale(loanId, address(0), proceeds, saleHash);
        emit OffChainSaleRecorded(loanId, notary, proceeds, saleHash, debtLeft);
    }

    /// @notice Loan `loanId`'s auction (seller zero: none).
    function auctionOf(uint256 loanId) external view returns (Auction memory) {
        return _auctions[loanId];
    }

    /// @notice What a bid on loan `loanId` pays now; reverts like `bid` when none can be made.
    function priceOf(uint256 loanId) external view returns (uint256) {
        Auction memory auction = _auctions[loanId];
        if (auction.seller == address(0)) revert Auction_NotFound(loanId);
        if (block.timestamp > auction.endsAt) revert Auction_Ended(loanId, auction.endsAt);
        if (!_inEnforcement(loanId)) revert Auction_Closed(loanId);
        return _priceAt(auction, block.timestamp);
    }

    /// @notice The EIP-712 domain separator of notaries' sale attestations.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev The straight line from the start price at `startedAt` to the floor at `endsAt`, rounded up (the seller
    /// never gets less than the line).
    function _priceAt(Auction memory auction, uint256 time) private pure returns (uint256) {
        uint256 elapsed = time - auction.startedAt;
        uint256 duration = uint256(auction.endsAt) - auction.startedAt;
        uint256 drop = uint256(auction.startPrice) - auction.floorPrice;
        // drop * elapsed / duration, rounded down, so the price is rounded up.
        return auction.startPrice - (drop * elapsed) / duration;
    }

    function _kindOf(uint256 loanId) private view returns (Loans.CollateralKind) {
        return book.templateOf(book.loanOf(loanId).templateId).collateralKind;
    }

    function _inEnforcement(uint256 loanId) private view returns (bool) {
        return book.statusOf(loanId) == Loans.Status.Certified && book.caseOf(loanId).stage == Loans.Stage.Enforcement;
    }

    function _requireEnforcement(uint256 loanId, address caller) private view {
        if (IERC721(address(book)).ownerOf(loanId) != caller) revert Auction_NotClaimHolder(loanId, caller);
        if (!_inEnforcement(loanId)) revert Auction_NotInEnforcement(loanId);
    }
}
