"""The duties in a real browser: a department reports progress, the lead department
confirms it; an overdue milestone's supervision letter (督办函) prints as a PDF whose text
extracts; the committee, 包保 and duty-list pages at desktop and phone widths."""

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import Session
from .test_processes import shell

MILESTONE_OF = (
    "from dixian.duties.models import Milestone\n"
    "m = Milestone.objects.filter(task__year=2024, task__item_number='（十五）', task__sub_key='',"
    " org__users__username='{user}', state__in=['pending', 'overdue'])"
    ".order_by('due_at').first()\n"
    "print(m.pk)\n"
)


def test_department_reports_and_the_lead_confirms(browser, server):
    pk = shell(server, MILESTONE_OF.format(user="inspector"))
    inspector = Session(browser, server)
    housing = Session(browser, server)
    try:
        inspector.login("inspector")
        inspector.go(f"/duties/milestones/{pk}/report/")
        page = inspector.page
        page.fill("textarea[name=text]", "已完成城镇燃气和经营性自建房联合检查12家，整改隐患8处。")
        page.fill("input[name=percent]", "60")
        inspector.shot("duties-report-desktop")
        page.click("form button[type=submit].btn-primary")
        expect(page.locator(".page-title")).to_contain_text("60%")
        report_url = page.url
        housing.login("housing")  # 县住建局 leads item （十五）
        housing.go(report_url.replace(server["url"], "") + "review/")
        hp = housing.page
        hp.check("input[name=decision][value=confirm]")
        hp.fill("textarea[name=note]", "情况属实，予以确认。")
        hp.click("form button[type=submit].btn-primary")
        expect(hp.locator(".alert-success")).to_be_visible()
        expect(hp.locator(".detail-list")).to_contain_text("已确认")
        housing.shot("duties-report-confirmed-desktop")
        assert not inspector.errors and not housing.errors, inspector.errors + housing.errors
    finally:
        inspector.close()
        housing.close()


def test_overdue_milestone_letter_prints_as_pdf(desktop, phone, server):
    """The sweeper issues letters (unit-tested with a controlled clock); here the demo's."""
    # The demo holds letters for overdue 2024 milestones (the 2024 notice is history).
    letter = shell(
        server,
        (
            "from dixian.duties.models import SupervisionLetter\n"
            "print(SupervisionLetter.objects.get(org__short_name='县应急局').pk)\n"
        ),
    )
    desktop.login("inspector")
    desktop.go(f"/duties/letters/{letter}/")
    number = desktop.page.locator(".detail-list dd").first.inner_text().strip()
    assert number.startswith("平安委办督〔") and number.endswith("号")
    expect(desktop.page.locator(".card-body", has_text="平陆县应急管理局：")).to_contain_text(
        "逾期"
    )
    desktop.shot("duties-letter-desktop")
    response = desktop.page.request.get(server["url"] + f"/duties/letters/{letter}/pdf/")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert "平陆县安全生产委员会办公室" in text and "督办函" in text and number in text
    phone.login("inspector")
    phone.go(f"/duties/letters/{letter}/")
    phone.shot("duties-letter-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


PAGES = [
    ("board", "/duties/board/?year=2024", "office"),
    ("meetings", "/duties/meetings/", "office"),
    ("guarantees", "/duties/guarantees/", "leader"),
    ("duty-lists", "/duties/duty-lists/", "office"),
    ("annual", "/duties/annual/", "inspector"),
]


def test_pages_at_desktop_and_phone_widths(desktop, phone, server):
    desktop.login("office")
    phone.login("office")
    for name, path, _user in PAGES:
        for session, width in ((desktop, "desktop"), (phone, "phone")):
            response = session.go(path)
            assert response.status == 200, (path, response.status)
            session.shot(f"duties-{name}-{width}")
    desktop.go("/duties/meetings/")
    expect(desktop.page.locator("[data-testid=meeting-months] .bg-red")).to_have_count(1)
    desktop.go("/duties/guarantees/")
    expect(desktop.page.locator("[data-testid=visits-overdue]")).to_contain_text("北岭")
    desktop.page.locator("table a", has_text="北岭").first.click()
    desktop.shot("duties-guarantee-desktop")
    desktop.go("/duties/duty-lists/?q=应急管理局安全生产职责清单")
    desktop.page.locator("table a", has_text="县应急管理局安全生产职责清单").first.click()
    desktop.page.locator("[data-testid=diff-link]").first.click()
    expect(desktop.page.locator("[data-testid=diff] .bg-green-lt").first).to_be_visible()
    desktop.shot("duties-dutylist-diff-desktop")
    phone.go(desktop.page.url.replace(server["url"], ""))
    phone.shot("duties-dutylist-diff-phone")
    desktop.go("/duties/meetings/")
    desktop.page.locator("table tbody a").first.click()
    desktop.shot("duties-meeting-desktop")
    response = desktop.page.request.get(server["url"] + "/duties/board/division.pdf?year=2024")
    assert response.status == 200
    assert "分工方案" in PdfReader(io.BytesIO(response.body())).pages[0].extract_text().replace(
        " ", ""
    )
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors
