"""The customer portal as its users meet it: the requester, their organization's admin,
another organization's requester (404, never listed) and the provider's staff (sent to
the agent UI). Every POST carries a CSRF token, as a browser's would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yunwei.core.models import AuditEntry
from yunwei.tickets import actions
from yunwei.tickets.models import Attachment, Comment, Survey, Ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100
SECRET = "内部备注：服务器密码在保险柜 7F3K"


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> Any:
    """A form POST with the CSRF token a rendered page hands out."""
    page = client.get("/portal/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token.group(1)})


def resolve(ticket: Ticket, agent: Any) -> Ticket:
    return actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="Replaced the roller."
    )


def texts(html: str, testid: str) -> list[str]:
    """The data-reference of every ticket row on a page."""
    return re.findall(rf'data-testid="{testid}" data-reference="([^"]+)"', html)


# --- signing in and the layout -----------------------------------------------------------


def test_a_customer_lands_on_the_portal_and_staff_on_the_agent_home(
    client_of: Any, requester: Any, agent: Any
) -> None:
    response = client_of(requester).get("/")
    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert client_of(agent).get("/").status_code == 200


def test_the_portal_is_for_signed_in_users(client: Client) -> None:
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_layout_is_for_phones_with_the_top_bar_a_user_needs(
    client_of: Any, requester: Any
) -> None:
    html = client_of(requester).get("/portal/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in html
    for testid in ("nav-new-request", "nav-my-tickets", "language-switch", "user-menu", "logout"):
        assert f'data-testid="{testid}"' in html, testid
    assert "Hello, " in html


def test_the_portal_speaks_chinese(client_of: Any, requester: Any) -> None:
    requester.language = "zh-hans"
    requester.save()
    client = client_of(requester)
    response = post(client, "/accounts/language/", {"language": "zh-hans", "next": "/portal/"})
    assert response["Location"] == "/portal/"
    html = client.get("/portal/").content.decode()
    assert '<html lang="zh-hans">' in html


@pytest.mark.parametrize(
    ("path", "agent_page"),
    [
        ("/portal/", "/"),
        ("/portal/services/", "/catalog/services/"),
        ("/portal/tickets/", "/tickets/"),
    ],
)
def test_staff_are_sent_to_the_agent_ui(
    client_of: Any, agent: Any, path: str, agent_page: str
) -> None:
    response = client_of(agent).get(path)
    assert (response.status_code, response["Location"]) == (302, agent_page)


def test_staff_opening_a_portal_ticket_get_its_agent_page(
    client_of: Any, agent: Any, ticket: Ticket, service: Any
) -> None:
    client = client_of(agent)
    assert client.get(f"/portal/tickets/{ticket.pk}/")["Location"] == f"/tickets/{ticket.pk}/"
    assert client.get(f"/portal/services/{service.pk}/")["Location"] == (
        f"/catalog/services/{service.pk}/"
    )


# --- home and catalogue ------------------------------------------------------------------


def test_home_shows_my_open_tickets_and_the_catalogue(
    client_of: Any, requester: Any, colleague: Any, ticket: Ticket, make_ticket: Any, agent: Any
) -> None:
    theirs = make_ticket(title="Colleague's laptop", actor=colleague)
    done = resolve(make_ticket(title="Old one"), agent)
    html = client_of(requester).get("/portal/").content.decode()
    assert texts(html, "ticket-row") == [ticket.reference]
    assert theirs.reference not in html
    assert done.reference not in html
    assert 'data-service="desktop"' in html
    assert 'data-state="new"' in html


def test_an_organization_admin_sees_the_whole_organizations_open_tickets(
    client_of: Any, org_admin: Any, ticket: Ticket, other_requester: Any
) -> None:
    html = client_of(org_admin).get("/portal/").content.decode()
    assert texts(html, "ticket-row") == [ticket.reference]
    assert "Open tickets of my organization" in html


def _home_links(html: str) -> tuple[str, dict[str, str]]:
    """The "All my tickets" address and the hidden fields of the home search form."""
    link = re.search(r'href="([^"]+)" data-testid="all-tickets"', html)
    search = re.search(r'data-testid="home-search">(.*?)</form>', html, re.S)
    assert link is not None
    assert search is not None
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="(\w+)"', search.group(1)))
    return link.group(1).replace("&amp;", "&"), hidden


def test_all_my_tickets_opens_every_state_and_search_covers_what_home_lists(
    client_of: Any, requester: Any, org_admin: Any, agent: Any, ticket: Ticket, make_ticket: Any
) -> None:
    done = resolve(make_ticket(title="Printer toner"), agent)
    link, hidden = _home_links(client_of(requester).get("/portal/").content.decode())
    html = client_of(requester).get(link).content.decode()
    assert texts(html, "ticket-row") == [done.reference, ticket.reference]
    assert hidden == {"state": "all"}

    # The organization admin's home lists the organization's tickets: its link and its
    # search cover them too, not only the admin's own.
    client = client_of(org_admin)
    link, hidden = _home_links(client.get("/portal/").content.decode())
    html = client.get(link).content.decode()
    assert texts(html, "ticket-row") == [done.reference, ticket.reference]
    html = client.get("/portal/tickets/", {**hidden, "q": "toner"}).content.decode()
    assert texts(html, "ticket-row") == [done.reference]


def test_the_catalogue_lists_only_my_organizations_live_services(
    client_of: Any, requester: Any, other_requester: Any, service: Any
) -> None:
    from yunwei.catalog import actions as catalog_actions

    catalog_actions.create_service(
        actor=None, code="globex-only", name_en="Globex mail", category="other",
        organizations=[other_requester.organization],
    )  # fmt: skip
    catalog_actions.create_service(
        actor=None, code="old", name_en="Old fax", category="other", status="retired",
        organizations=[requester.organization],
    )  # fmt: skip
    html = client_of(requester).get("/portal/services/").content.decode()
    assert re.findall(r'data-service="([^"]+)"', html) == ["desktop"]
    other = client_of(other_requester).get("/portal/services/").content.decode()
    assert re.findall(r'data-service="([^"]+)"', other) == ["globex-only"]


def test_a_service_page_offers_reporting_and_requesting(
    client_of: Any, requester: Any, other_requester: Any, service: Any
) -> None:
    html = client_of(requester).get(f"/portal/services/{service.pk}/").content.decode()
    assert f'href="/portal/services/{service.pk}/new/incident/"' in html
    assert f'href="/portal/services/{service.pk}/new/request/"' in html
    assert client_of(other_requester).get(f"/portal/services/{service.pk}/").status_code == 404


# --- raising a ticket ----------------------------------------------------------------------


def test_raising_an_incident_with_a_custom_field_and_an_attachment(
    client_of: Any, requester: Any, service: Any, hardware: Any, sla: Any
) -> None:
    client = client_of(requester)
    form = client.get(f"/portal/services/{service.pk}/new/incident/").content.decode()
    assert f'<option value="{hardware.pk}"' in form
    fields = client.get(
        f"/portal/services/{service.pk}/new/incident/fields/", {"category": hardware.pk}
    ).content.decode()
    assert 'name="cf_asset_tag"' in fields
    response = post(
        client,
        f"/portal/services/{service.pk}/new/incident/",
        {
            "title": "Screen flickers",
            "description": "Since **Monday**.",
            "category": hardware.pk,
            "cf_asset_tag": "ACME-0042",
            "impact": "low",
            "urgency": "high",
            "files": [SimpleUploadedFile("screen.png", PNG, content_type="image/png")],
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.type, ticket.channel, ticket.requester, ticket.category) == (
        "incident",
        "portal",
        requester,
        hardware,
    )
    assert ticket.custom_fields == {"asset_tag": "ACME-0042"}
    assert (ticket.impact, ticket.urgency) == ("low", "high")
    assert [a.name for a in ticket.attachments.all()] == ["screen.png"]
    page = client.get(response["Location"]).content.decode()
    assert "ACME-0042" in page
    assert "screen.png" in page
    assert "<strong>Monday</strong>" in page


def test_request_categories_do_not_offer_incident_ones(
    client_of: Any, requester: Any, service: Any, hardware: Any
) -> None:
    html = client_of(requester).get(f"/portal/services/{service.pk}/new/request/").content
    assert f'<option value="{hardware.pk}"'.encode() not in html


def test_a_missing_custom_field_is_named_and_nothing_is_raised(
    client_of: Any, requester: Any, service: Any, hardware: Any
) -> None:
    response = post(
        client_of(requester),
        f"/portal/services/{service.pk}/new/incident/",
        {"title": "Screen", "category": hardware.pk, "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 200
    assert 'name="cf_asset_tag" class="form-control is-invalid"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_refused_attachment_leaves_no_ticket(
    client_of: Any, requester: Any, service: Any
) -> None:
    client = client_of(requester)
    audit_before = AuditEntry.objects.count()
    response = post(
        client,
        f"/portal/services/{service.pk}/new/incident/",
        {
            "title": "Invoice attached",
            "impact": "medium",
            "urgency": "medium",
            "files": [
                SimpleUploadedFile("fine.png", PNG),
                SimpleUploadedFile("invoice.pdf", EXE),
            ],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="files-error"' in html
    assert "invoice.pdf" in html
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_another_organizations_service_and_unknown_types_are_not_found(
    client_of: Any, other_requester: Any, requester: Any, service: Any
) -> None:
    assert (
        client_of(other_requester).get(f"/portal/services/{service.pk}/new/incident/").status_code
        == 404
    )
    response = post(
        client_of(other_requester),
        f"/portal/services/{service.pk}/new/incident/",
        {"title": "Sneaky", "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 404
    assert client_of(requester).get(f"/portal/services/{service.pk}/new/problem/").status_code == (
        404
    )
    assert not Ticket.objects.exists()


def test_posting_without_a_csrf_token_is_refused(
    client_of: Any, requester: Any, service: Any
) -> None:
    response = client_of(requester).post(
        f"/portal/services/{service.pk}/new/incident/",
        {"title": "No token", "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


# --- my tickets ------------------------------------------------------------------------------


def test_my_tickets_filter_by_state_and_search_public_text_only(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket, make_ticket: Any
) -> None:
    done = resolve(make_ticket(title="VPN drops at night"), agent)
    actions.add_comment(ticket, actor=agent, body=f"{SECRET} 保险柜", public=False)
    client = client_of(requester)
    html = client.get("/portal/tickets/").content.decode()
    assert texts(html, "ticket-row") == [ticket.reference]
    html = client.get("/portal/tickets/", {"state": "resolved"}).content.decode()
    assert texts(html, "ticket-row") == [done.reference]
    html = client.get("/portal/tickets/", {"state": "all"}).content.decode()
    assert texts(html, "ticket-row") == [done.reference, ticket.reference]
    html = client.get("/portal/tickets/", {"state": "all", "q": "VPN"}).content.decode()
    assert texts(html, "ticket-row") == [done.reference]
    html = client.get("/portal/tickets/", {"state": "all", "q": "保险柜"}).content.decode()
    assert texts(html, "ticket-row") == []


def test_a_requester_sees_only_their_own_and_watched_tickets(
    client_of: Any, requester: Any, colleague: Any, ticket: Ticket, make_ticket: Any, agent: Any
) -> None:
    theirs = make_ticket(title="Colleague's laptop", actor=colleague)
    watched = make_ticket(title="Shared printer", actor=colleague)
    actions.update_ticket(watched, actor=agent, watchers=[requester])
    client = client_of(requester)
    html = client.get("/portal/tickets/", {"scope": "organization"}).content.decode()
    assert texts(html, "ticket-row") == [watched.reference, ticket.reference]
    assert 'data-testid="scope-filter"' not in html
    assert client.get(f"/portal/tickets/{theirs.pk}/").status_code == 404
    assert client.get(f"/portal/tickets/{watched.pk}/").status_code == 200


def test_an_organization_admin_chooses_mine_or_the_organizations(
    client_of: Any, org_admin: Any, ticket: Ticket, make_ticket: Any
) -> None:
    own = make_ticket(title="Boss's phone", actor=org_admin)
    client = client_of(org_admin)
    html = client.get("/portal/tickets/").content.decode()
    assert texts(html, "ticket-row") == [own.reference]
    html = client.get("/portal/tickets/", {"scope": "organization"}).content.decode()
    assert texts(html, "ticket-row") == [own.reference, ticket.reference]
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200


def test_another_organizations_tickets_are_neither_listed_nor_found(
    client_of: Any, other_requester: Any, ticket: Ticket
) -> None:
    client = client_of(other_requester)
    for scope in ("mine", "organization"):
        html = client.get("/portal/tickets/", {"state": "all", "scope": scope}).content.decode()
        assert ticket.reference not in html
    for path in ("", "reply/", "confirm/", "reopen/", "rate/"):
        url = f"/portal/tickets/{ticket.pk}/{path}"
        response = post(client, url, {"body": "x"}) if path else client.get(url)
        assert response.status_code == 404, path
    assert Comment.objects.count() == 0


def test_my_tickets_page_and_the_query_count_does_not_grow(
    client_of: Any, requester: Any, make_ticket: Any, settings: Any
) -> None:
    settings.PORTAL_PAGE_SIZE = 5
    client = client_of(requester)
    for n in range(3):
        make_ticket(title=f"Ticket {n}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/tickets/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(4):
        make_ticket(title=f"More {n}")
    assert queries() == few
    html = client.get("/portal/tickets/").content.decode()
    assert len(texts(html, "ticket-row")) == 5
    assert 'data-testid="next-page"' in html
    second = client.get("/portal/tickets/", {"page": 2}).content.decode()
    assert len(texts(second, "ticket-row")) == 2


# --- one ticket ------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_public_conversation_never_internal_notes(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    actions.add_comment(ticket, actor=agent, body=SECRET, public=False)
    note = actions.add_comment(ticket, actor=agent, body="Checked the logs.", public=False)
    actions.add_attachment(
        ticket, actor=agent, name="internal.png", stream=SimpleUploadedFile("x", PNG),
        comment=note,
    )  # fmt: skip
    actions.add_attachment(
        ticket, actor=agent, name="secret.png", stream=SimpleUploadedFile("y", PNG), public=False
    )
    actions.add_comment(ticket, actor=agent, body="We are **on it**.", public=True)
    html = client_of(requester).get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "<strong>on it</strong>" in html
    assert SECRET not in html
    assert "Checked the logs." not in html
    assert "internal.png" not in html
    assert "secret.png" not in html
    assert html.count('data-testid="comment"') == 1
    assert ticket.reference in html
    assert "Desktop support" in html
    secret = Attachment.objects.get(name="secret.png")
    url = f"/portal/tickets/{ticket.pk}/files/{secret.pk}/"
    assert client_of(requester).get(url).status_code == 404


def test_a_requester_replies_with_a_file(client_of: Any, requester: Any, ticket: Ticket) -> None:
    client = client_of(requester)
    response = post(
        client,
        f"/portal/tickets/{ticket.pk}/reply/",
        {"body": "It jams on **A3** only.", "files": [SimpleUploadedFile("jam.png", PNG)]},
    )
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/#conversation"
    comment = Comment.objects.get()
    assert (comment.author, comment.public, comment.channel) == (requester, True, "portal")
    file = comment.attachments.get()
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "<strong>A3</strong>" in html
    download = client.get(f"/portal/tickets/{ticket.pk}/files/{file.pk}/")
    assert b"".join(download.streaming_content) == PNG


def test_a_reply_of_files_only_lists_their_names(
    client_of: Any, requester: Any, ticket: Ticket
) -> None:
    client = client_of(requester)
    response = post(
        client,
        f"/portal/tickets/{ticket.pk}/reply/",
        {
            "body": "",
            "files": [SimpleUploadedFile("jam.png", PNG), SimpleUploadedFile("tray.png", PNG)],
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == "(Attachment) jam.png\n(Attachment) tray.png"
    assert sorted(comment.attachments.values_list("name", flat=True)) == ["jam.png", "tray.png"]
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "(Attachment) jam.png<br" in html


def test_an_empty_reply_is_named_and_nothing_written(
    client_of: Any, requester: Any, ticket: Ticket
) -> None:
    response = post(client_of(requester), f"/portal/tickets/{ticket.pk}/reply/", {"body": " "})
    assert response.status_code == 200
    assert 'class="form-control is-invalid"' in response.content.decode()
    assert not Comment.objects.exists()


def test_an_organization_admin_replies_to_a_colleagues_ticket_but_does_not_confirm_it(
    client_of: Any, org_admin: Any, agent: Any, ticket: Ticket
) -> None:
    client = client_of(org_admin)
    post(client, f"/portal/tickets/{ticket.pk}/reply/", {"body": "Any news?"})
    assert Comment.objects.get().author == org_admin
    resolve(ticket, agent)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="confirm-resolution"' not in html
    assert 'data-testid="rating-form"' not in html
    response = post(client, f"/portal/tickets/{ticket.pk}/confirm/")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    html = client.get(response["Location"]).content.decode()
    assert "Only the requester confirms or reopens a ticket." in html


def test_a_requester_confirms_the_resolution_and_rates_it(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    client = client_of(requester)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Replaced the roller." in html
    assert 'data-testid="confirm-resolution"' in html
    assert 'data-testid="rating-form"' in html
    post(client, f"/portal/tickets/{ticket.pk}/confirm/")
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    response = post(
        client, f"/portal/tickets/{ticket.pk}/rate/", {"score": "5", "comment": "Quick."}
    )
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/#satisfaction"
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (5, "Quick.")
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-score="5"' in html
    assert 'data-testid="rating-form"' not in html
    assert 'data-testid="reply-form"' not in html


def test_rating_twice_or_out_of_range_shows_why_and_keeps_the_first(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    client = client_of(requester)
    response = post(client, f"/portal/tickets/{ticket.pk}/rate/", {"score": "9"})
    assert response.status_code == 200
    assert 'data-testid="rating-form"' in response.content.decode()
    post(client, f"/portal/tickets/{ticket.pk}/rate/", {"score": "4"})
    response = post(client, f"/portal/tickets/{ticket.pk}/rate/", {"score": "1"})
    html = client.get(response["Location"]).content.decode()
    assert "You have rated this ticket." in html
    assert Survey.objects.get(ticket=ticket).score == 4


def test_the_requesters_reply_to_a_resolved_ticket_reopens_it_as_the_page_says(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    client = client_of(requester)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="reply-reopens"' in html
    assert "Replying reopens this ticket" in html
    assert 'data-testid="confirm-resolution"' in html
    response = post(client, f"/portal/tickets/{ticket.pk}/reply/", {"body": "Still jams."})
    ticket.refresh_from_db()
    assert (ticket.state, ticket.reopen_count) == ("assigned", 1)
    html = client.get(response["Location"]).content.decode()
    assert "Reply sent: the ticket is open again." in html
    assert 'data-testid="reply-reopens"' not in html
    assert 'data-testid="confirm-resolution"' not in html


def test_an_organization_admins_reply_leaves_a_resolved_ticket_resolved(
    client_of: Any, org_admin: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    client = client_of(org_admin)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="reply-reopens"' not in html
    response = post(client, f"/portal/tickets/{ticket.pk}/reply/", {"body": "Thanks."})
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert "Reply sent." in client.get(response["Location"]).content.decode()


def test_after_the_reopen_window_the_page_does_not_promise_a_reopening(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket, settings: Any
) -> None:
    resolve(ticket, agent)
    settings.TICKET_REOPEN_DAYS = 0
    client = client_of(requester)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="reply-reopens"' not in html
    assert 'data-testid="confirm-resolution"' in html
    post(client, f"/portal/tickets/{ticket.pk}/reply/", {"body": "One more thing."})
    ticket.refresh_from_db()
    assert ticket.state == "resolved"


def test_a_requester_reopens_within_the_window_with_a_note(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    client = client_of(requester)
    post(client, f"/portal/tickets/{ticket.pk}/reopen/", {"note": "Still jams."})
    ticket.refresh_from_db()
    assert (ticket.state, ticket.reopen_count) == ("assigned", 1)
    assert Comment.objects.get(ticket=ticket).body == "Still jams."


def test_reopening_too_late_is_not_offered_and_refused_with_a_message(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket, settings: Any
) -> None:
    resolve(ticket, agent)
    settings.TICKET_REOPEN_DAYS = 0  # resolved a moment ago is already too long ago
    client = client_of(requester)
    html = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="reopen"' not in html
    response = post(client, f"/portal/tickets/{ticket.pk}/reopen/", {"note": "Again"})
    html = client.get(response["Location"]).content.decode()
    assert "It was resolved too long ago to reopen" in html
    ticket.refresh_from_db()
    assert ticket.state == "resolved"


def test_confirming_an_open_ticket_shows_a_message_not_an_error_page(
    client_of: Any, requester: Any, ticket: Ticket
) -> None:
    client = client_of(requester)
    response = post(client, f"/portal/tickets/{ticket.pk}/confirm/")
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "This ticket cannot make that move from its current state." in html
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_replying_to_a_closed_ticket_is_refused_with_a_message(
    client_of: Any, requester: Any, agent: Any, ticket: Ticket
) -> None:
    resolve(ticket, agent)
    actions.transition_ticket(ticket, actor=requester, to="closed")
    client = client_of(requester)
    response = post(client, f"/portal/tickets/{ticket.pk}/reply/", {"body": "One more thing"})
    assert response.status_code == 200
    assert "This ticket is closed" in response.content.decode()
    assert not Comment.objects.exists()
