"""Key tasks from the Pinglu notice: import, re-import, scoping, progress, overdue, upload, API."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404

from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message, Organisation
from dixian.duties import services
from dixian.duties.models import (
    AssignmentRole,
    ClassKind,
    KeyTask,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReportState,
    TaskState,
)

DATA = Path(__file__).parent / "data"
PINGLU = DATA / "pinglu-2024-work-safety-notice.txt"
UTC = dt.UTC

# 31 items; item （二十一） splits into 5 sub-items (森林草原火灾, 水旱灾害, 地质灾害, 地震灾害,
# 气象灾害), each a task of its own: 36 tasks.
ITEMS, SUBITEMS = 31, 5


def clear_demo_tasks():
    """The session demo holds the Pinglu notice for 2024; these tests import it afresh
    (rolled back with the test)."""
    from dixian.duties.models import SupervisionLetter

    SupervisionLetter.objects.all().delete()
    KeyTask.objects.all().delete()


@pytest.fixture
def imported(db):
    clear_demo_tasks()
    return services.import_notice(PINGLU.read_bytes(), actor=None, year=2024)


def task(number, sub=""):
    return KeyTask.objects.get(year=2024, item_number=number, sub_key=sub)


def run_import(path, *args):
    out, err = StringIO(), StringIO()
    call_command("notice", "import", str(path), "--year", "2024", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- import ------------------------------------------------------------------------------------


def test_import_creates_one_task_per_item_and_sub_item(imported):
    assert len(imported.created) == ITEMS + SUBITEMS
    assert KeyTask.objects.filter(year=2024).count() == 36
    assert KeyTask.objects.filter(parent__isnull=True).count() == 31
    item21 = task("（二十一）")
    subs = list(item21.subtasks.order_by("sort").values_list("title", flat=True))
    assert subs == ["森林草原火灾", "水旱灾害", "地质灾害", "地震灾害", "气象灾害"]
    assert not item21.assignments.exists()  # the sub-items carry the departments
    fire = task("（二十一）", "森林草原火灾")
    roles = {(a.org.short_name, a.role) for a in fire.assignments.all()}
    assert roles == {("县林业局", "lead"), ("县应急局", "co"), ("县公安局", "co")}
    assert task("（四）").inferred
    assert task("（一）").doc_number == "平政发〔2024〕1号"
    assert task("（一）").due_date == dt.date(2024, 12, 31)


def test_classes_are_kept_as_classes_and_resolved_for_milestones(imported):
    first = task("（一）")
    kinds = set(first.assignments.exclude(class_kind="").values_list("class_kind", flat=True))
    assert kinds == {ClassKind.TOWNSHIP_GOVERNMENTS, ClassKind.DEPARTMENTS}
    townships = Organisation.objects.filter(kind="township_government").count()
    orgs = set(first.milestones.values_list("org__kind", flat=True))
    assert {"township_government", "department", "committee_office"} <= orgs
    assert first.milestones.filter(org__kind="township_government").count() == townships * 4
    third = task("（三）")  # 县负有安全监管职责的部门督促企业落实
    (a,) = third.assignments.all()
    assert (a.class_kind, a.role) == (ClassKind.SUPERVISORY_DEPARTMENTS, AssignmentRole.SUPERVISE)
    orgs = set(third.milestones.values_list("org__short_name", flat=True))
    assert "县应急局" in orgs and "县住建局" in orgs
    assert "县林业局" not in orgs  # no supervisory remit in the demo
    assert not third.milestones.filter(org__kind="township_government").exists()


def test_quarterly_milestones_in_utc(imported):
    dues = sorted(set(task("（十二）").milestones.values_list("due_at", flat=True)))
    # 23:59:59 Asia/Shanghai is 15:59:59 UTC.
    assert dues == [
        dt.datetime(2024, 3, 31, 15, 59, 59, tzinfo=UTC),
        dt.datetime(2024, 6, 30, 15, 59, 59, tzinfo=UTC),
        dt.datetime(2024, 9, 30, 15, 59, 59, tzinfo=UTC),
        dt.datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC),
    ]


def test_reimporting_the_same_notice_changes_nothing(imported):
    events = AuditEvent.objects.count()
    milestones = Milestone.objects.count()
    out, _err = run_import(PINGLU)
    assert "0 created, 0 changed, 36 unchanged" in out
    assert AuditEvent.objects.count() == events
    assert Milestone.objects.count() == milestones


def test_command_import_reports_counts(db):
    clear_demo_tasks()
    out, err = run_import(PINGLU)
    assert "36 created, 0 changed" in out
    assert "every named department matched" in err


def revised(tmp_path, *replacements) -> Path:
    text = PINGLU.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "revised.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_revised_notice_dry_run_then_apply(imported, tmp_path):
    path = revised(
        tmp_path,
        (
            "（县林业局牵头，县应急局、县公安局等部门分工负责）",
            "（县林业局牵头，县应急局、县公安局、县气象局等部门分工负责）",
        ),
        ("推行“无视频不作业”。", "推行“无视频不作业”，严禁无监控作业。"),
    )
    out, _err = run_import(path, "--dry-run")
    # （十）, the sub-item 森林草原火灾 and its item （二十一）, whose text holds the sub-items'.
    assert "dry run" in out and "0 created, 3 changed" in out
    assert "adds 县气象局〔co〕" in out
    assert "requirement changed" in out
    fire = task("（二十一）", "森林草原火灾")
    assert not fire.assignments.filter(name="县气象局").exists()

    out, _err = run_import(path)
    assert "0 created, 3 changed" in out
    weather = Organisation.objects.get(short_name="县气象局")
    assert fire.assignments.filter(org=weather, role="co").exists()
    assert fire.milestones.filter(org=weather).count() == 4
    assert "严禁无监控作业" in task("（十）").requirement
    assert AuditEvent.objects.filter(action="keytask.update").count() == 3
    out, _err = run_import(path)
    assert "0 created, 0 changed" in out


def test_unmatched_names_are_reported_and_kept(db, tmp_path):
    path = revised(
        tmp_path,
        ("（县应急局、县消防救援大队等部门分工负责）", "（县应急局、县数据局等部门分工负责）"),
    )
    out, err = run_import(path)
    assert "县数据局" in err and "matched no single organisation" in err
    t = task("（二十二）")
    assert t.unmatched_names == ["县数据局"]
    a = t.assignments.get(name="县数据局")
    assert a.org is None and a.unmatched


def test_bad_input_exits_2(db, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("一、总则\n（一）测试".encode("gb18030"))
    with pytest.raises(Exception) as exc:
        run_import(path)
    assert "not UTF-8" in str(exc.value)


def test_only_county_editors_import(users):
    clear_demo_tasks()
    with pytest.raises(PermissionDenied):
        services.import_notice(PINGLU.read_bytes(), actor=users["inspector"], year=2024)
    result = services.import_notice(PINGLU.read_bytes(), actor=users["office"], year=2024)
    assert len(result.created) == 36


# --- scoping ------------------------------------------------------------------------------------


def visible(user):
    return set(KeyTask.objects.restrict(user).values_list("item_number", "sub_key"))


def test_scoping_per_role(imported, users):
    assert len(visible(users["leader"])) == 36
    assert len(visible(users["office"])) == 36
    assert visible(users["enterprise"]) == set()
    assert visible(users["grid"]) == set()

    inspector = visible(users["inspector"])  # 县应急局: named, and a supervisory department
    assert ("（十二）", "") in inspector  # 县应急局 alone
    assert ("（三）", "") in inspector  # 县负有安全监管职责的部门
    assert ("（二十一）", "森林草原火灾") in inspector
    assert ("（二十九）", "") not in inspector  # 县安委办 only

    housing = visible(users["housing"])  # 县住建局
    assert ("（十五）", "") in housing  # lead
    assert ("（十四）", "") in housing
    assert ("（十二）", "") not in housing
    assert ("（二十一）", "水旱灾害") in housing
    assert ("（二十一）", "森林草原火灾") not in housing

    township = visible(users["township"])  # 曹川镇人民政府: the class 乡镇人民政府
    assert township == {("（一）", "")}


def test_out_of_scope_task_is_404(imported, client_for):
    t = task("（十二）")
    assert client_for("housing").get(f"/duties/tasks/{t.pk}/").status_code == 404
    assert client_for("inspector").get(f"/duties/tasks/{t.pk}/").status_code == 200
    assert client_for("enterprise").get(f"/api/v1/key-tasks/{t.pk}/").status_code == 404


def test_scoping_walk_with_tasks_and_reports(imported, users, client_for, client):
    """The core walk over every URL pattern, now with duties objects in the database."""
    from dixian.core.tests import test_scoping

    m = task("（十五）").milestones.filter(org=users["inspector"].org).first()
    services.report_progress(actor=users["inspector"], milestone=m, text="进展", percent=30)
    from dixian.core.notify import enqueue

    for username in test_scoping.ROLES:  # what the walk's own fixture does
        enqueue(subject=f"hello {username}", recipients=[users[username]])
    test_scoping.test_every_url_with_every_role(users, client_for, client)


# --- progress -----------------------------------------------------------------------------------


def first_milestone(t, org):
    return t.milestones.filter(org=org).order_by("due_at").first()


def test_report_then_confirm_by_lead(imported, users):
    inspector, housing = users["inspector"], users["housing"]
    t = task("（十五）")  # 县住建局 leads, 县应急局 co-operates
    m = first_milestone(t, inspector.org)
    report = services.report_progress(actor=inspector, milestone=m, text="已排查12处", percent=40)
    m.refresh_from_db()
    assert m.state == MilestoneState.REPORTED
    assert Message.objects.filter(recipient=housing, subject__contains=t.title).exists()
    with pytest.raises(ValidationError):
        services.report_progress(actor=inspector, milestone=m, text="again", percent=50)

    services.review_report(actor=housing, report=report, decision="confirm")
    report.refresh_from_db()
    m.refresh_from_db()
    assert report.state == ReportState.CONFIRMED and report.reviewer == housing
    assert m.state == MilestoneState.CONFIRMED
    assert Message.objects.filter(recipient=inspector, subject__contains="已确认").exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"progressreport.submit", "progressreport.confirm"} <= actions


def test_return_needs_a_note_and_reopens_the_milestone(imported, users):
    inspector, office = users["inspector"], users["office"]
    m = first_milestone(task("（十二）"), inspector.org)  # no lead: 安委办 reviews
    report = services.report_progress(actor=inspector, milestone=m, text="进展", percent=10)
    with pytest.raises(ValidationError):
        services.review_report(actor=office, report=report, decision="return")
    services.review_report(actor=office, report=report, decision="return", note="请补充数据")
    report.refresh_from_db()
    m.refresh_from_db()
    assert report.state == ReportState.RETURNED and report.review_note == "请补充数据"
    assert m.state == MilestoneState.PENDING
    msg = Message.objects.filter(recipient=inspector, subject__contains="退回").get()
    assert msg.body == "请补充数据"
    services.report_progress(actor=inspector, milestone=m, text="补充", percent=20)


def test_who_may_report_and_review(imported, users):
    inspector, housing = users["inspector"], users["housing"]
    t = task("（十五）")
    own = first_milestone(t, housing.org)
    other = first_milestone(t, inspector.org)
    with pytest.raises(PermissionDenied):  # sees the milestone, but it is not its own
        services.report_progress(actor=housing, milestone=other, text="x", percent=1)
    with pytest.raises(PermissionDenied):  # the county leader only reads
        services.report_progress(actor=users["leader"], milestone=other, text="x", percent=1)
    with pytest.raises(Http404):
        services.report_progress(actor=users["enterprise"], milestone=other, text="x", percent=1)
    report = services.report_progress(actor=housing, milestone=own, text="x", percent=5)
    with pytest.raises(PermissionDenied):  # the lead does not confirm its own report
        services.review_report(actor=housing, report=report, decision="confirm")
    with pytest.raises(PermissionDenied):  # a co-operating department does not review
        services.review_report(actor=inspector, report=report, decision="confirm")
    services.review_report(actor=users["office"], report=report, decision="confirm")


def test_task_completes_when_every_milestone_is_confirmed(imported, users):
    t = task("（十二）")  # 县应急局 alone: 4 milestones
    for m in t.milestones.all():
        r = services.report_progress(
            actor=users["inspector"], milestone=m, text="完成", percent=100
        )
        services.review_report(actor=users["office"], report=r, decision="confirm")
    t.refresh_from_db()
    assert t.state == TaskState.COMPLETED


def test_report_pages(imported, users, client_for):
    t = task("（十五）")
    m = first_milestone(t, users["inspector"].org)
    c = client_for("inspector")
    assert c.get(f"/duties/milestones/{m.pk}/report/").status_code == 200
    assert client_for("housing").get(f"/duties/milestones/{m.pk}/report/").status_code == 404
    response = c.post(f"/duties/milestones/{m.pk}/report/", {"text": "进展顺利", "percent": 60})
    assert response.status_code == 302
    report = ProgressReport.objects.get(milestone=m)
    h = client_for("housing")
    assert h.get(f"/duties/reports/{report.pk}/review/").status_code == 200
    response = h.post(f"/duties/reports/{report.pk}/review/", {"decision": "confirm", "note": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.CONFIRMED


# --- overdue -----------------------------------------------------------------------------------


def test_overdue_handler_marks_and_notifies_once(imported, users):
    t = task("（十二）")
    q1 = first_milestone(t, users["inspector"].org)
    reported = first_milestone(task("（十）"), users["inspector"].org)
    services.report_progress(actor=users["inspector"], milestone=reported, text="x", percent=5)
    with clock.frozen(dt.datetime(2024, 3, 31, 15, 59, 58, tzinfo=UTC)):
        deadlines.sweep()
    q1.refresh_from_db()
    assert q1.state == MilestoneState.PENDING
    due_q1 = Milestone.objects.filter(due_at=q1.due_at, state=MilestoneState.PENDING).count()
    with clock.frozen(dt.datetime(2024, 4, 1, 0, 0, tzinfo=UTC)):
        done = deadlines.sweep()
        assert done["duties-milestones-overdue"] == due_q1
        assert deadlines.sweep()["duties-milestones-overdue"] == 0  # idempotent
    q1.refresh_from_db()
    reported.refresh_from_db()
    assert q1.state == MilestoneState.OVERDUE
    assert q1.overdue_at == dt.datetime(2024, 4, 1, 0, 0, tzinfo=UTC)
    assert reported.state == MilestoneState.REPORTED  # reported in time: not overdue
    key = f"duties-overdue:{q1.pk}"
    recipients = set(
        Message.objects.filter(dedupe_key__startswith=key + ":").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"inspector", "duty", "office"}
    assert AuditEvent.objects.filter(action="milestone.overdue", object_id=str(q1.pk)).count() == 1
    # An overdue milestone may still be reported (late).
    services.report_progress(actor=users["inspector"], milestone=q1, text="补报", percent=25)


# --- upload page -------------------------------------------------------------------------------


def upload(client, name, data, year=2024):
    return client.post("/duties/import/", {"file": SimpleUploadedFile(name, data), "year": year})


def test_upload_refuses_bad_files_with_a_chinese_message(db, client_for):
    clear_demo_tasks()
    c = client_for("office")
    html = upload(c, "notice.txt", PINGLU.read_text().encode("gb18030")).content.decode()
    assert "不是UTF-8编码" in html and "0x" in html and "GBK" in html
    html = upload(c, "notice.pdf", b"%PDF-1.4").content.decode()
    assert "只能导入纯文本" in html and "notice.pdf" in html
    html = upload(c, "big.txt", b"a" * (2 * 1024 * 1024 + 1)).content.decode()
    assert "2 MB" in html or "2MB" in html
    html = upload(c, "x.txt", "没有章节的文字。".encode()).content.decode()
    assert "未找到" in html
    assert not KeyTask.objects.exists()


def test_upload_preview_then_apply(db, client_for):
    clear_demo_tasks()
    c = client_for("office")
    response = upload(c, "pinglu.txt", PINGLU.read_bytes())
    assert response.status_code == 200
    assert not KeyTask.objects.exists()  # preview only
    result = response.context["result"]
    assert len(result.created) == 36
    response = c.post("/duties/import/", {"confirm": "1", "digest": response.context["digest"]})
    assert response.status_code == 302
    assert KeyTask.objects.count() == 36
    assert AuditEvent.objects.filter(action="keytask.import", actor_name="office").exists()


def test_upload_page_is_for_safety_office_and_admin(db, client_for):
    assert client_for("admin").get("/duties/import/").status_code == 200
    for username in ("leader", "inspector", "township", "enterprise", "duty"):
        assert client_for(username).get("/duties/import/").status_code == 404
        assert upload(client_for(username), "p.txt", PINGLU.read_bytes()).status_code == 404


# --- board, my tasks, API, demo -----------------------------------------------------------------


def test_board_and_my_tasks(imported, users, client_for):
    response = client_for("office").get("/duties/board/?year=2024")
    assert response.status_code == 200
    board = response.context["board"]
    assert board["total"] == 36
    assert [s["total"] for s in board["sections"]] == [4, 4, 10, 8, 4, 3, 3]
    html = response.content.decode()
    assert 'data-chart="bar"' in html and 'id="chart-duties-orgs"' in html
    assert "<script>" not in html.split("</head>")[1].split('type="application/json"')[0]
    response = client_for("housing").get("/duties/board/")
    names = {o["name"] for o in response.context["board"]["orgs"]}
    assert "县住建局" in names
    response = client_for("township").get("/duties/mine/")
    assert response.status_code == 200 and response.context["paginator"].count == 1
    assert client_for("enterprise").get("/duties/mine/").context["paginator"].count == 0


def test_task_list_filters(imported, client_for, users):
    c = client_for("office")
    housing_org = users["housing"].org
    response = c.get(f"/duties/tasks/?department={housing_org.pk}")
    assert response.context["paginator"].count == len(visible(users["housing"]))
    assert c.get("/duties/tasks/?section=三").context["paginator"].count == 10
    assert c.get("/duties/tasks/?year=-5.7e92").status_code == 200  # no overflow
    assert client_for("inspector").get("/api/v1/milestones/?task=-5.7e92").status_code == 400
    csv = b"".join(c.get("/duties/tasks/?export=csv").streaming_content).decode("utf-8-sig")
    assert len([line for line in csv.splitlines() if line.strip()]) == 37


def test_api_scoped_and_progress_post(imported, users, client_for):
    c = client_for("inspector")
    count = c.get("/api/v1/key-tasks/").json()["count"]
    assert count == len(visible(users["inspector"]))
    assert client_for("enterprise").get("/api/v1/key-tasks/").json()["count"] == 0
    m = first_milestone(task("（十二）"), users["inspector"].org)
    assert c.get(f"/api/v1/milestones/?task={m.task_id}").json()["count"] == 4
    response = c.post(
        "/api/v1/progress-reports/",
        {"milestone": m.pk, "text": "接口报送", "percent": 35},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "submitted"
    other = first_milestone(task("（十五）"), users["housing"].org)
    response = client_for("leader").post(
        "/api/v1/progress-reports/",
        {"milestone": other.pk, "text": "x", "percent": 1},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = c.post(
        "/api/v1/progress-reports/",
        {"milestone": m.pk, "text": "again", "percent": 101},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_seed_duties_demo_is_idempotent(db):
    from dixian.duties.models import DutyListVersion, Guarantee, Meeting

    # The session demo already holds the duties demo: a second run changes nothing.
    assert KeyTask.objects.filter(year=2024).count() == 36
    counts = (Meeting.objects.count(), Guarantee.objects.count(), DutyListVersion.objects.count())
    out = StringIO()
    call_command("seed_duties_demo", stdout=out)
    assert "key_tasks=0" in out.getvalue()
    assert KeyTask.objects.filter(year=2024).count() == 36
    after = (Meeting.objects.count(), Guarantee.objects.count(), DutyListVersion.objects.count())
    assert after == counts
    assert counts[0] >= 5 and counts[1] == 5 and counts[2] == 4
