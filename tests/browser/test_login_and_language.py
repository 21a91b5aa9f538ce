from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_flushable")]


def test_a_user_signs_in_and_switches_the_language(
    live_server: Any, page: Any, provider: Any
) -> None:
    UserFactory(
        email="browser@provider.example",
        name="Browser User",
        organization=provider,
        roles=["admin"],
        language="en",
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "browser@provider.example")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Users").count() >= 1

    page.click("[data-testid=lang-zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="用户").count() >= 1

    page.goto(f"{live_server.url}/accounts/users/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_a_wrong_password_shows_the_same_message_as_an_unknown_account(
    live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "nobody@provider.example")
    page.fill("#id_password", "wrong-password")
    page.click("[data-testid=login-submit]")
    assert page.get_by_text("do not match an active account").count() == 1
