"""Principal scoring (12-point cycle, consequence, yearly reset) and 五到位 self-checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from dixian.core import deadlines
from dixian.core.models import AuditEvent, Message, Person
from dixian.workforce import services
from dixian.workforce.models import (
    CycleState,
    FiveCheck,
    ReviewState,
    ScoreCycle,
    ScoringPolicy,
    ViolationType,
)

from .conftest import principal_of

D = dt.date


@pytest.fixture
def points():
    def make(n):
        return ViolationType.objects.get_or_create(
            code=f"test_{n}", defaults={"name": f"测试违法行为 {n} 分", "points": n}
        )[0]

    return make


def deduct(users, org, violation, day, who="inspector"):
    return services.deduct_points(
        actor=users[who],
        person=principal_of(org),
        enterprise=org,
        violation=violation,
        occurred_on=day,
    )


def test_eleven_points_is_below_twelve_reaches(users, mill, points, frozen):
    with frozen(D(2025, 5, 1)):
        d = deduct(users, mill, points(11), D(2025, 4, 1))
        assert d.cycle.points == 11 and d.cycle.state == CycleState.OPEN
        assert d.cycle.retrain_due_at is None
        inspectors_before = Message.objects.filter(recipient=users["inspector"]).count()
        d = deduct(users, mill, points(1), D(2025, 4, 2))
    cycle = ScoreCycle.objects.get(pk=d.cycle_id)
    assert cycle.points == 12 and cycle.state == CycleState.REACHED
    assert cycle.retrain_due_at.date() == D(2025, 5, 31)  # 30 days, configurable
    # The supervising department (县应急局 covers 工贸) and the enterprise are told.
    assert Message.objects.filter(recipient=users["inspector"]).count() == inspectors_before + 1
    assert Message.objects.filter(link=f"/workforce/scoring/{cycle.pk}/").exists()
    assert AuditEvent.objects.filter(action="scorecycle.reached", object_id=str(cycle.pk)).exists()
    # Further points still add up, without a second notice.
    with frozen(D(2025, 5, 2)):
        deduct(users, mill, points(3), D(2025, 5, 2))
    cycle.refresh_from_db()
    assert cycle.points == 15 and cycle.state == CycleState.REACHED


def test_cycle_resets_yearly_and_the_start_is_configurable(users, mill, points, frozen):
    with frozen(D(2026, 2, 1)):
        a = deduct(users, mill, points(11), D(2025, 12, 31))
        b = deduct(users, mill, points(3), D(2026, 1, 1))
    assert a.cycle_id != b.cycle_id
    assert (b.cycle.starts_on, b.cycle.ends_on) == (D(2026, 1, 1), D(2026, 12, 31))
    assert b.cycle.points == 3 and b.cycle.state == CycleState.OPEN
    policy = ScoringPolicy.current()
    policy.cycle_start_month, policy.cycle_start_day = 7, 1
    assert policy.cycle_for(D(2026, 6, 30)) == (D(2025, 7, 1), D(2026, 6, 30))
    assert policy.cycle_for(D(2026, 7, 1)) == (D(2026, 7, 1), D(2027, 6, 30))


def test_threshold_is_configurable(users, mill, points, frozen):
    policy = ScoringPolicy.current()
    policy.threshold = 6
    policy.save()
    with frozen(D(2025, 5, 1)):
        d = deduct(users, mill, points(6), D(2025, 4, 1))
    assert d.cycle.threshold == 6
    assert ScoreCycle.objects.get(pk=d.cycle_id).state == CycleState.REACHED


def test_retraining_deadline_and_clearing(users, mill, points, frozen):
    with frozen(D(2025, 5, 1)):
        cycle = deduct(users, mill, points(12), D(2025, 4, 1)).cycle
    with frozen(D(2025, 6, 1)) as now:
        assert deadlines.sweep(now)["workforce-retraining-overdue"] >= 1
    cycle.refresh_from_db()
    assert cycle.state == CycleState.OVERDUE
    with pytest.raises(Http404):
        services.clear_cycle(actor=users["enterprise"], cycle=cycle)  # not even in its scope
    with frozen(D(2025, 6, 5)):
        services.clear_cycle(actor=users["inspector"], cycle=cycle, note="考试合格")
        cycle.refresh_from_db()
        assert cycle.state == CycleState.CLEARED
        # Later violations count in a fresh cycle from the day of clearing.
        fresh = deduct(users, mill, points(3), D(2025, 6, 5)).cycle
    assert fresh.pk != cycle.pk and fresh.points == 3 and fresh.starts_on == D(2025, 6, 5)


def test_only_principals_and_only_departments(users, mill, alumina, points, frozen):
    worker = Person.objects.create(org=mill, name="普通员工（测试）")
    with frozen(D(2025, 5, 1)):
        with pytest.raises(ValidationError):
            services.deduct_points(
                actor=users["inspector"],
                person=worker,
                enterprise=mill,
                violation=points(3),
                occurred_on=D(2025, 4, 1),
            )
        with pytest.raises(PermissionDenied):
            deduct(users, alumina, points(3), D(2025, 4, 1), who="enterprise")
        with pytest.raises(Http404):
            deduct(users, alumina, points(3), D(2025, 4, 1), who="housing")


def test_demo_principals(coal, alumina):
    reached = ScoreCycle.objects.get(enterprise=coal)
    assert reached.points == 15 and reached.state == CycleState.REACHED
    assert ScoreCycle.objects.get(enterprise=alumina).points == 9


# --- 五到位 -------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def items(file=None):
    return {
        a: (True, f"{a} 的证明材料", file if a == "training" else None)
        for a in ["responsibility", "investment", "training", "management", "emergency"]
    }


def test_submit_review_return_and_resubmit(users, alumina, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("培训记录.png", PNG, content_type="image/png")
    check = services.submit_five_check(
        actor=users["enterprise"], enterprise=alumina, period="2025-h1", items=items(upload)
    )
    assert check.period == "2025-H1" and check.items.count() == 5
    stored = check.items.get(aspect="training").file
    assert stored.name.endswith(".png") and stored.read().startswith(b"\x89PNG")
    with pytest.raises(ValidationError):  # submitted once per period
        services.submit_five_check(
            actor=users["enterprise"], enterprise=alumina, period="2025-H1", items=items()
        )
    with pytest.raises(PermissionDenied):
        services.review_five_check(actor=users["enterprise"], check=check, decision="accept")
    with pytest.raises(ValidationError):
        services.review_five_check(actor=users["inspector"], check=check, decision="return")
    services.review_five_check(
        actor=users["inspector"], check=check, decision="return", note="培训记录不完整"
    )
    assert Message.objects.filter(recipient=users["enterprise"], body="培训记录不完整").exists()
    again = services.submit_five_check(
        actor=users["enterprise"], enterprise=alumina, period="2025-H1", items=items()
    )
    assert again.pk == check.pk and again.state == ReviewState.SUBMITTED
    services.review_five_check(actor=users["office"], check=again, decision="accept")
    assert FiveCheck.objects.get(pk=check.pk).state == ReviewState.ACCEPTED


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.png", b"MZ\x90\x00 not an image"),  # named .png, but not one
        ("doc.pdf", b"<html>not a pdf</html>"),
    ],
)
def test_evidence_type_is_checked_by_content(users, alumina, name, content):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError) as exc:
        services.submit_five_check(
            actor=users["enterprise"], enterprise=alumina, period="2025", items=items(upload)
        )
    assert "training" in exc.value.message_dict
    assert not FiveCheck.objects.filter(enterprise=alumina, period="2025").exists()


def test_evidence_size_is_checked(users, alumina):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * services.MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError):
        services.check_evidence_file(big)
    assert services.check_evidence_file(SimpleUploadedFile("ok.pdf", b"%PDF-1.7 ...")) == "pdf"


def test_period_and_every_aspect_required(users, alumina):
    with pytest.raises(ValidationError) as exc:
        services.submit_five_check(
            actor=users["enterprise"], enterprise=alumina, period="24", items=items()
        )
    assert "period" in exc.value.message_dict
    partial = items()
    del partial["emergency"]
    with pytest.raises(ValidationError) as exc:
        services.submit_five_check(
            actor=users["enterprise"], enterprise=alumina, period="2025", items=partial
        )
    assert "emergency" in exc.value.message_dict


def test_five_check_pages(client_for, alumina, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    c = client_for("enterprise")
    data = {"enterprise": alumina.pk, "period": "2025-Q1"}
    for a in ["responsibility", "investment", "training", "management", "emergency"]:
        data[f"{a}_in_place"] = "on"
        data[f"{a}_evidence"] = "已落实"
    data["training_file"] = SimpleUploadedFile("x.png", PNG)
    r = c.post("/workforce/five/add/", data)
    assert r.status_code == 302, r.context["form"].errors
    check = FiveCheck.objects.get(enterprise=alumina, period="2025-Q1")
    item = check.items.get(aspect="training")
    f = c.get(f"/workforce/five/items/{item.pk}/file/")
    assert f.status_code == 200 and f["Content-Type"] == "image/png"
    assert client_for("housing").get(f"/workforce/five/items/{item.pk}/file/").status_code == 404
    detail = client_for("inspector").get(f"/workforce/five/{check.pk}/")
    assert detail.context["may_review"]
    bad = dict(data, period="2025-Q2", training_file=SimpleUploadedFile("x.png", b"GIF89a"))
    r = c.post("/workforce/five/add/", bad)
    assert r.status_code == 200 and r.context["form"].errors["training_file"]
