"""Reminder → overdue → supervision letter (督办函, PDF) → escalation to the county leader in
charge; task close/reopen; the API review actions; committee, 包保 and duty lists."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message, Organisation, Person
from dixian.duties import selectors, services
from dixian.duties.models import (
    Decision,
    DutyList,
    DutyListVersion,
    Guarantee,
    KeyTask,
    LeaderCharge,
    LetterState,
    Meeting,
    MeetingMonth,
    Milestone,
    MilestoneState,
    PeriodState,
    ProgressReport,
    SupervisionLetter,
    TaskState,
    VisitState,
)

UTC = dt.UTC


PINGLU = Path(__file__).parent / "data" / "pinglu-2024-work-safety-notice.txt"


@pytest.fixture(autouse=True)
def fresh_2024(db):
    """The session demo's 2024 milestones are history (overdue); these tests import the
    notice afresh and run the ladder on a controlled clock (rolled back with the test)."""
    SupervisionLetter.objects.all().delete()
    KeyTask.objects.filter(year=2024).delete()
    services.import_notice(PINGLU.read_bytes(), actor=None, year=2024)


def pdf_text(data: bytes) -> str:
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return text.replace(" ", "").replace("\n", "")


def task(number, sub=""):
    return KeyTask.objects.get(year=2024, item_number=number, sub_key=sub)


def q1_milestone(users, username="inspector", number="（十五）"):
    return Milestone.objects.get(
        task=task(number), org=users[username].org, due_at__month=3, due_at__year=2024
    )


def sweep_at(*args):
    with clock.frozen(dt.datetime(*args, tzinfo=UTC)):
        return deadlines.sweep()


def test_overdue_milestone_gets_a_numbered_letter_whose_text_extracts_from_the_pdf(users, settings):
    settings.DUTIES_LETTER_PREFIX = "平安委办督"
    m = q1_milestone(users)
    assert m.reminder_state == "scheduled"
    assert m.remind_at == m.due_at - dt.timedelta(days=7)
    # A week before: the reminder reaches the department (once).
    sweep_at(2024, 3, 25, 0, 0)
    m.refresh_from_db()
    assert m.reminder_state == "sent" and m.state == MilestoneState.PENDING
    reminders = Message.objects.filter(
        recipient=users["inspector"], subject__contains="（十五）", link__endswith=f"/{m.pk}/"
    )
    assert reminders.filter(channel="inapp").count() == 1
    # Due at 2024-03-31 23:59:59 Beijing time: overdue, letter scheduled three days later.
    sweep_at(2024, 4, 1, 0, 0)
    m.refresh_from_db()
    assert m.state == MilestoneState.OVERDUE and m.letter_step == "scheduled"
    assert not SupervisionLetter.objects.filter(milestone=m).exists()
    sweep_at(2024, 4, 3, 23, 0)  # not yet
    assert not SupervisionLetter.objects.filter(milestone=m).exists()
    sweep_at(2024, 4, 4, 1, 0)
    letter = SupervisionLetter.objects.get(milestone=m)
    assert letter.year == 2024 and letter.number == f"平安委办督〔2024〕{letter.serial}号"
    assert letter.reply_by == dt.date(2024, 4, 9)
    # In the inbox of the department (its users) with a link to the letter.
    assert Message.objects.filter(
        recipient=users["inspector"], link=f"/duties/letters/{letter.pk}/", channel="inapp"
    ).exists()
    text = pdf_text(services.letter_pdf(letter))
    assert "平陆县安全生产委员会办公室" in text
    assert "督办函" in text
    assert letter.number in text
    assert "平陆县应急管理局：" in text
    assert "应于2024年3月31日前报送工作进展" in text
    assert "于2024年4月9日前" in text
    assert AuditEvent.objects.filter(action="supervisionletter.issue").exists()
    # The next letter of the year takes the next number.
    m2 = q1_milestone(users, "housing", "（十五）")
    sweep_at(2024, 4, 5, 1, 0)
    m2.refresh_from_db()
    if m2.state == MilestoneState.OVERDUE:
        second = SupervisionLetter.objects.get(milestone=m2)
        assert second.serial > letter.serial


def test_unanswered_letter_escalates_to_the_leader_in_charge(users):
    m = q1_milestone(users)
    wang = users["leader"].person
    assert LeaderCharge.objects.filter(leader=wang, org=users["inspector"].org).exists()
    sweep_at(2024, 4, 1, 0, 0)
    sweep_at(2024, 4, 4, 1, 0)
    letter = SupervisionLetter.objects.get(milestone=m)
    sweep_at(2024, 4, 10, 0, 0)  # seven days not yet over
    letter.refresh_from_db()
    assert letter.state == LetterState.ISSUED
    sweep_at(2024, 4, 11, 2, 0)
    letter.refresh_from_db()
    assert letter.state == LetterState.ESCALATED and letter.escalated_at
    assert Message.objects.filter(
        recipient=users["leader"], link=f"/duties/letters/{letter.pk}/"
    ).exists()
    assert AuditEvent.objects.filter(action="supervisionletter.escalate").exists()


def test_a_report_answers_the_letter_and_stops_escalation(users):
    m = q1_milestone(users)
    sweep_at(2024, 4, 1, 0, 0)
    sweep_at(2024, 4, 4, 1, 0)
    letter = SupervisionLetter.objects.get(milestone=m)
    with clock.frozen(dt.datetime(2024, 4, 5, tzinfo=UTC)):
        services.report_progress(actor=users["inspector"], milestone=m, text="已整改", percent=60)
    letter.refresh_from_db()
    assert letter.state == LetterState.ANSWERED
    sweep_at(2024, 4, 20, 0, 0)
    letter.refresh_from_db()
    assert letter.state == LetterState.ANSWERED
    assert not Message.objects.filter(
        recipient=users["leader"], link=f"/duties/letters/{letter.pk}/"
    ).exists()


def test_letter_pages_and_pdf_are_scoped(users, client_for):
    m = q1_milestone(users)
    sweep_at(2024, 4, 1, 0, 0)
    sweep_at(2024, 4, 4, 1, 0)
    letter = SupervisionLetter.objects.get(milestone=m)
    r = client_for("inspector").get(f"/duties/letters/{letter.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert letter.number in pdf_text(r.content)
    assert client_for("housing").get(f"/duties/letters/{letter.pk}/").status_code == 404
    assert client_for("enterprise").get(f"/duties/letters/{letter.pk}/pdf/").status_code == 404
    assert client_for("office").get("/duties/letters/").status_code == 200


# --- task close / reopen, API review actions ------------------------------------------------


def test_close_and_reopen_on_the_page_and_in_the_api(users, client_for):
    t = task("（十五）")
    assert client_for("inspector").post(f"/duties/tasks/{t.pk}/close/").status_code == 404
    assert client_for("office").get(f"/duties/tasks/{t.pk}/close/").status_code == 404
    r = client_for("office").post(f"/duties/tasks/{t.pk}/close/")
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.state == TaskState.COMPLETED
    page = client_for("office").get(f"/duties/tasks/{t.pk}/").content.decode()
    assert f"/duties/tasks/{t.pk}/reopen/" in page
    # API: the inspector sees the task but may not change it (403); the office may.
    api = f"/api/v1/key-tasks/{t.pk}/reopen/"
    assert client_for("inspector").post(api).status_code == 403
    assert client_for("enterprise").post(api).status_code == 404
    assert client_for("office").get(api).status_code == 405
    r = client_for("office").post(api)
    assert r.status_code == 200 and r.json()["state"] == "open"
    r = client_for("office").post(f"/api/v1/key-tasks/{t.pk}/close/")
    assert r.json()["state"] == "completed"
    assert AuditEvent.objects.filter(action="keytask.reopen", object_id=str(t.pk)).exists()


def test_api_confirm_and_return_follow_the_page_rules(users, client_for):
    m = q1_milestone(users, "housing", "（十五）")
    report = services.report_progress(actor=users["housing"], milestone=m, text="进展", percent=40)
    url = f"/api/v1/progress-reports/{report.pk}"
    # The reporter may not review its own report; the township does not see it.
    assert client_for("housing").post(f"{url}/confirm/").status_code == 403
    assert client_for("enterprise").post(f"{url}/confirm/").status_code == 404
    assert client_for("housing").get(f"/duties/reports/{report.pk}/review/").status_code == 404
    r = client_for("office").post(f"{url}/return/", {}, content_type="application/json")
    assert r.status_code == 400  # a note is required
    r = client_for("office").post(
        f"{url}/return/", {"note": "请补充数据"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "returned"
    m.refresh_from_db()
    assert m.state == MilestoneState.PENDING
    r = client_for("office").post(f"{url}/confirm/", {}, content_type="application/json")
    assert r.status_code == 400  # already reviewed
    second = services.report_progress(actor=users["housing"], milestone=m, text="补充", percent=50)
    r = client_for("office").post(
        f"/api/v1/progress-reports/{second.pk}/confirm/", {}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    assert ProgressReport.objects.get(pk=second.pk).reviewer == users["office"]


# --- committee ---------------------------------------------------------------------------------


def test_demo_committee_has_a_missed_month_flagged_on_the_page(users, client_for):
    assert MeetingMonth.objects.filter(state=PeriodState.MISSED).count() >= 1
    html = client_for("leader").get("/duties/meetings/").content.decode()
    assert "bg-red" in html
    assert client_for("enterprise").get("/duties/meetings/").status_code == 200
    assert not Meeting.objects.restrict(users["enterprise"]).exists()


def test_month_without_meeting_is_missed_by_the_deadline(users):
    sweep_at(2031, 5, 10, 0, 0)  # the sweep opens the current month
    period = MeetingMonth.objects.get(year=2031, month=5)
    assert period.state == PeriodState.OPEN
    sweep_at(2031, 6, 1, 0, 0)
    period.refresh_from_db()
    assert period.state == PeriodState.MISSED
    assert Message.objects.filter(recipient=users["office"], subject__contains="2031-05").exists()


def test_meeting_recorded_meets_its_month_and_a_decision_becomes_a_task(users, client_for):
    c = client_for("office")
    wang = users["leader"].person
    with clock.frozen(dt.datetime(2031, 7, 3, 2, 0, tzinfo=UTC)):
        deadlines.sweep()
        r = c.post(
            "/duties/meetings/add/",
            {
                "title": "县安委会7月份调度会",
                "kind": "monthly",
                "held_on": "2031-07-02",
                "location": "县政府",
                "chair": wang.pk,
                "attendees": [wang.pk],
                "minutes": "研究部署汛期安全工作",
            },
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        meeting = Meeting.objects.get(title="县安委会7月份调度会")
        assert MeetingMonth.objects.get(year=2031, month=7).state == PeriodState.MET
        dept = users["inspector"].org
        co = Organisation.objects.get(short_name="县住建局")
        r = c.post(
            f"/duties/meetings/{meeting.pk}/decisions/",
            {
                "text": "开展汛期地质灾害隐患排查",
                "lead": dept.pk,
                "co_orgs": [co.pk],
                "due_date": "2031-10-31",
            },
        )
        assert r.status_code == 302
        decision = Decision.objects.get(meeting=meeting)
        assert (
            client_for("inspector").post(f"/duties/decisions/{decision.pk}/to-task/").status_code
            == 404
        )
        r = c.post(f"/duties/decisions/{decision.pk}/to-task/")
        assert r.status_code == 302
    decision.refresh_from_db()
    t = decision.task
    assert t.year == 2031 and t.due_date == dt.date(2031, 10, 31)
    roles = {(a.org_id, a.role) for a in t.assignments.all()}
    assert roles == {(dept.pk, "lead"), (co.pk, "co")}
    dues = sorted({m.due_at.date() for m in t.milestones.all()})
    assert dues == [dt.date(2031, 9, 30), dt.date(2031, 10, 31)]
    assert t.milestones.count() == 4
    # The lead department now sees and reports on it.
    assert KeyTask.objects.restrict(users["inspector"]).filter(pk=t.pk).exists()
    r = client_for("office").get(f"/api/v1/committee-meetings/{meeting.pk}/")
    assert r.status_code == 200 and r.json()["decisions"][0]["task"] == t.pk


# --- 包保 ----------------------------------------------------------------------------------------


def test_guarantor_selectors_return_active_assignments_only(users):
    mine = Organisation.objects.get(name="平陆县鸿岭煤业有限公司（基建矿井）")
    yard = Organisation.objects.get(name="山西河源氧化铝有限公司赤泥堆场")
    wang = users["leader"].person
    people = selectors.guarantor_people_for([mine.pk, yard.pk])
    assert isinstance(people.first(), Person)
    names = set(people.values_list("name", flat=True))
    assert wang.name in names and "陈局长（示例）" in names and "胡局长（示例）" in names
    assert selectors.guarantor_users_for(mine) == [users["leader"]]
    Guarantee.objects.filter(enterprise=mine).update(is_active=False)
    assert not selectors.guarantor_people_for([mine.pk]).exists()
    assert selectors.guarantor_users_for(mine) == []
    assert wang.name in set(
        selectors.guarantor_people_for([yard.pk]).values_list("name", flat=True)
    )
    plant = Organisation.objects.get(name="山西河源氧化铝有限公司")
    assert not selectors.guarantor_people_for([plant.pk]).exists()


def test_visit_deadline_reminds_then_flags_and_a_visit_resets_it(users, client_for):
    mine = Organisation.objects.get(name="平陆县鸿岭煤业有限公司（基建矿井）")
    g = Guarantee.objects.get(enterprise=mine)
    due = g.next_visit_due
    assert g.visit_state == VisitState.ON_TIME and g.reminder_state == "scheduled"
    with clock.frozen(due - dt.timedelta(days=3)):
        deadlines.sweep()
    assert Message.objects.filter(
        recipient=users["leader"], link=f"/duties/guarantees/{g.pk}/", subject__contains="鸿岭"
    ).exists()
    with clock.frozen(due + dt.timedelta(minutes=1)):
        deadlines.sweep()
        g.refresh_from_db()
        assert g.visit_state == VisitState.OVERDUE
        html = client_for("office").get("/duties/guarantees/").content.decode()
        assert "visits-overdue" in html and "鸿岭" in html
        # The leader (a guarantor) records an underground inspection; the next is scheduled.
        today = services._local_date(clock.now())
        c = client_for("leader")
        assert c.get(f"/duties/guarantees/{g.pk}/visit/").status_code == 200
        r = c.post(
            f"/duties/guarantees/{g.pk}/visit/",
            {
                "kind": "underground",
                "visited_on": today.isoformat(),
                "visitor": users["leader"].person_id,
                "findings": "井下通风正常",
                "hazards_found": 1,
            },
        )
        assert r.status_code == 302
    g.refresh_from_db()
    assert g.visit_state == VisitState.ON_TIME
    assert services._local_date(g.next_visit_due) == services.add_months(today, 2)
    # Someone not a guarantor may not record one.
    r = client_for("housing").post(
        f"/duties/guarantees/{g.pk}/visit/",
        {"kind": "visit", "visited_on": "2024-01-01", "visitor": users["leader"].person_id},
    )
    assert r.status_code == 404


def test_demo_has_an_overdue_visit_and_guarantees_are_scoped(users):
    assert Guarantee.objects.filter(visit_state=VisitState.OVERDUE).count() == 1
    assert Guarantee.objects.restrict(users["enterprise"]).count() == 1  # the red-mud yard
    assert Guarantee.objects.restrict(users["leader"]).count() == 5
    assert not Guarantee.objects.restrict(users["housing"]).exists()


# --- duty lists --------------------------------------------------------------------------------


def test_every_change_of_a_duty_list_is_a_version_with_a_diff(users, client_for):
    dl = DutyList.objects.get(title="县应急管理局安全生产职责清单")
    assert dl.versions.count() == 2
    c = client_for("inspector")  # the department edits its own list
    r = c.get(f"/duties/duty-lists/{dl.pk}/diff/")
    html = r.content.decode()
    assert r.status_code == 200 and "v1" in html and "v2" in html
    assert "负责非煤矿山、危险化学品、烟花爆竹等行业安全生产监督管理" in html
    content = dl.content + "\n牵头组织安全生产责任保险工作"
    data = {
        "org": dl.org_id,
        "kind": dl.kind,
        "position": "",
        "title": dl.title,
        "note": "增加安责险",
    }
    assert (
        c.post(f"/duties/duty-lists/{dl.pk}/edit/", {**data, "content": content}).status_code == 302
    )
    dl.refresh_from_db()
    assert dl.version == 3
    v3 = dl.versions.get(number=3)
    assert v3.changed_by == users["inspector"] and v3.note == "增加安责险"
    diff = services.duty_list_diff(dl.versions.get(number=2).content, v3.content)
    assert {"kind": "added", "text": "牵头组织安全生产责任保险工作"} in diff
    # Saving unchanged duties makes no version.
    c.post(f"/duties/duty-lists/{dl.pk}/edit/", {**data, "content": content})
    assert DutyListVersion.objects.filter(duty_list=dl).count() == 3
    assert client_for("housing").get(f"/duties/duty-lists/{dl.pk}/").status_code == 404


# --- division PDF, annual list ---------------------------------------------------------------


def test_division_pdf_is_landscape_with_the_lead_departments(client_for):
    r = client_for("office").get("/duties/board/division.pdf?year=2024")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = pdf_text(r.content)
    assert "2024年安全生产重点工作任务分工方案" in text
    assert "牵头单位" in text and "县应急局" in text
    assert len(reader.pages) > 1
    assert "牵头单位" in reader.pages[1].extract_text().replace(" ", "")  # header repeats


def test_annual_list_exports_to_excel(users, client_for):
    c = client_for("inspector")
    r = c.get("/duties/annual/")
    assert r.status_code == 200
    org = users["inspector"].org.pk
    r = c.get(f"/duties/annual/?year=2024&department={org}&export=xlsx")
    assert r.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert len(rows) > 5 and any("安全" in str(cell) for row in rows for cell in row)


@pytest.mark.django_db
def test_demo_seed_returns_a_dict_and_is_fast():
    import time

    from dixian.duties import demo

    start = time.monotonic()
    out = demo.seed()
    assert isinstance(out, dict) and out["key_tasks"] == 0
    assert time.monotonic() - start < 2
