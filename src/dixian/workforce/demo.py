"""Pinglu demo data for the workforce app (called by dixian.core.demo.seed, idempotent).

Reference data (staffing rules, certificate types, permitted fee uses, the scoring
catalogue and policy) is always ensured. The fictional demo rows are made once: safety
staff and certificates (one expired, so the training gate shows someone), a 2024 fee ledger
for 山西河源氧化铝有限公司 and a coal mine, a 五到位 self-check awaiting review, principals
with points recorded by 县应急局.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

D = dt.date

# (name, industry code or None, min, max, requirement, engineer, director, clause)
STAFFING_RULES = [
    (
        "矿山、金属冶炼、建筑施工、运输单位和危险物品的生产、经营、储存、装卸单位",
        [
            "mining",
            "metallurgy",
            "nonferrous",
            "construction",
            "transport",
            "hazchem",
            "fireworks",
            "civil_explosives",
            "gas",
        ],
        None,
        None,
        "body_or_full_time",
        False,
        False,
        "安全生产法 第二十四条第一款",
    ),
    (
        "其他生产经营单位，从业人员超过一百人",
        [None],
        101,
        None,
        "body_or_full_time",
        False,
        False,
        "安全生产法 第二十四条第二款",
    ),
    (
        "其他生产经营单位，从业人员在一百人以下",
        [None],
        None,
        100,
        "staff",
        False,
        False,
        "安全生产法 第二十四条第二款",
    ),
    (
        "危险物品的生产、储存、装卸单位以及矿山、金属冶炼单位：注册安全工程师",
        ["mining", "hazchem", "metallurgy", "nonferrous", "fireworks", "civil_explosives"],
        None,
        None,
        "body_or_full_time",
        True,
        False,
        "安全生产法 第二十七条第三款",
    ),
    (
        "高危行业企业配备安全总监（按省、市要求，可配置）",
        ["mining", "hazchem"],
        None,
        None,
        "body_or_full_time",
        False,
        True,
        "地方规定（可配置）",
    ),
]

CERTIFICATE_TYPES = [
    ("electrician", "特种作业操作证·电工作业", "special_operation", 6, 3),
    ("welding", "特种作业操作证·焊接与热切割作业", "special_operation", 6, 3),
    ("height", "特种作业操作证·高处作业", "special_operation", 6, 3),
    ("hazchem_process", "特种作业操作证·危险化学品安全作业", "special_operation", 6, 3),
    ("coal_gas_check", "特种作业操作证·煤矿瓦斯检查作业", "special_operation", 6, 3),
    ("coal_blasting", "特种作业操作证·煤矿井下爆破作业", "special_operation", 6, 3),
    (
        "principal_qual",
        "主要负责人安全生产知识和管理能力考核合格证",
        "safety_qualification",
        3,
        None,
    ),
    (
        "manager_qual",
        "安全生产管理人员安全生产知识和管理能力考核合格证",
        "safety_qualification",
        3,
        None,
    ),
    ("safety_engineer", "注册安全工程师执业证", "registered_engineer", 5, None),
]

# The permitted uses of 财资〔2022〕136号 (common to the sectors; wording shortened).
FEE_USES = [
    ("facilities", "完善、改造和维护安全防护设施设备支出"),
    (
        "emergency",
        "配备、维护、保养应急救援器材、设备支出和应急救援队伍建设、应急预案制修订与应急演练支出",
    ),
    ("hazards", "开展重大危险源检测、评估、监控支出，安全风险分级管控和事故隐患排查整改支出"),
    ("informatisation", "安全生产信息化、智能化建设、运维和网络安全支出"),
    (
        "assessment",
        "安全生产检查、评估评价（不含新建、改建、扩建项目安全评价）、咨询和标准化建设支出",
    ),
    ("ppe", "配备和更新现场作业人员安全防护用品支出"),
    ("training", "安全生产宣传、教育、培训和从业人员发现并报告事故隐患的奖励支出"),
    ("new_tech", "安全生产适用的新技术、新标准、新工艺、新装备的推广应用支出"),
    ("testing", "安全设施及特种设备检测检验、检定校准支出"),
    ("insurance", "安全生产责任保险支出"),
    ("other", "与安全生产直接相关的其他支出"),
]

# A fictional, configurable catalogue in the manner of local 考核记分 rules.
VIOLATIONS = [
    ("no_responsibility_system", "未建立健全全员安全生产责任制", 3, "安全生产法 第二十一条"),
    ("fee_not_extracted", "未按规定足额提取和使用安全生产费用", 3, "安全生产法 第二十三条"),
    (
        "no_staff",
        "未按规定设置安全生产管理机构或者配备安全生产管理人员",
        3,
        "安全生产法 第二十四条",
    ),
    (
        "untrained_on_post",
        "安排未经安全生产教育和培训合格的从业人员上岗作业",
        3,
        "安全生产法 第二十八条",
    ),
    ("hazard_not_fixed", "未按要求排查治理事故隐患，逾期未整改", 6, "安全生产法 第四十一条"),
    ("major_hazard_production", "存在重大事故隐患仍组织生产经营", 12, "安全生产法 第一百一十八条"),
    ("late_report", "发生生产安全事故迟报、漏报", 12, "安全生产法 第八十三条"),
]


def _reference():
    from dixian.core.models import Industry

    from .models import (
        CertificateType,
        FeeUse,
        ScoringPolicy,
        StaffingRule,
        ViolationType,
    )

    if not StaffingRule.objects.exists():
        industries = {i.code: i for i in Industry.objects.all()}
        for name, codes, low, high, req, eng, director, clause in STAFFING_RULES:
            for code in codes:
                StaffingRule.objects.create(
                    name=name if code is None else f"{name}（{industries[code].name}）",
                    industry=industries.get(code) if code else None,
                    min_headcount=low,
                    max_headcount=high,
                    requirement=req,
                    needs_safety_engineer=eng,
                    needs_safety_director=director,
                    clause=clause,
                )
    for code, name, category, years, review in CERTIFICATE_TYPES:
        CertificateType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "validity_years": years,
                "review_years": review,
            },
        )
    for i, (code, name) in enumerate(FEE_USES):
        FeeUse.objects.get_or_create(code=code, defaults={"name": name, "sort": i})
    for code, name, points, clause in VIOLATIONS:
        ViolationType.objects.get_or_create(
            code=code, defaults={"name": name, "points": points, "clause": clause}
        )
    if not ScoringPolicy.objects.exists():
        ScoringPolicy.objects.create()


ALUMINA = "山西河源氧化铝有限公司"
COAL = "平陆县鸿岭煤业有限公司（基建矿井）"


def seed() -> dict:
    from dixian.core import audit
    from dixian.core.models import Organisation, Person, User

    from . import services
    from .models import (
        Certificate,
        CertificateType,
        Employee,
        FeeAccount,
        FeeUse,
        Post,
        ReviewState,
        RuleBreach,
        SafetyOrganisation,
        SafetyStaff,
        TrainingRecord,
        ViolationType,
    )

    with transaction.atomic():
        _reference()
        alumina = Organisation.objects.filter(name=ALUMINA).first()
        coal = Organisation.objects.filter(name=COAL).first()
        if alumina is None or coal is None:
            return {}
        if SafetyOrganisation.objects.filter(enterprise=alumina).exists():
            return {}
        enterprise_user = User.objects.filter(username="enterprise").first()
        inspector = User.objects.filter(username="inspector").first()
        certs = {c.code: c for c in CertificateType.objects.all()}

        def person(org, name, title=""):
            return Person.objects.create(org=org, name=name, title=title)

        def cert(p, code, number, issued, until, review=None):
            c = Certificate(
                person=p,
                kind=certs[code],
                number=number,
                issuer="运城市应急管理局",
                issued_on=issued,
                valid_until=until,
                review_due=review,
            )
            c.lapses_at = services.end_of_day(c.last_valid_day)
            c.state = "valid" if c.lapses_at > services.clock.now() else "lapsed"
            c.save()
            services._schedule_certificate_reminder(c)
            return c

        # Safety organisation and staff.
        SafetyOrganisation.objects.create(
            enterprise=alumina, has_body=True, body_name="安全环保部", headcount=860
        )
        SafetyOrganisation.objects.create(
            enterprise=coal, has_body=False, body_name="", headcount=186
        )
        staff = {
            "director": person(alumina, "高安平（示例）", "安全总监"),
            "ft1": person(alumina, "刘志强（示例）", "安全环保部部长"),
            "ft2": person(alumina, "陈晓燕（示例）", "专职安全员"),
            "eng": person(alumina, "马建国（示例）", "注册安全工程师"),
        }
        for key, role in [
            ("director", "safety_director"),
            ("ft1", "full_time"),
            ("ft2", "full_time"),
            ("eng", "safety_engineer"),
        ]:
            SafetyStaff.objects.create(
                enterprise=alumina, person=staff[key], role=role, appointed_on=D(2022, 3, 1)
            )
        today = services.local_today()
        later = today + dt.timedelta(days=700)
        cert(staff["eng"], "safety_engineer", "ZAZ20230140829", D(2023, 5, 10), later)
        cert(staff["ft1"], "manager_qual", "AQ2023-0815", D(2023, 8, 15), later)
        coal_part = person(coal, "王守成（示例）", "兼职安全员")
        SafetyStaff.objects.create(
            enterprise=coal, person=coal_part, role="part_time", appointed_on=D(2023, 1, 1)
        )

        # Posts, employees, training, certificates (one expired: the gate shows him).
        post_chem = Post.objects.create(
            enterprise=alumina,
            name="危化品操作工",
            required_certificate=certs["hazchem_process"],
            training_hours=24,
        )
        post_elec = Post.objects.create(
            enterprise=alumina, name="电工", required_certificate=certs["electrician"]
        )
        post_op = Post.objects.create(enterprise=alumina, name="焙烧工", training_hours=16)
        workers = [
            (
                "张建军（示例）",
                "A1001",
                post_chem,
                "hazchem_process",
                D(2022, 4, 1),
                D(2028, 3, 31),
            ),
            (
                "李红梅（示例）",
                "A1002",
                post_chem,
                "hazchem_process",
                D(2023, 6, 1),
                D(2029, 5, 31),
            ),
            ("赵海涛（示例）", "A1003", post_elec, "electrician", D(2019, 7, 1), D(2025, 6, 30)),
            ("孙立伟（示例）", "A1004", post_elec, "electrician", D(2024, 3, 1), D(2030, 2, 28)),
            ("周强（示例）", "A1005", post_op, None, None, None),
            ("吴丽（示例）", "A1006", post_op, None, None, None),
            ("郑国庆（示例）", "A1007", None, None, None, None),
        ]
        for i, (name, number, post, code, issued, until) in enumerate(workers):
            p = person(alumina, name)
            if code:
                review = today + dt.timedelta(days=20) if i == 1 else None  # 复审 due soon
                cert(p, code, f"T1408{29000 + i:05d}", issued, until, review)
            TrainingRecord.objects.create(
                enterprise=alumina,
                person=p,
                topic="年度安全生产再培训（三级安全教育）",
                trained_on=today - dt.timedelta(days=40 + i * 7),
                hours=Decimal(24),
                exam_score=Decimal(88 - i),
                passed=True,
            )
            Employee.objects.create(
                enterprise=alumina,
                person=p,
                staff_number=number,
                post=post,
                hired_on=D(2018 + i % 5, 3, 1),
            )
        RuleBreach.objects.create(
            enterprise=alumina,
            kind="operation",
            occurred_on=today - dt.timedelta(days=12),
            description="焙烧车间检修时未办理受限空间作业票进入旋风筒。",
            corrective_action="停工整改，补办作业票，班组重新学习受限空间作业规程。",
            due_date=today + dt.timedelta(days=10),
            due_at=services.end_of_day(today + dt.timedelta(days=10)),
        )
        RuleBreach.objects.create(
            enterprise=alumina,
            kind="discipline",
            occurred_on=today - dt.timedelta(days=60),
            description="夜班岗位人员脱岗。",
            corrective_action="约谈班组长，纳入月度考核。",
            due_date=today - dt.timedelta(days=50),
            due_at=services.end_of_day(today - dt.timedelta(days=50)),
            state="closed",
            closed_at=services.clock.now() - dt.timedelta(days=52),
            closing_note="已约谈并考核。",
        )

        # Safety fee ledgers for 2024.
        uses = {u.code: u for u in FeeUse.objects.all()}
        alumina_account = FeeAccount.objects.create(
            enterprise=alumina,
            sector="hazardous_goods",
            opening_balance=Decimal("820000"),
            opened_on=D(2023, 12, 31),
        )
        coal_account = FeeAccount.objects.create(
            enterprise=coal,
            sector="coal",
            categories="high_gas_complex",
            opening_balance=Decimal("150000"),
            opened_on=D(2023, 12, 31),
        )
        for m in range(1, 11):
            accrued = Decimal("150000") if m == 6 else None
            services.record_accrual(
                actor=enterprise_user,
                account=alumina_account,
                month=D(2024, m, 1),
                revenue_yuan=Decimal("120000000"),
                accrued_yuan=accrued,
                note="6月资金紧张，少提部分下月补提" if m == 6 else "",
            )
        spend = [
            (D(2024, 1, 18), "facilities", "380000", "焙烧车间防护栏及平台改造"),
            (D(2024, 3, 6), "ppe", "96000", "更新防酸碱工作服、防护面罩"),
            (D(2024, 4, 22), "emergency", "145000", "应急物资储备及综合演练"),
            (D(2024, 6, 12), "hazards", "260000", "液碱储罐区重大危险源监控系统维护"),
            (D(2024, 8, 2), "training", "58000", "全员安全培训及隐患举报奖励"),
            (D(2024, 9, 15), "testing", "121000", "压力容器、起重机械定期检验"),
        ]
        for day, use, amount, text in spend:
            services.record_spending(
                actor=enterprise_user,
                account=alumina_account,
                spent_on=day,
                use=uses[use],
                amount_yuan=Decimal(amount),
                description=text,
            )
        # Coal: the enterprise user is not the mine's, so the demo writes its rows directly.
        from .models import FeeAccrual, FeeSpending

        for m, tonnes in enumerate([0, 0, 12000, 18000, 22000, 25000, 26000, 24000], start=1):
            if not tonnes:
                continue
            required = services.required_fee(coal_account, output_t=Decimal(tonnes))
            FeeAccrual.objects.create(
                account=coal_account,
                month=D(2024, m, 1),
                output_t=Decimal(tonnes),
                required_yuan=required,
                accrued_yuan=required,
                state=ReviewState.ACCEPTED,
                reviewer=inspector,
            )
        FeeSpending.objects.create(
            account=coal_account,
            spent_on=D(2024, 3, 20),
            use=uses["facilities"],
            amount_yuan=Decimal("980000"),
            description="井下瓦斯抽采系统及监测监控系统升级",
            state=ReviewState.ACCEPTED,
            reviewer=inspector,
        )
        FeeSpending.objects.create(
            account=coal_account,
            spent_on=D(2024, 6, 5),
            use=uses["emergency"],
            amount_yuan=Decimal("210000"),
            description="自救器、压风自救装置更新",
            state=ReviewState.SUBMITTED,
        )
        # The department reviews the alumina plant's first months.
        for entry in list(alumina_account.accruals.filter(month__lte=D(2024, 8, 1))) + list(
            alumina_account.spendings.filter(spent_on__lte=D(2024, 6, 30))
        ):
            services.review_fee_entry(actor=inspector, entry=entry, decision="accept")

        # 五到位: the alumina plant's 2024 self-check awaits review.
        items = {
            "responsibility": (True, "已制定全员安全生产责任制清单，签订责任书 860 份。", None),
            "investment": (True, "2024 年安全生产费用按月提取，专户管理。", None),
            "training": (True, "全员培训率 100%，特种作业人员持证上岗。", None),
            "management": (False, "双重预防机制信息化系统尚在建设，计划年底前上线。", None),
            "emergency": (True, "修订综合应急预案，开展液碱泄漏专项演练 2 次。", None),
        }
        services.submit_five_check(
            actor=enterprise_user, enterprise=alumina, period="2024", items=items
        )

        # Principal scoring, recorded by 县应急局.
        from dixian.core.models import Position

        violations = {v.code: v for v in ViolationType.objects.all()}
        alumina_principal = Position.objects.filter(org=alumina, kind="principal").first()
        coal_principal = Position.objects.filter(org=coal, kind="principal").first()
        if alumina_principal and inspector:
            for code, day in [
                ("fee_not_extracted", D(2024, 7, 10)),
                ("hazard_not_fixed", D(2024, 9, 3)),
            ]:
                services.deduct_points(
                    actor=inspector,
                    person=alumina_principal.person,
                    enterprise=alumina,
                    violation=violations[code],
                    occurred_on=day,
                    note="执法检查发现",
                )
        if coal_principal and inspector:
            for code, day in [
                ("no_staff", D(2024, 4, 8)),
                ("major_hazard_production", D(2024, 10, 16)),
            ]:
                services.deduct_points(
                    actor=inspector,
                    person=coal_principal.person,
                    enterprise=coal,
                    violation=violations[code],
                    occurred_on=day,
                    note="执法检查发现",
                )
        audit.record(
            action="demo.seed",
            object_type="workforce.demo",
            object_repr="workforce demo",
            after={"enterprises": [alumina.pk, coal.pk]},
        )
    return {"workforce": 1}
