"""Default rules (configurable afterwards in the app): drill frequencies and plan evaluation."""

DRILL_RULES = [
    # name, subject, scope, months, calendar year, basis
    (
        "全县每年至少开展一次综合性应急演练",
        "county",
        "comprehensive",
        12,
        True,
        "平陆县2024年安全生产工作要点（二十七）",
    ),
    (
        "县乡政府及其有关部门每两年至少组织一次演练",
        "government",
        "any",
        24,
        False,
        "生产安全事故应急条例（国务院令第708号）第八条第一款",
    ),
    (
        "高危行业企业每半年至少组织一次演练",
        "high_risk",
        "any",
        6,
        False,
        "生产安全事故应急条例第八条第二款；应急预案管理办法第三十三条",
    ),
    (
        "生产经营单位每年至少组织一次综合或专项预案演练",
        "enterprise",
        "comprehensive_or_special",
        12,
        False,
        "生产安全事故应急预案管理办法第三十三条第一款",
    ),
]

PLAN_RULES = [
    ("county_general", "", 36, "国办发〔2024〕5号 (evaluation cycle: set locally)"),
    ("county_special", "", 36, ""),
    ("department", "", 36, ""),
    ("township", "", 36, ""),
    ("enterprise", "", 36, "应急预案管理办法第三十五条：每三年评估一次"),
]


def load(apps=None):
    if apps is None:
        from .models import DrillRule, PlanRule
    else:
        DrillRule = apps.get_model("emergency", "DrillRule")
        PlanRule = apps.get_model("emergency", "PlanRule")
    for name, subject, scope, months, cal, basis in DRILL_RULES:
        DrillRule.objects.get_or_create(
            name=name,
            defaults={
                "subject": subject,
                "scope": scope,
                "period_months": months,
                "calendar_year": cal,
                "basis": basis,
            },
        )
    for level, kind, months, basis in PLAN_RULES:
        PlanRule.objects.get_or_create(
            level=level, kind=kind, defaults={"evaluation_months": months, "basis": basis}
        )
