"""Safety fees ledger (财资〔2022〕136号): accrual from the calculator, spending, balance,
flags, who enters and who reviews, the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dixian.core.models import Message
from dixian.workforce import services
from dixian.workforce.models import FeeAccount, FeeAccrual, FeeSpending, FeeUse, ReviewState

D = dt.date


@pytest.fixture
def account(mill):
    return FeeAccount.objects.create(
        enterprise=mill, sector="hazardous_goods", opened_on=D(2023, 12, 31)
    )


# Each tier boundary of both revenue-tier sectors, accrued evenly by month (÷ 12, to the fen).
@pytest.mark.parametrize(
    ("sector", "revenue", "annual"),
    [
        ("hazardous_goods", "0", "0"),
        ("hazardous_goods", "10000000", "450000"),
        ("hazardous_goods", "10000001", "450000.0225"),
        ("hazardous_goods", "100000000", "2475000"),
        ("hazardous_goods", "100000001", "2475000.0055"),
        ("hazardous_goods", "1000000000", "7425000"),
        ("hazardous_goods", "1000000001", "7425000.002"),
        ("fireworks", "10000000", "400000"),
        ("fireworks", "10000001", "400000.03"),
        ("fireworks", "20000000", "700000"),
        ("fireworks", "20000001", "700000.025"),
    ],
)
def test_monthly_accrual_at_every_tier_boundary(mill, sector, revenue, annual):
    account = FeeAccount(enterprise=mill, sector=sector, opened_on=D(2024, 1, 1))
    expected = (Decimal(annual) / 12).quantize(Decimal("0.01"))
    assert services.required_fee(account, revenue_yuan=Decimal(revenue)) == expected


def test_per_tonne_sectors_are_not_divided_by_twelve(coal):
    account = FeeAccount(
        enterprise=coal, sector="coal", categories="high_gas_complex", opened_on=D(2024, 1, 1)
    )
    assert services.required_fee(account, output_t=Decimal(1000)) == Decimal("30000.00")
    # 从高提取: several hazards, the highest rate.
    account.categories = "underground_other,outburst_rock_burst"
    assert services.required_fee(account, output_t=Decimal(1000)) == Decimal("50000.00")


def test_wrong_basis_is_refused_in_chinese(coal):
    account = FeeAccount(enterprise=coal, sector="coal", categories="open_pit")
    with pytest.raises(ValidationError) as exc:
        services.required_fee(account, revenue_yuan=Decimal(1))
    assert "按 output_t 计提" in exc.value.messages[0]


def test_accrual_spending_balance_and_flags(users, account):
    user = users["admin"]
    use = FeeUse.objects.get(code="ppe")
    a1 = services.record_accrual(
        actor=user, account=account, month=D(2024, 1, 15), revenue_yuan=Decimal(12_000_000)
    )
    # 450 000 + 2 000 000 × 2.25 % = 495 000 a year; 41 250 a month.
    assert a1.month == D(2024, 1, 1) and a1.required_yuan == Decimal("41250.00")
    assert a1.accrued_yuan == a1.required_yuan and a1.state == ReviewState.SUBMITTED
    services.record_accrual(
        actor=user,
        account=account,
        month=D(2024, 2, 1),
        revenue_yuan=Decimal(12_000_000),
        accrued_yuan=Decimal("41249.99"),
    )
    services.record_spending(
        actor=user,
        account=account,
        spent_on=D(2024, 2, 10),
        use=use,
        amount_yuan=Decimal("90000"),
        description="防护用品",
    )
    data = services.ledger(account, 2024)
    feb = data["months"][1]
    assert [m.month for m in data["months"]] == [D(2024, 1, 1), D(2024, 2, 1)]
    assert data["months"][0].balance == Decimal("41250.00")
    assert feb.balance == Decimal("41250.00") + Decimal("41249.99") - Decimal("90000")
    assert feb.under_extracted and feb.negative and data["flagged"]
    assert data["chart"]["labels"] == ["2024-01", "2024-02"]


def test_a_month_is_entered_once_unless_returned(users, account):
    args = {"actor": users["admin"], "account": account, "revenue_yuan": Decimal(1)}
    row = services.record_accrual(month=D(2024, 3, 1), **args)
    with pytest.raises(ValidationError):
        services.record_accrual(month=D(2024, 3, 31), **args)
    services.review_fee_entry(
        actor=users["inspector"], entry=row, decision="return", note="数据有误"
    )
    again = services.record_accrual(month=D(2024, 3, 1), **{**args, "revenue_yuan": Decimal(2)})
    assert again.pk == row.pk and again.state == ReviewState.SUBMITTED
    assert again.revenue_yuan == Decimal(2) and again.review_note == ""


def test_enterprise_enters_department_reviews(users, alumina):
    account = FeeAccount.objects.get(enterprise=alumina)
    use = FeeUse.objects.get(code="training")
    with pytest.raises(PermissionDenied):  # the department does not enter for the enterprise
        services.record_spending(
            actor=users["inspector"],
            account=account,
            spent_on=D(2024, 11, 2),
            use=use,
            amount_yuan=1,
            description="x",
        )
    with pytest.raises(Http404):  # out of 县住建局's jurisdiction
        services.record_spending(
            actor=users["housing"],
            account=account,
            spent_on=D(2024, 11, 2),
            use=use,
            amount_yuan=1,
            description="x",
        )
    row = services.record_spending(
        actor=users["enterprise"],
        account=account,
        spent_on=D(2024, 11, 2),
        use=use,
        amount_yuan=Decimal("100.50"),
        description="培训教材",
    )
    assert Message.objects.filter(recipient=users["inspector"], subject__contains="100.50").exists()
    with pytest.raises(PermissionDenied):  # the enterprise does not review itself
        services.review_fee_entry(actor=users["enterprise"], entry=row, decision="accept")
    with pytest.raises(ValidationError):  # a return needs a reason
        services.review_fee_entry(actor=users["inspector"], entry=row, decision="return")
    services.review_fee_entry(actor=users["inspector"], entry=row, decision="accept")
    row.refresh_from_db()
    assert row.state == ReviewState.ACCEPTED and row.reviewer == users["inspector"]
    with pytest.raises(ValidationError):
        services.review_fee_entry(actor=users["inspector"], entry=row, decision="accept")


def test_returned_entries_leave_the_balance(users, account):
    use = FeeUse.objects.get(code="ppe")
    row = services.record_spending(
        actor=users["admin"],
        account=account,
        spent_on=D(2024, 5, 1),
        use=use,
        amount_yuan=Decimal(10),
        description="x",
    )
    assert services.ledger(account)["balance"] == Decimal(-10)
    services.review_fee_entry(actor=users["office"], entry=row, decision="return", note="无票据")
    assert services.ledger(account)["balance"] == Decimal(0)


def test_demo_ledger(alumina, coal):
    data = services.ledger(FeeAccount.objects.get(enterprise=alumina), 2024)
    assert len(data["months"]) == 10
    # 1.2 亿 previous-year revenue: 2 585 000 a year, 215 416.67 a month.
    assert data["months"][0].required == Decimal("215416.67")
    assert [m.month.month for m in data["under_extracted"]] == [6]
    coal_data = services.ledger(FeeAccount.objects.get(enterprise=coal), 2024)
    assert coal_data["negative"]  # the March upgrade overdrew the account


def test_pages_record_accrual_and_spending(client_for, alumina):
    account = FeeAccount.objects.get(enterprise=alumina)
    c = client_for("enterprise")
    r = c.post(
        f"/workforce/fees/{account.pk}/accrue/",
        {"month": "2024-11", "revenue_yuan": "120000000"},
    )
    assert r.status_code == 302
    assert FeeAccrual.objects.get(account=account, month=D(2024, 11, 1)).accrued_yuan == Decimal(
        "215416.67"
    )
    use = FeeUse.objects.get(code="ppe")
    r = c.post(
        f"/workforce/fees/{account.pk}/spend/",
        {"spent_on": "2024-11-05", "use": use.pk, "amount_yuan": "1000", "description": "手套"},
    )
    assert r.status_code == 302
    page = c.get(f"/workforce/fees/{account.pk}/?year=2024")
    assert page.status_code == 200
    assert page.context["ledger"]["months"][-1].spent == Decimal(1000)
    # A month entered twice: the error is on the page, on the field.
    again = c.post(
        f"/workforce/fees/{account.pk}/accrue/", {"month": "2024-11", "revenue_yuan": "1"}
    )
    assert again.status_code == 200 and again.context["form"].errors["month"]


def test_department_reviews_on_the_page(client_for, alumina):
    row = FeeAccrual.objects.filter(
        account__enterprise=alumina, state=ReviewState.SUBMITTED
    ).first()
    enterprise = client_for("enterprise").post(
        f"/workforce/accruals/{row.pk}/review/", {"decision": "accept"}
    )
    assert enterprise.status_code == 200  # refused with a message, nothing changed
    row.refresh_from_db()
    assert row.state == ReviewState.SUBMITTED
    r = client_for("inspector").post(
        f"/workforce/accruals/{row.pk}/review/", {"decision": "return", "note": "请补提"}
    )
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.state == ReviewState.RETURNED and row.review_note == "请补提"


def test_fee_pages_are_scoped(client_for, alumina, coal):
    own = FeeAccount.objects.get(enterprise=alumina)
    other = FeeAccount.objects.get(enterprise=coal)
    c = client_for("enterprise")
    assert c.get(f"/workforce/fees/{other.pk}/").status_code == 404
    assert c.get(f"/workforce/fees/{other.pk}/accrue/").status_code == 404
    listed = [r["account"] for r in c.get("/workforce/fees/?year=2024").context["rows"]]
    assert listed == [own]
    inspector = [
        r["account"] for r in client_for("inspector").get("/workforce/fees/").context["rows"]
    ]
    assert set(inspector) == {own, other}
    assert client_for("housing").get(f"/workforce/fees/{own.pk}/").status_code == 404
    spending = FeeSpending.objects.filter(account=other).first()
    assert c.get(f"/workforce/spendings/{spending.pk}/review/").status_code == 404
