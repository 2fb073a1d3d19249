"""The hidden-hazard closed loop: transitions, roles, errors in page and API, escalation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message, Organisation
from dixian.prevention import services
from dixian.prevention.models import (
    Hazard,
    HazardState,
    SupervisionNotice,
    WorkforceNotice,
)

ALUMINA = "山西河源氧化铝有限公司"


def png(size=(4, 4)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, format="PNG")
    return buf.getvalue()


def photo(name="after.png", data=None):
    return SimpleUploadedFile(name, data or png(), content_type="image/png")


@pytest.fixture
def alumina(db):
    return Organisation.objects.get(name=ALUMINA)


@pytest.fixture
def general(users, alumina):
    return services.report_hazard(
        actor=users["enterprise"], enterprise=alumina, title="测试：护栏松动", location="二层平台"
    )


def today():
    return services.local_today()


def test_general_hazard_walks_to_closed_with_a_colleague_verifying(users, general):
    ent, ent2 = users["enterprise"], users["enterprise2"]
    h = services.transition(
        actor=ent, hazard=general, action="assign", due_date=today() + dt.timedelta(days=5)
    )
    assert h.state == HazardState.ASSIGNED and h.due_at is not None
    h = services.transition(actor=ent, hazard=h, action="start")
    with pytest.raises(ValidationError) as err:
        services.transition(actor=ent, hazard=h, action="rectify", note="已紧固")
    assert "photos" in err.value.message_dict
    h = services.transition(actor=ent, hazard=h, action="rectify", note="已紧固", photos=[photo()])
    assert h.state == HazardState.RECTIFIED and h.rectified_by == ent
    with pytest.raises(services.TransitionError, match="整改人以外"):
        services.transition(actor=ent, hazard=h, action="verify")
    h = services.transition(actor=ent2, hazard=h, action="verify")
    h = services.transition(actor=ent2, hazard=h, action="close")
    assert h.state == HazardState.CLOSED and not h.is_open and h.closed_on_time
    actions = list(
        AuditEvent.objects.filter(object_type="prevention.hazard", object_id=str(h.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "hazard.open",
        "hazard.assign",
        "hazard.start",
        "hazard.rectify",
        "hazard.verify",
        "hazard.close",
    ]
    assert [s.to_state for s in h.steps.all()][-1] == HazardState.CLOSED


def test_rejected_verification_returns_it_to_rectifying(users, general):
    ent, ent2 = users["enterprise"], users["enterprise2"]
    h = services.transition(actor=ent, hazard=general, action="assign", due_date=today())
    h = services.transition(actor=ent, hazard=h, action="start")
    h = services.transition(actor=ent, hazard=h, action="rectify", note="x", photos=[photo()])
    with pytest.raises(ValidationError):
        services.transition(actor=ent2, hazard=h, action="reject", note="")
    h = services.transition(actor=ent2, hazard=h, action="reject", note="螺栓仍松动")
    assert h.state == HazardState.RECTIFYING


@pytest.mark.parametrize(
    "username, action, message",
    [
        ("enterprise", "close", "状态，不能"),
        ("enterprise", "report", "仅适用于"),
        ("leader", "assign", "只有本企业或其监管部门"),
    ],
)
def test_illegal_transitions_are_refused_with_a_message(users, general, username, action, message):
    with pytest.raises(Exception) as err:
        services.transition(actor=users[username], hazard=general, action=action)
    if message:
        assert isinstance(err.value, services.TransitionError)
        assert message in err.value.messages[0]
    general.refresh_from_db()
    assert general.state == HazardState.FOUND


def test_out_of_scope_user_gets_404(users, general):
    from django.http import Http404

    with pytest.raises(Http404):
        services.transition(
            actor=users["housing"], hazard=general, action="assign", due_date=today()
        )


def test_page_shows_the_refusal_and_api_answers_409(users, general, client_for):
    c = client_for("enterprise")
    r = c.get(f"/prevention/hazards/{general.pk}/close/")
    assert r.status_code == 200
    assert "不能" in r.content.decode() or "not possible" in r.content.decode()
    r = c.post(f"/prevention/hazards/{general.pk}/close/", {})
    assert r.status_code == 200 and b"transition-error" in r.content
    r = c.post(f"/api/v1/hazards/{general.pk}/close/", {}, content_type="application/json")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "illegal_transition"
    assert r.json()["error"]["message"]
    r = c.get(f"/api/v1/hazards/{general.pk}/assign/")
    assert r.json()["allowed"] is True
    r = c.post(
        f"/api/v1/hazards/{general.pk}/assign/",
        {"due_date": str(today() + dt.timedelta(days=3))},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "assigned"
    r = c.post(f"/api/v1/hazards/{general.pk}/start/", {}, content_type="application/json")
    assert r.status_code == 200
    r = c.post(
        f"/api/v1/hazards/{general.pk}/rectify/", {"note": ""}, content_type="application/json"
    )
    assert r.status_code == 400 and "note" in r.json()["error"]["fields"]


def test_page_transition_with_photo_upload(users, general, client_for):
    c = client_for("enterprise")
    c.post(f"/prevention/hazards/{general.pk}/assign/", {"due_date": str(today())})
    c.post(f"/prevention/hazards/{general.pk}/start/", {})
    r = c.post(
        f"/prevention/hazards/{general.pk}/rectify/",
        {"note": "已更换", "photos": [photo()]},
    )
    assert r.status_code == 302
    general.refresh_from_db()
    assert general.state == HazardState.RECTIFIED
    pic = general.photos.get()
    r = c.get(f"/prevention/photos/{pic.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"


def test_major_hazard_walks_the_whole_path_to_closure(users, alumina, client_for):
    ent, insp = users["enterprise"], users["inspector"]
    with pytest.raises(ValidationError):
        services.report_hazard(actor=ent, enterprise=alumina, title="x", level="major")
    h = services.report_hazard(
        actor=ent,
        enterprise=alumina,
        title="测试：煤气区域无报警",
        level="major",
        criteria_codes=["chemical-12"],
    )
    assert h.department.short_name == "县应急局"
    h = services.transition(actor=ent, hazard=h, action="report")
    assert WorkforceNotice.objects.filter(hazard=h).exists()
    assert Message.objects.filter(recipient=insp, link=f"/prevention/hazards/{h.pk}/").exists()
    with pytest.raises(services.TransitionError, match="只有监管部门或安委办"):
        services.transition(actor=ent, hazard=h, action="list", deadline=today())
    h = services.transition(
        actor=insp, hazard=h, action="list", deadline=today() + dt.timedelta(days=30)
    )
    notice = SupervisionNotice.objects.get(hazard=h)
    assert notice.number.startswith("平应急隐督〔") and notice.number.endswith("号")
    r = client_for("enterprise").get(f"/prevention/notices/{notice.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "挂牌督办通知书" in text and notice.number in text and alumina.name in text
    with pytest.raises(ValidationError) as err:
        services.transition(
            actor=ent, hazard=h, action="plan", responsibility="张三", measures="加装报警仪"
        )
    assert {"funds", "deadline", "emergency"} <= set(err.value.message_dict)
    h = services.transition(
        actor=ent,
        hazard=h,
        action="plan",
        responsibility="主要负责人 张三",
        measures="加装可燃气体报警仪并联锁",
        funds="120000",
        deadline=today() + dt.timedelta(days=20),
        emergency="泄漏时切断气源、撤离人员",
    )
    assert h.state == HazardState.RECTIFYING
    h = services.transition(actor=ent, hazard=h, action="complete", report="已完成安装并验收")
    with pytest.raises(services.TransitionError):
        services.transition(actor=ent, hazard=h, action="approve")
    h = services.transition(actor=insp, hazard=h, action="return", note="联锁未投用")
    assert h.state == HazardState.RECTIFYING
    h = services.transition(actor=ent, hazard=h, action="complete", report="联锁已投用")
    h = services.transition(actor=insp, hazard=h, action="approve")
    assert h.state == HazardState.CLOSED and not h.is_open


def run_sweep(at):
    with clock.frozen(at):
        return deadlines.sweep(at)


def test_missed_deadline_escalates_rung_by_rung(users, general):
    h = services.transition(
        actor=users["enterprise"], hazard=general, action="assign", due_date=today()
    )
    due = h.due_at
    run_sweep(due - dt.timedelta(minutes=1))
    h.refresh_from_db()
    assert h.escalation_level == 0
    run_sweep(due + dt.timedelta(minutes=1))
    h.refresh_from_db()
    assert h.escalation_level == 1
    run_sweep(due + dt.timedelta(minutes=2))
    h.refresh_from_db()
    assert h.escalation_level == 1
    run_sweep(due + dt.timedelta(hours=25))
    h.refresh_from_db()
    assert h.escalation_level == 2
    assert Message.objects.filter(recipient=users["inspector"], subject__contains=h.title).exists()
    run_sweep(due + dt.timedelta(hours=73))
    run_sweep(due + dt.timedelta(hours=169))
    h.refresh_from_db()
    assert h.escalation_level == 4 and h.next_escalation_at is None
    assert Message.objects.filter(recipient=users["office"], subject__contains=h.title).exists()
    assert AuditEvent.objects.filter(action="hazard.escalate", object_id=str(h.pk)).count() == 4


def test_open_hazard_from_source_for_other_apps(alumina):
    h = services.open_hazard_from_source(
        enterprise=alumina, title="测试：CO 浓度超限", source="sensor_alarm", source_ref="alarm:9"
    )
    again = services.open_hazard_from_source(
        enterprise=alumina, title="测试：CO 浓度超限", source="sensor_alarm", source_ref="alarm:9"
    )
    assert again.pk == h.pk and h.state == HazardState.FOUND
    with pytest.raises(ValidationError):
        services.open_hazard_from_source(enterprise=alumina, title="x", source="rumour")


def test_report_page_creates_a_hazard_with_photo(client_for, alumina):
    c = client_for("enterprise")
    r = c.post(
        "/prevention/hazards/add/",
        {
            "enterprise": alumina.pk,
            "title": "测试：地沟盖板缺失",
            "level": "general",
            "photos": [photo("x.png")],
        },
    )
    assert r.status_code == 302
    h = Hazard.objects.get(title="测试：地沟盖板缺失")
    assert h.source == "self_check" and h.photos.count() == 1
    r = c.post(
        "/prevention/hazards/add/",
        {
            "enterprise": alumina.pk,
            "title": "测试：假图片",
            "level": "general",
            "photos": [
                SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
            ],
        },
    )
    assert r.status_code == 200 and not Hazard.objects.filter(title="测试：假图片").exists()


def test_board_counts_overdue_and_zeroed(users, general, client_for):
    services.transition(
        actor=users["enterprise"], hazard=general, action="assign", due_date=today()
    )
    from dixian.prevention import selectors

    with clock.frozen(timezone.now() + dt.timedelta(days=2)):  # the deadline has passed
        board = selectors.board(users["enterprise"])
    assert board["totals"]["enterprises"] == 2
    assert board["totals"]["overdue"] >= 1
    assert board["totals"]["zeroed"] == 1  # the red-mud yard has nothing open
    county = selectors.board(users["office"])
    assert county["totals"]["open"] == Hazard.objects.filter(is_open=True).count()
    assert county["totals"]["zeroed"] > 0
    assert len(county["trend"]["labels"]) == len(county["trend"]["series"][2]["values"])
    assert county["trend"]["series"][2]["values"][-1] == county["totals"]["open"]
    r = client_for("housing").get("/prevention/board/")
    assert r.status_code == 200
    housing = selectors.board(users["housing"])
    assert (
        housing["totals"]["open"]
        == Hazard.objects.filter(is_open=True, enterprise__industries__code="construction")
        .distinct()
        .count()
    )


def test_stats_excel_and_monthly_pdf(client_for):
    import openpyxl

    c = client_for("office")
    r = c.get("/prevention/stats/?export=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert (
        wb.active["B2"].value == Hazard.objects.filter(found_at__year=timezone.now().year).count()
        or wb.active["B2"].value >= 0
    )
    r = c.get("/prevention/monthly/?format=pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "事故隐患排查治理情况月报" in text


def test_hazard_list_pages_by_keyset(client_for):
    c = client_for("office")
    r = c.get("/prevention/hazards/?open=1")
    assert r.status_code == 200
    first = Hazard.objects.filter(is_open=True).order_by("-pk").first()
    assert first.title in r.content.decode()
    r = c.get(f"/prevention/hazards/?open=1&before={first.pk}")
    assert first.title not in r.content.decode()
