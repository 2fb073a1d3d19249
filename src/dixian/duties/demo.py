"""The duties demo: Pinglu's 2024 notice (平政发〔2024〕1号) imported as the year's key tasks,
county leaders in charge, safety committee meetings (one month missing), 包保 assignments
of the demo coal mines, bauxite mine and red-mud yard (one visit overdue) and duty lists
with two versions. Idempotent; people are fictional."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

NOTICE = Path(__file__).parent / "tests" / "data" / "pinglu-2024-work-safety-notice.txt"

COAL_MINES = [
    "平陆县鸿岭煤业有限公司（基建矿井）",
    "山西晟泰煤业有限公司平陆分公司（基建矿井）",
    "平陆县北岭煤业有限公司（基建矿井）",
]
BAUXITE = "平陆县中岳铝土矿有限公司"
RED_MUD_YARD = "山西河源氧化铝有限公司赤泥堆场"

SAFETY_DUTIES_V1 = """贯彻落实安全生产法律法规和上级决策部署，组织起草全县安全生产规范性文件
承担县安委会办公室日常工作，组织开展安全生产巡查、考核
指导协调全县安全生产检查和专项整治工作
依法监督检查工矿商贸生产经营单位贯彻执行安全生产法律法规情况
组织指导全县应急预案体系建设和应急演练"""
SAFETY_DUTIES_V2 = """贯彻落实安全生产法律法规和上级决策部署，组织起草全县安全生产规范性文件
承担县安委会办公室日常工作，组织开展安全生产巡查、考核
指导协调全县安全生产检查和专项整治工作，组织开展安全生产治本攻坚三年行动
依法监督检查工矿商贸生产经营单位贯彻执行安全生产法律法规情况
负责非煤矿山、危险化学品、烟花爆竹等行业安全生产监督管理
组织指导全县应急预案体系建设和应急演练"""
DIRECTOR_DUTIES = """对本局安全生产工作全面负责，是本局安全生产第一责任人
每季度至少听取一次安全生产工作汇报，研究解决重大问题
带队督导检查重点行业领域，每年不少于四次
落实包保煤矿、非煤矿山和尾矿库的安全生产包保责任"""
HOUSING_DUTIES = """负责房屋建筑和市政基础设施工程施工安全监督管理
负责城镇燃气安全监督管理
牵头开展经营性自建房安全专项整治"""


def _person(name, org, title, kind):
    from dixian.core.models import Person, Position

    person, _ = Person.objects.get_or_create(name=name, org=org, defaults={"title": title})
    Position.objects.get_or_create(person=person, org=org, kind=kind, defaults={"title": title})
    return person


def _history(year: int) -> int:
    """Milestones already past when the demo is loaded are history: overdue since their due
    time, quietly (one bulk update, so the sweeper has no backlog of years to grind through
    on the first start). Three of them carry a supervision letter so the letter pages and the
    PDF have something to show."""
    from django.db.models import F

    from dixian.core import clock

    from . import services
    from .models import LetterStep, Milestone, MilestoneState, ReminderState, SupervisionLetter

    now = clock.now()
    Milestone.objects.filter(task__year=year, state=MilestoneState.PENDING, due_at__lt=now).update(
        state=MilestoneState.OVERDUE,
        overdue_at=F("due_at"),
        reminder_state=ReminderState.SENT,
        letter_step="",
    )
    Milestone.objects.filter(
        task__year=year, reminder_state=ReminderState.SCHEDULED, remind_at__lt=now
    ).update(reminder_state=ReminderState.SENT)
    if SupervisionLetter.objects.exists():
        return 0
    issued = 0
    for short in ("县应急局", "县住建局", "曹川镇"):
        m = (
            Milestone.objects.filter(
                task__year=year, org__short_name=short, state=MilestoneState.OVERDUE
            )
            .select_related("task", "org")
            .order_by("-due_at", "task__sort")
            .first()
        )
        if m is not None:
            services.issue_letter(m, now)
            Milestone.objects.filter(pk=m.pk).update(letter_step=LetterStep.ISSUED)
            issued += 1
    return issued


def seed(year: int = 2024) -> dict:
    """Load the duties demo for ``year`` (idempotent: a second run changes nothing).
    Needs the core demo (its organisations) loaded first."""
    from dixian.core import clock
    from dixian.core import demo as core_demo
    from dixian.core.choices import PositionKind
    from dixian.core.models import Organisation, User

    from . import services
    from .models import (
        Decision,
        DutyList,
        DutyListKind,
        DutyListVersion,
        Guarantee,
        GuaranteeVisit,
        LeaderCharge,
        Meeting,
        MeetingKind,
        MeetingMonth,
        PeriodState,
        VisitKind,
        VisitState,
    )

    if not core_demo.is_seeded():
        core_demo.seed()
    result = services.import_notice(NOTICE.read_bytes(), actor=None, year=year)
    out = {"key_tasks": len(result.created)}
    out["letters"] = _history(year)

    orgs = {o.short_name or o.name: o for o in Organisation.objects.all()}
    by_name = {o.name: o for o in orgs.values()}
    county = by_name["平陆县人民政府"]
    leader_user = User.objects.filter(username="leader").select_related("person").first()
    wang = leader_user.person if leader_user and leader_user.person_id else None
    if wang is None:
        wang = _person("王县长（示例）", county, "县长", PositionKind.DEPUTY)
    liu = _person("刘副县长（示例）", county, "副县长", PositionKind.DEPUTY)
    heads = {
        "县应急局": _person("陈局长（示例）", orgs["县应急局"], "局长", PositionKind.PRINCIPAL),
        "县发改局": _person("胡局长（示例）", orgs["县发改局"], "局长", PositionKind.PRINCIPAL),
        "县自然资源局": _person(
            "马局长（示例）", orgs["县自然资源局"], "局长", PositionKind.PRINCIPAL
        ),
        "县住建局": _person("高局长（示例）", orgs["县住建局"], "局长", PositionKind.PRINCIPAL),
    }

    charges = {
        wang: ["县应急局", "县发改局", "县自然资源局", "县安委办"],
        liu: ["县住建局", "县交运局", "县公安局", "县市场监管局", "县工科局"],
    }
    for person, names in charges.items():
        for short in names:
            LeaderCharge.objects.get_or_create(leader=person, org=orgs[short])
    out["leader_charges"] = LeaderCharge.objects.count()

    # 包保: relative to today so the page is alive; one visit is overdue.
    today = services._local_date(clock.now())
    plan = [
        (COAL_MINES[0], wang, "县发改局", 2, 20),
        (COAL_MINES[1], wang, "县应急局", 2, 35),
        (COAL_MINES[2], liu, "县发改局", 2, 95),  # last visit over two months ago: overdue
        (BAUXITE, liu, "县自然资源局", 3, 40),
        (RED_MUD_YARD, wang, "县应急局", 2, 12),
    ]
    for name, leader, dept, months, days_ago in plan:
        g, created = Guarantee.objects.get_or_create(
            enterprise=by_name[name],
            leader=leader,
            defaults={
                "department": orgs[dept],
                "dept_head": heads[dept],
                "visit_every_months": months,
                "start_date": today - dt.timedelta(days=days_ago + 60),
            },
        )
        if created:
            first = today - dt.timedelta(days=days_ago)
            GuaranteeVisit.objects.create(
                guarantee=g,
                kind=VisitKind.UNDERGROUND if "煤" in name else VisitKind.VISIT,
                visited_on=first,
                visitor=leader,
                findings="检查了通风、瓦斯监测和井下作业现场，发现隐患已现场交办。",
                hazards_found=2,
            )
            GuaranteeVisit.objects.create(
                guarantee=g,
                kind=VisitKind.VISIT,
                visited_on=first - dt.timedelta(days=30 * months - 5),
                visitor=heads[dept],
                findings="查阅安全管理台账，督促落实隐患排查治理制度。",
            )
            services._schedule_visit(g, first)
            if g.next_visit_due <= clock.now():
                g.visit_state = VisitState.OVERDUE
            g.save()
    out["guarantees"] = Guarantee.objects.count()

    # Safety committee: the last six months, one of them without a meeting.
    attendees = [wang, liu, *heads.values()]
    first_of_month = today.replace(day=1)
    for back in range(6, 0, -1):
        start = services.add_months(first_of_month, -back)
        period, _ = MeetingMonth.objects.get_or_create(
            year=start.year,
            month=start.month,
            defaults={"due_at": services.month_end(start.year, start.month)},
        )
        if back == 3:  # the missing month
            if period.state == PeriodState.OPEN:
                period.state = PeriodState.MISSED
                period.save(update_fields=["state"])
            continue
        held = start + dt.timedelta(days=9)
        meeting, created = Meeting.objects.get_or_create(
            held_on=held,
            defaults={
                "title": f"县安委会{held.month}月份安全生产调度会",
                "kind": MeetingKind.PLENARY if back == 6 else MeetingKind.MONTHLY,
                "location": "县政府三楼会议室",
                "chair": wang,
                "minutes": (
                    "会议听取了县应急局关于本月安全生产形势的汇报，分析了煤矿、非煤矿山、"
                    "危险化学品和城镇燃气等重点行业领域存在的突出问题，部署了下一阶段工作。"
                ),
            },
        )
        if created:
            meeting.attendees.set(attendees)
            d = Decision.objects.create(
                meeting=meeting,
                text=f"开展{held.month}月份煤矿和非煤矿山安全生产专项检查，月底前报送检查情况。",
                lead=orgs["县应急局"],
                due_date=services.add_months(held, 1),
            )
            d.co_orgs.set([orgs["县发改局"], orgs["县自然资源局"]])
            Decision.objects.create(
                meeting=meeting,
                text="加强城镇燃气安全隐患排查整治，建立问题清单和整改台账。",
                lead=orgs["县住建局"],
                due_date=services.add_months(held, 2),
            )
        if period.state != PeriodState.MET:
            period.state = PeriodState.MET
            period.save(update_fields=["state"])
    out["meetings"] = Meeting.objects.count()

    # Duty lists: 县应急局 with two versions, its director's list, 县住建局.
    office = User.objects.filter(username="office").first()
    lists = [
        (
            orgs["县应急局"],
            DutyListKind.SAFETY,
            "",
            "县应急管理局安全生产职责清单",
            [SAFETY_DUTIES_V1, SAFETY_DUTIES_V2],
        ),
        (
            orgs["县应急局"],
            DutyListKind.SAFETY,
            "局长",
            "县应急管理局局长安全生产职责清单",
            [DIRECTOR_DUTIES],
        ),
        (orgs["县住建局"], DutyListKind.POWERS, "", "县住房和城乡建设局权责清单", [HOUSING_DUTIES]),
    ]
    for org, kind, position, title, versions in lists:
        dl, created = DutyList.objects.get_or_create(
            org=org,
            kind=kind,
            position=position,
            defaults={"title": title, "content": versions[-1], "version": len(versions)},
        )
        if created:
            for n, content in enumerate(versions, 1):
                DutyListVersion.objects.create(
                    duty_list=dl,
                    number=n,
                    content=content,
                    note="初次编制" if n == 1 else "按三定方案调整，增加行业监管职责",
                    changed_by=office,
                    changed_at=clock.now() - dt.timedelta(days=40 * (len(versions) - n)),
                )
            dl.updated_at = clock.now()
            dl.save(update_fields=["updated_at"])
    out["duty_lists"] = DutyList.objects.count()
    return out
