// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ILoanBook} from "../interfaces/ILoanBook.sol";
import {Roles} from "../libraries/Roles.sol";
import {ScheduleMath} from "../libraries/ScheduleMath.sol";
import {Loans, Schedule} from "../types/DataTypes.sol";
import {LoanLedger} from "./LoanLedger.sol";

/// @title LoanTemplates
/// @notice Loan products: a lender publishes immutable templates and may retire them; loans keep their terms.
abstract contract LoanTemplates is AccessControl, LoanLedger, ILoanBook {
    /// @notice Held by lenders, who publish templates and originate loans from their own.
    bytes32 public constant LENDER_ROLE = Roles.LENDER;

    /// @notice Largest principal of a loan: 2^96 - 1 base units (79 billion tokens of 18 decimals). It keeps every
    /// installment's amount within the loan's packed storage.
    uint256 public constant MAX_PRINCIPAL = type(uint96).max;
    /// @notice Latest due offset of a custom plan: 100 years.
    uint256 public constant MAX_CUSTOM_TERM = 100 * 365 days;

    /// @notice The most installments a repayment commitment may have.
    uint256 public constant MAX_COMMITMENT_INSTALLMENTS = 120;

    /// @inheritdoc ILoanBook
    function publishTemplate(
        TemplateParams calldata params,
        uint40[] calldata planDueOffsets,
        uint128[] calldata planPrincipals
    ) external onlyRole(LENDER_ROLE) returns (uint256 templateId) {
        _validateTemplate(params, planDueOffsets, planPrincipals);
        templateId = ++_store().templateCount;
        CommitmentPolicy calldata policy = params.commitmentPolicy;
        _store().templates[templateId] = Loans.Template({
            token: IERC20(params.token),
            kind: params.kind,
            rateBps: params.rateBps,
            count: params.count,
            intervalSeconds: params.intervalSeconds,
            requiresNotary: params.requiresNotary,
            prepaymentRule: params.prepaymentRule,
            retired: false,
            lender: msg.sender,
            graceSeconds: params.graceSeconds,
            penaltyRateBps: params.penaltyRateBps,
            penaltyCapBps: params.penaltyCapBps,
            defaultDaysPastDue: params.defaultDaysPastDue,
            defaultMissedInstallments: params.defaultMissedInstallments,
            minPrincipal: params.minPrincipal,
            maxPrincipal: params.maxPrincipal,
            flatFee: params.flatFee,
            collateralKind: params.collateralKind,
            commitmentMaxInstallments: policy.maxInstallments,
            commitmentMaxSpanDays: policy.maxSpanDays,
            commitmentMinFirstPaymentBps: policy.minFirstPaymentBps,
            commitmentGraceSeconds: policy.graceSeconds,
            objectionWindowSeconds: params.objectionWindowSeconds
        });
        Loans.PlanEntry[] storage plan = _store().plans[templateId];
        for (uint256 i; i < planDueOffsets.length; ++i) {
            plan.push(Loans.PlanEntry({dueOffset: planDueOffsets[i], principal: planPrincipals[i]}));
        }
        emit TemplatePublished(templateId, msg.sender, keccak256(abi.encode(params, planDueOffsets, planPrincipals)));
    }

    /// @inheritdoc ILoanBook
    function retireTemplate(uint256 templateId) external {
        Loans.Template storage template_ = _templateOf(templateId);
        if (template_.lender != msg.sender) {
            revert LoanBook_NotTemplateLender(templateId, msg.sender, template_.lender);
        }
        if (template_.retired) revert LoanBook_TemplateRetired(templateId);
        template_.retired = true;
        emit TemplateRetired(templateId, msg.sender);
    }

    /// @dev Reverts unless the parameters make a template: the schedule math accepts them (at the largest
    /// principal, or the plan's sum for a custom plan), and every other rule holds.
    function _validateTemplate(
        TemplateParams calldata params,
        uint40[] calldata planDueOffsets,
        uint128[] calldata planPrincipals
    ) private pure {
        if (params.token == address(0)) revert LoanBook_ZeroToken();
        if (
            params.minPrincipal == 0 || params.minPrincipal > params.maxPrincipal || params.maxPrincipal > MAX_PRINCIPAL
        ) {
            revert LoanBook_InvalidPrincipalBounds(params.minPrincipal, params.maxPrincipal);
        }
        if (params.kind == Schedule.Kind.Custom && params.minPrincipal != params.maxPrincipal) {
            revert LoanBook_InvalidPrincipalBounds(params.minPrincipal, params.maxPrincipal);
        }
        if (params.defaultDaysPastDue == 0 && params.defaultMissedInstallments == 0) {
            revert LoanBook_NoDefaultTrigger();
        }
        if (params.prepaymentRule == Loans.PrepaymentRule.None) revert LoanBook_NoPrepaymentRule();
        if (
            params.objectionWindowSeconds < 1 days ||
            params.objectionWindowSeconds > 365 days ||
            params.commitmentPolicy.maxInstallments > MAX_COMMITMENT_INSTALLMENTS ||
            params.commitmentPolicy.minFirstPaymentBps > 10_000
        ) revert LoanBook_InvalidEnforcementTerms();
        uint256 planLength = planDueOffsets.length;
        if (planLength != 0 && planDueOffsets[planLength - 1] > MAX_CUSTOM_TERM) {
            revert LoanBook_PlanTooLong(planDueOffsets[planLength - 1], MAX_CUSTOM_TERM);
        }
        ScheduleMath.validate(
            Schedule.Terms({
                kind: params.kind,
                principal: params.maxPrincipal,
                rateBps: params.rateBps,
                intervalSeconds: params.intervalSeconds,
                count: params.count,
                dueOffsets: planDueOffsets,
                principals: planPrincipals
            })
        );
    }
}
