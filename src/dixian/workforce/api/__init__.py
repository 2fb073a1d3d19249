"""REST API of the workforce app."""


def register(router) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from . import views as v

    for prefix, viewset in [
        ("staffing-compliance", v.ComplianceViewSet),
        ("safety-organisations", v.SafetyOrganisationViewSet),
        ("safety-staff", v.SafetyStaffViewSet),
        ("certificates", v.CertificateViewSet),
        ("posts", v.PostViewSet),
        ("employees", v.EmployeeViewSet),
        ("training-records", v.TrainingRecordViewSet),
        ("rule-breaches", v.RuleBreachViewSet),
        ("fee-accounts", v.FeeAccountViewSet),
        ("fee-accruals", v.FeeAccrualViewSet),
        ("fee-spendings", v.FeeSpendingViewSet),
        ("five-checks", v.FiveCheckViewSet),
        ("score-cycles", v.ScoreCycleViewSet),
        ("score-deductions", v.ScoreDeductionViewSet),
        ("staffing-rules", v.StaffingRuleViewSet),
        ("certificate-types", v.CertificateTypeViewSet),
        ("violation-types", v.ViolationTypeViewSet),
        ("fee-uses", v.FeeUseViewSet),
    ]:
        router.register(f"workforce/{prefix}", viewset, basename=f"workforce-{prefix}")
