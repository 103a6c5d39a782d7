// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";
import {ICollateralWatch} from "../interfaces/ICollateralWatch.sol";
import {IDefaultRegistry} from "../interfaces/IDefaultRegistry.sol";
import {ILoanViews} from "../interfaces/ILoanViews.sol";
import {CollateralMath} from "../libraries/CollateralMath.sol";
import {Roles} from "../libraries/Roles.sol";
import {Valuations} from "../types/CollateralTypes.sol";
import {Loans} from "../types/DataTypes.sol";

/// @title CollateralWatch
/// @notice Watches the collateral of one loan book (seed 001's post-loan management). Per template, its lender sets
/// once where the value comes from (a Chainlink-shaped price feed for ERC-20 collateral, or EIP-712 attestations from
/// its registered appraisers and tracking gateways) and the margin rules: a warning and a default loan-to-value, how
/// old a value may be, how long a tracker may stay silent. A stale value is unknown, never good: it neither declares
/// a default nor keeps a loan safe. LoanBook's `declareDefault` asks `defaultReason` (a second trigger beside days
/// past due, so anyone may declare it); `originate` asks `checkOrigination`.
contract CollateralWatch is ICollateralWatch, EIP712 {
    /// @notice EIP-712 type an appraiser or tracking gateway signs.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 assetHash,uint256 value,uint8 status,uint64 observedAt)"
    );

    /// @notice The loan book watched.
    // solhint-disable-next-line immutable-vars-naming
    ILoanViews public immutable book;

    /// @notice The shared default registry consulted at origination (zero: none).
    // solhint-disable-next-line immutable-vars-naming
    IDefaultRegistry public immutable registry;

    /// @notice The decimals a price-feed template's values are computed with: read once, when its terms are set (a
    /// token's and a feed's decimals do not change), so no valuation calls three contracts for them again.
    struct Scale {
        uint8 collateral;
        uint8 feed;
        uint8 loan;
    }

    mapping(uint256 templateId => Valuations.Terms) private _terms;
    mapping(uint256 templateId => Scale) private _scales;
    mapping(address lender => mapping(address appraiser => bool)) private _appraisers;
    mapping(address lender => mapping(bytes32 assetHash => Valuations.Record)) private _records;
    /// The observation time of each loan's last margin call (one call per observation).
    mapping(uint256 loanId => uint256 observedAt) private _calledAt;

    constructor(ILoanViews book_, IDefaultRegistry registry_) EIP712("CollateralWatch", "1") {
        if (address(book_).code.length == 0) revert CollateralWatch_ZeroAddress();
        book = book_;
        registry = registry_;
    }

    /*//////////////////////////////////////////////////////////////
                                  SETUP
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets template `templateId`'s valuation terms, once (its lender only): a loan's terms never change.
    function setValuationTerms(uint256 templateId, Valuations.Terms calldata terms) external {
        Loans.Template memory template_ = book.templateOf(templateId);
        if (template_.lender != msg.sender) revert CollateralWatch_NotTemplateLender(templateId, msg.sender);
        if (_terms[templateId].source != Valuations.Source.None) revert CollateralWatch_TermsAlreadySet(templateId);
        if (!_validTerms(template_.collateralKind, terms)) revert CollateralWatch_InvalidTerms(templateId);
        _terms[templateId] = terms;
        if (terms.source == Valuations.Source.PriceFeed) {
            _scales[templateId] = Scale(
                IERC20Metadata(terms.asset).decimals(),
                IAggregatorV3(terms.feed).decimals(),
                IERC20Metadata(address(template_.token)).decimals()
            );
        }
        emit ValuationTermsSet(templateId, msg.sender, terms);
    }

    /// @notice Allows or disallows `appraiser` to attest values for the caller's collateral. Allowing needs the
    /// lender role on the book; disallowing never does.
    function setAppraiser(address appraiser, bool allowed) external {
        if (allowed && !IAccessControl(address(book)).hasRole(Roles.LENDER, msg.sender)) {
            revert CollateralWatch_NotALender(msg.sender);
        }
        if (appraiser == address(0)) revert CollateralWatch_ZeroAddress();
        _appraisers[msg.sender][appraiser] = allowed;
        emit AppraiserSet(msg.sender, appraiser, allowed);
    }

    /*//////////////////////////////////////////////////////////////
                               ATTESTATIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Records `attestation`, signed by `appraiser` (EOA or ERC-1271) for `lender`'s collateral. Anyone may
    /// submit it. Each is newer than the last of the same asset, so a replayed one is refused; the domain names this
    /// contract and the chain. A margin call it causes is emitted by `callMargin`.
    function submitValuation(
        address lender,
        address appraiser,
        Valuations.Attestation calldata attestation,
        bytes calldata signature
    ) external {
        if (!_appraisers[lender][appraiser]) revert CollateralWatch_NotAnAppraiser(lender, appraiser);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH,
                    attestation.assetHash,
                    attestation.value,
                    attestation.status,
                    attestation.observedAt
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(appraiser, digest, signature)) {
            revert CollateralWatch_InvalidSignature(appraiser);
        }
        if (
            attestation.assetHash == bytes32(0) ||
            attestation.status == Valuations.AssetStatus.None ||
            attestation.value > type(uint128).max
        ) revert CollateralWatch_InvalidAttestation();
        if (attestation.observedAt > block.timestamp) revert CollateralWatch_ObservedInFuture(attestation.observedAt);
        Valuations.Record storage record = _records[lender][attestation.assetHash];
        if (attestation.observedAt <= record.observedAt) {
            revert CollateralWatch_NotNewer(attestation.observedAt, record.observedAt);
        }
        record.value = uint128(attestation.value);
        record.observedAt = attestation.observedAt;
        record.status = attestation.status;
        emit ValuationRecorded(
            lender,
            attestation.assetHash,
            appraiser,
            attestation.value,
            attestation.status,
            attestation.observedAt
        );
    }

    /*//////////////////////////////////////////////////////////////
                                 MARGIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Emits `MarginCall` for loan `loanId` when it is at or past its warning loan-to-value, or has a default
    /// trigger on its collateral; once per observation. Anyone may call it (the keeper does, then writes to the
    /// borrower).
    function callMargin(uint256 loanId) external {
        (Valuations.Margin margin, uint256 debt, uint256 value, uint256 observedAt) = marginOf(loanId);
        if (margin < Valuations.Margin.Warning) revert CollateralWatch_NoMarginCall(loanId, margin);
        // An alarm without a fresh value is called once per loan (observation 0 stands for "none").
        uint256 key = observedAt == 0 ? type(uint256).max : observedAt;
        if (_calledAt[loanId] == key) revert CollateralWatch_AlreadyCalled(loanId, observedAt);
        _calledAt[loanId] = key;
        emit MarginCall(loanId, margin, debt, value, observedAt, msg.sender);
    }

    /// @notice Loan `loanId`'s margin standing now, with the debt (`payoffAmount`), the collateral's value and when it
    /// was observed (0 when unknown). Tracker alarms come first: they hold without a fresh value.
    function marginOf(
        uint256 loanId
    ) public view returns (Valuations.Margin margin, uint256 debt, uint256 value, uint256 observedAt) {
        Loans.Loan memory loan = book.loanOf(loanId);
        Valuations.Terms storage terms = _terms[loan.templateId];
        if (terms.source == Valuations.Source.None) return (Valuations.Margin.None, 0, 0, 0);
        Loans.Status status = book.statusOf(loanId);
        if (status != Loans.Status.Active && status != Loans.Status.Late) return (Valuations.Margin.None, 0, 0, 0);
        Loans.Template memory template_ = book.templateOf(loan.templateId);
        Loans.Collateral memory collateral = book.collateralOf(loanId);
        debt = book.payoffAmount(loanId);

        Valuations.AssetStatus assetStatus;
        bool known;
        (value, observedAt, assetStatus, known) = _valueOf(loan.templateId, template_, terms, collateral);
        if (assetStatus == Valuations.AssetStatus.Moved)
            return (Valuations.Margin.TrackerMoved, debt, value, observedAt);
        if (terms.silenceSeconds != 0) {
            uint256 lastHeard = observedAt > loan.startTime ? observedAt : loan.startTime;
            if (block.timestamp - lastHeard > terms.silenceSeconds) {
                return (Valuations.Margin.TrackerSilent, debt, value, observedAt);
            }
        }
        if (!known) return (Valuations.Margin.Unknown, debt, 0, 0);
        if (CollateralMath.crosses(debt, value, terms.defaultLtvBps)) margin = Valuations.Margin.Default;
        else if (CollateralMath.crosses(debt, value, terms.warningLtvBps)) margin = Valuations.Margin.Warning;
        else margin = Valuations.Margin.Safe;
    }

    /// @inheritdoc ICollateralWatch
    function defaultReason(uint256 loanId) external view returns (Valuations.Margin margin) {
        (margin, , , ) = marginOf(loanId);
        if (margin < Valuations.Margin.Default) margin = Valuations.Margin.None;
    }

    /*//////////////////////////////////////////////////////////////
                               ORIGINATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICollateralWatch
    function checkOrigination(
        uint256 templateId,
        uint256 principal,
        Loans.Collateral calldata collateral
    ) external view {
        Valuations.Refusal reason = originationRefusal(templateId, principal, collateral);
        if (reason != Valuations.Refusal.None) revert CollateralWatch_OriginationRefused(reason);
    }

    /// @notice Why an origination of `principal` against `collateral` from template `templateId` would be refused
    /// now, or `Refusal.None`: the collateral pledged in the shared registry, no fresh value, a tracker alarm, or a
    /// principal above the template's origination loan-to-value.
    function originationRefusal(
        uint256 templateId,
        uint256 principal,
        Loans.Collateral calldata collateral
    ) public view returns (Valuations.Refusal) {
        Loans.Template memory template_ = book.templateOf(templateId);
        if (address(registry) != address(0)) {
            bytes32 key = book.collateralKey(template_.collateralKind, collateral);
            if (key != bytes32(0)) {
                (address pledgedBook, ) = registry.pledgeOf(key);
                if (pledgedBook != address(0)) return Valuations.Refusal.CollateralPledged;
            }
        }
        Valuations.Terms storage terms = _terms[templateId];
        if (terms.source == Valuations.Source.None) return Valuations.Refusal.None;
        if (terms.source == Valuations.Source.PriceFeed && collateral.token != terms.asset) {
            return Valuations.Refusal.AssetNotPriced;
        }
        (uint256 value, , Valuations.AssetStatus assetStatus, bool known) = _valueOf(
            templateId,
            template_,
            terms,
            collateral
        );
        if (assetStatus == Valuations.AssetStatus.Moved) return Valuations.Refusal.TrackerAlarm;
        if (!known) return Valuations.Refusal.ValueUnknown;
        if (CollateralMath.exceeds(principal, value, terms.originationLtvBps)) {
            return Valuations.Refusal.LoanToValueTooHigh;
        }
        return Valuations.Refusal.None;
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Template `templateId`'s valuation terms (source `None` when unset).
    function termsOf(uint256 templateId) external view returns (Valuations.Terms memory) {
        return _terms[templateId];
    }

    /// @notice Whether `appraiser` attests for `lender`.
    function isAppraiser(address lender, address appraiser) external view returns (bool) {
        return _appraisers[lender][appraiser];
    }

    /// @notice The latest attestation of `assetHash` under `lender`.
    function recordOf(address lender, bytes32 assetHash) external view returns (Valuations.Record memory) {
        return _records[lender][assetHash];
    }

    /// @notice The value of loan `loanId`'s collateral now, when it was observed and whether it is fresh.
    function valuationOf(uint256 loanId) external view returns (uint256 value, uint256 observedAt, bool known) {
        Loans.Loan memory loan = book.loanOf(loanId);
        Valuations.Terms storage terms = _terms[loan.templateId];
        if (terms.source == Valuations.Source.None) return (0, 0, false);
        (value, observedAt, , known) = _valueOf(
            loan.templateId,
            book.templateOf(loan.templateId),
            terms,
            book.collateralOf(loanId)
        );
    }

    /// @notice The attestation key of an ERC-721 token: keccak256(abi.encode(token, tokenId)).
    function tokenAssetHash(address token, uint256 tokenId) public pure returns (bytes32) {
        return keccak256(abi.encode(token, tokenId));
    }

    /// @notice The EIP-712 domain separator of attestations.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev The value of `collateral` under `terms`: from the feed's latest round, or the lender's latest attestation
    /// of the asset. `known` only when observed within `maxAgeSeconds` (and, for a feed, with an answer above 0).
    function _valueOf(
        uint256 templateId,
        Loans.Template memory template_,
        Valuations.Terms storage terms,
        Loans.Collateral memory collateral
    ) private view returns (uint256 value, uint256 observedAt, Valuations.AssetStatus status, bool known) {
        if (terms.source == Valuations.Source.PriceFeed) {
            // The feed prices one token: any other is worth nothing the watch knows of.
            if (collateral.token != terms.asset) return (0, 0, Valuations.AssetStatus.None, false);
            // A feed that reverts is a feed with no value: it must not stop a default declared on days past due.
            try IAggregatorV3(terms.feed).latestRoundData() returns (
                uint80,
                int256 answer,
                uint256,
                uint256 at,
                uint80
            ) {
                if (answer <= 0 || at == 0 || at > block.timestamp) return (0, 0, Valuations.AssetStatus.None, false);
                value = CollateralMath.feedValue(
                    collateral.amountOrId,
                    uint256(answer),
                    _scales[templateId].collateral,
                    _scales[templateId].feed,
                    _scales[templateId].loan
                );
                observedAt = at;
            } catch {
                return (0, 0, Valuations.AssetStatus.None, false);
            }
        } else {
            bytes32 assetHash =
                template_.collateralKind == Loans.CollateralKind.ERC721
                    ? tokenAssetHash(collateral.token, collateral.amountOrId)
                    : collateral.assetHash;
            Valuations.Record memory record = _records[template_.lender][assetHash];
            if (record.observedAt == 0) return (0, 0, Valuations.AssetStatus.None, false);
            (value, observedAt, status) = (record.value, record.observedAt, record.status);
        }
        known = block.timestamp - observedAt <= terms.maxAgeSeconds;
    }

    /// @dev Terms fit the template's collateral: a feed for ERC-20 amounts, attestations for tokens and off-chain
    /// assets; origination <= warning < default loan-to-value; a value may be some seconds old.
    function _validTerms(Loans.CollateralKind kind, Valuations.Terms calldata terms) private view returns (bool) {
        if (terms.maxAgeSeconds == 0 || terms.originationLtvBps == 0) return false;
        if (terms.originationLtvBps > terms.warningLtvBps || terms.warningLtvBps >= terms.defaultLtvBps) return false;
        if (terms.source == Valuations.Source.PriceFeed) {
            return
                kind == Loans.CollateralKind.ERC20 &&
                terms.feed.code.length != 0 &&
                terms.asset.code.length != 0 &&
                terms.silenceSeconds == 0;
        }
        if (terms.source == Valuations.Source.Attestation) {
            return
                (kind == Loans.CollateralKind.ERC721 || kind == Loans.CollateralKind.OffChain) &&
                terms.feed == address(0) &&
                terms.asset == address(0);
        }
        return false;
    }
}
