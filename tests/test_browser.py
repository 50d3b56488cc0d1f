"""A support person's path through the admin, and the API docs, in headless Chromium.

Playwright drives Debian's chromium (/usr/bin/chromium; .ci/run installs it)
against pytest-django's live server. Screenshots land in tests/artifacts/.
"""

from pathlib import Path

import pytest
from django.db import connections
from model_bakery import baker
from playwright.sync_api import Page, sync_playwright

from tasks.models import Task
from todoproject.api import api
from users.services import user_grant_support

from .conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags the sandboxed machine refuses the browser's connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread, so Django takes
    # the test's own ORM calls for calls from async code and refuses them.
    # They are plain synchronous calls; allow them for this module's tests only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # While Playwright's loop runs, the test's ORM calls get database
        # connections of their own; close them, or the test database cannot be dropped.
        connections.close_all()


def sign_in(page: Page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_support_person_finds_tasks_and_marks_them_complete_in_the_admin(page, live_server, make_user):
    user_grant_support(user=make_user("support@example.com"))
    owner = make_user("ada@example.com")
    milk = baker.make(Task, user=owner, title="Buy milk")
    oat_milk = baker.make(Task, user=owner, title="Buy oat milk")
    other = baker.make(Task, user=owner, title="Call mum")

    sign_in(page, live_server.url, "support@example.com", "/admin/tasks/task/")
    page.wait_for_selector("#result_list")
    page.fill("#searchbar", "milk")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/tasks/task/?q=milk")
    assert page.locator("#result_list tbody tr").count() == 2
    assert page.locator("#result_list").inner_text().count("ada@example.com") == 2

    page.check("#action-toggle")
    page.select_option("select[name=action]", "mark_complete")
    page.click("button[name=index]")

    assert "Marked 2 task(s) complete." in page.locator(".messagelist").inner_text()
    assert set(Task.objects.filter(completed=True).values_list("pk", flat=True)) == {milk.pk, oat_milk.pk}
    other.refresh_from_db()
    assert other.completed is False
    # Styled: the admin's stylesheet gave the header its coloured background.
    header_background = page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
    assert header_background not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=ARTIFACTS / "admin-task-list.png", full_page=True)


def test_staff_deactivate_a_user_with_hundreds_of_tasks_and_open_their_tasks(page, live_server, make_user):
    make_user("admin@example.com", is_staff=True, is_superuser=True)
    owner = make_user("ada@example.com")
    Task.objects.bulk_create(Task(user=owner, title=f"Task {i}") for i in range(400))
    baker.make(Task, user=make_user("bob@example.com"), title="Bob's task")

    sign_in(page, live_server.url, "admin@example.com", f"/admin/users/user/{owner.pk}/change/")
    page.uncheck("#id_is_active")
    page.click("input[name=_continue]")

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    owner.refresh_from_db()
    assert owner.is_active is False
    assert owner.tasks.count() == 400
    page.click("text=400 task(s)")
    page.wait_for_selector("#result_list")
    assert page.locator(".paginator").inner_text().strip().endswith("400 tasks")
    assert "Bob's task" not in page.locator("#result_list").inner_text()


def test_api_docs_show_every_operation(page, live_server):
    schema = api.get_openapi_schema()
    expected = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}

    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock")

    shown = {
        (
            block.locator(".opblock-summary-method").inner_text(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in page.locator(".opblock").all()
    }
    assert shown == expected
    assert len(expected) >= 10
    page.screenshot(path=ARTIFACTS / "api-docs.png", full_page=True)
