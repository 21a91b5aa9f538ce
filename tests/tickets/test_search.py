"""Full-text search over tickets in Chinese and English (`yunwei.tickets.search`).

Tickets are made directly with the ORM and indexed with `search.reindex`, as the actions
do inside their transaction. Run on SQLite (FTS5) and PostgreSQL (GIN + tsvector).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils.safestring import SafeString

from yunwei.catalog.models import Service
from yunwei.tickets import search
from yunwei.tickets.models import Comment, SearchDocument, Ticket

pytestmark = pytest.mark.django_db

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def search_service(db: Any) -> Service:
    return Service.objects.create(code="search-desk", name_zh="桌面运维", category="operations")


@pytest.fixture
def make(requester: Any, customer: Any, search_service: Service) -> MakeTicket:
    numbers = itertools.count(1)

    def make(
        title: str,
        description: str = "",
        *,
        comments: tuple[tuple[str, bool], ...] = (),
        organization: Any = None,
    ) -> Ticket:
        ticket = Ticket.objects.create(
            reference=f"INC-{next(numbers):06d}",
            type="incident",
            title=title,
            description=description,
            requester=requester,
            organization=organization or customer,
            service=search_service,
            priority="general",
        )
        for body, public in comments:
            Comment.objects.create(ticket=ticket, body=body, public=public)
        search.reindex(ticket.pk)
        return ticket

    return make


def found(user: Any, query: str) -> list[str]:
    """Titles of the tickets `user` finds with `query`, best first."""
    queryset = search.search(Ticket.objects.visible_to(user), query, user=user)
    return [ticket.title for ticket in queryset]


def fts_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_search_fts")
        return cursor.fetchone()[0]


def test_segmentation_keeps_words_and_drops_punctuation() -> None:
    words = search.segment("打印机坏了！Network DOWN, 服务器 192.168.1.10; INC-000123").split()
    assert {"打印", "打印机", "network", "down", "服务器", "192", "168", "10", "inc"} <= set(words)
    assert "000123" in words
    assert not {"！", ",", ";", "-", "."} & set("".join(words))
    assert search.segment("ＶＰＮ　２０２６") == "vpn 2026"  # full-width folded
    assert search.query_words("  打印机，网络！ VPN vpn ") == ["打印机", "网络", "vpn"]
    assert search.query_words(" ！？…「」 ") == []


def test_two_character_chinese_words(make: MakeTicket, agent: Any) -> None:
    make("网络不通", "办公室的网络断了")
    make("打印机卡纸", "三楼的打印机一直卡纸")
    make("邮件发送失败")
    assert found(agent, "网络") == ["网络不通"]
    assert found(agent, "打印") == ["打印机卡纸"]  # 打印 inside 打印机
    assert found(agent, "打印机") == ["打印机卡纸"]
    assert found(agent, "卡纸") == ["打印机卡纸"]
    assert found(agent, "网") == ["网络不通"]  # a lone character matches as a prefix
    assert found(agent, "会议室") == []


def test_english_words_case_insensitively(make: MakeTicket, requester: Any) -> None:
    make("VPN connection drops", "The Cisco AnyConnect client disconnects every hour.")
    make("Outlook 无法启动")
    assert found(requester, "vpn") == ["VPN connection drops"]
    assert found(requester, "Connection") == ["VPN connection drops"]
    assert found(requester, "ANYCONNECT") == ["VPN connection drops"]
    assert found(requester, "ＶＰＮ") == ["VPN connection drops"]  # full-width query
    assert found(requester, "outlook") == ["Outlook 无法启动"]
    assert found(requester, "INC-000002") == ["Outlook 无法启动"]  # by reference


def test_more_mentions_rank_higher(make: MakeTicket, agent: Any) -> None:
    make("服务器宕机", "机房空调故障，服务器过热；可能也影响网络。")
    make("网络故障", "网络时断时续，整层楼的网络都很慢。", comments=(("网络恢复后又断了", True),))
    make("打印机卡纸")
    queryset = search.search(Ticket.objects.visible_to(agent), "网络", user=agent)
    assert [t.title for t in queryset] == ["网络故障", "服务器宕机"]
    ranks = [t.search_rank for t in queryset]
    assert ranks[0] > ranks[1] > 0


def test_every_word_must_match(make: MakeTicket, agent: Any) -> None:
    make("网络打印机无法连接")
    make("网络很慢")
    make("打印机卡纸")
    assert found(agent, "网络 打印机") == ["网络打印机无法连接"]
    assert found(agent, "打印机网络") == ["网络打印机无法连接"]
    assert set(found(agent, "网络")) == {"网络打印机无法连接", "网络很慢"}
    assert found(agent, "网络 邮件") == []


def test_internal_notes_are_found_by_staff_only(
    make: MakeTicket, agent: Any, requester: Any, other_requester: Any
) -> None:
    make(
        "服务器宕机",
        "ERP 无法访问",
        comments=(("已重启服务器，观察中", True), ("根因：交换机 firmware bug", False)),
    )
    assert found(agent, "交换机") == ["服务器宕机"]
    assert found(agent, "FIRMWARE") == ["服务器宕机"]
    assert found(agent, "交换机 重启") == ["服务器宕机"]  # one word in each column
    assert found(requester, "交换机") == []
    assert found(requester, "firmware") == []
    assert found(requester, "交换机 重启") == []
    assert found(requester, "重启") == ["服务器宕机"]  # the public reply
    assert found(requester, "erp") == ["服务器宕机"]
    # FTS column syntax in the query is only text, for customers too.
    assert found(requester, "{internal_text} : 交换机") == []
    assert found(requester, "internal_text:交换机") == []
    # Another organization's users do not see the ticket at all.
    assert found(other_requester, "重启") == []


LITERAL = 'Literal NEAR(网络 打印) OR "quoted" AND -minus * x^2 {col}: end'


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"网络',
        "网络 OR 打印",
        "NEAR(网络 打印)",
        "NEAR(网络 打印, 2)",
        "(网络",
        "网络)",
        "-网络",
        "网络 NOT 打印",
        "网络*",
        "*",
        "^网络",
        "'",
        "''网络''",
        "\\",
        "网络 & 打印 | ! :*",
        "{public_text internal_text}: 网络",
        "public_text : 网络",
        "rowid:1",
        "网络 AND",
        "OR",
        "%_",
    ],
)
def test_query_syntax_is_only_text(
    make: MakeTicket, agent: Any, requester: Any, query: str
) -> None:
    make(LITERAL)
    make("网络打印故障")
    for user in (agent, requester):
        titles = found(user, query)  # never raises
        assert set(titles) <= {LITERAL, "网络打印故障"}


def test_query_operators_are_words(make: MakeTicket, agent: Any) -> None:
    make(LITERAL)
    make("网络打印故障")
    make("网络故障")
    both = {LITERAL, "网络打印故障"}
    assert found(agent, "网络*") == found(agent, "网络")
    assert set(found(agent, "网络 打印")) == both
    assert found(agent, "网络 OR 邮件") == []  # OR is a word: no ticket has 邮件
    assert found(agent, "NEAR(网络 打印)") == [LITERAL]  # "near" is a word of LITERAL
    assert found(agent, '"quoted" -minus') == [LITERAL]
    assert set(found(agent, "-网络")) == {LITERAL, "网络打印故障", "网络故障"}


@pytest.mark.parametrize("query", ["", "   ", "！？，。…", '" * ( ) -', "\n\t"])
def test_a_query_without_words_changes_nothing(agent: Any, query: str) -> None:
    queryset = Ticket.objects.visible_to(agent)
    assert search.search(queryset, query, user=agent) is queryset


def test_reindex_follows_changes(make: MakeTicket, agent: Any) -> None:
    ticket = make("邮件发送失败")
    assert found(agent, "附件") == []
    Comment.objects.create(ticket=ticket, body="附件超过 20MB", public=True)
    search.reindex(ticket.pk)
    assert found(agent, "附件") == ["邮件发送失败"]
    Ticket.objects.filter(pk=ticket.pk).update(title="Outlook 收不到邮件")
    search.reindex(ticket.pk)
    assert found(agent, "发送") == []
    assert found(agent, "outlook") == ["Outlook 收不到邮件"]
    if connection.vendor == "sqlite":
        assert fts_rows() == 1
    ticket_id = ticket.pk
    ticket.delete()
    search.reindex(ticket_id)
    assert not SearchDocument.objects.filter(ticket_id=ticket_id).exists()
    if connection.vendor == "sqlite":
        assert fts_rows() == 0


def test_reindex_is_cheap(make: MakeTicket, django_assert_max_num_queries: Any) -> None:
    ticket = make("网络不通", comments=tuple((f"第{n}次回复", n % 2 == 0) for n in range(20)))
    with django_assert_max_num_queries(4):
        search.reindex(ticket.pk)


def test_highlight_escapes_then_marks() -> None:
    text = "<script>alert(1)</script>\n打印机坏了，Printer broken & 打印 again"
    snippet = search.highlight(text, "打印 PRINTER")
    assert isinstance(snippet, SafeString)
    assert snippet == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>打印</mark>机坏了，"
        "<mark>Printer</mark> broken &amp; <mark>打印</mark> again"
    )
    # Words are looked for in the text, not in its escaped form.
    assert search.highlight("<b>bold</b>", "lt gt amp") == "&lt;b&gt;bold&lt;/b&gt;"
    assert (
        search.highlight("<b>bold</b>", "B")
        == "&lt;<mark>b</mark>&gt;<mark>b</mark>old&lt;/<mark>b</mark>&gt;"
    )
    assert search.highlight("a < b", "") == "a &lt; b"


def test_highlight_cuts_around_the_first_match() -> None:
    text = "前" * 300 + "网络中断" + "后" * 300
    snippet = search.highlight(text, "网络", length=100)
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>网络</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) == 102
    assert search.highlight("没有匹配" * 100, "网络", length=10) == "没有匹配没有匹配没有…"


def test_thousands_of_matches_come_newest_first_and_fewer_are_ranked(
    requester: Any,
    customer: Any,
    agent: Any,
    search_service: Service,
    django_assert_num_queries: Any,
    monkeypatch: Any,
    api_as: Any,
) -> None:
    monkeypatch.setattr(search, "RANK_LIMIT", 1000)
    monkeypatch.setattr(search, "COUNT_LIMIT", 10_000)
    rng = random.Random(20260101)
    subjects = ["网络", "打印机", "邮件", "VPN", "服务器", "账号", "ERP", "会议室投影"]
    verbs = ["无法连接", "很慢", "报错", "需要开通", "时断时续", "没有反应"]
    tickets = []
    for n in range(5000):
        subject = rng.choice(subjects)
        tickets.append(
            Ticket(
                reference=f"REQ-{n:06d}",
                type="request",
                title=f"{subject}{rng.choice(verbs)}",
                description=f"{rng.choice(subjects)}{rng.choice(verbs)}，请尽快处理。"
                * rng.randint(1, 3),
                requester=requester,
                organization=customer,
                service=search_service,
                priority="general",
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=500)
    assert search.rebuild_all(batch=700) == 5000
    expected = sum(1 for t in tickets if "网络" in t.title or "网络" in t.description)
    queryset = Ticket.objects.visible_to(agent)
    assert agent.is_provider_staff  # cached: no query below
    assert expected > search.RANK_LIMIT
    # A common word: too many matches to rank, so the newest first (one bounded probe,
    # then the page).
    with django_assert_num_queries(2):
        page = list(search.search(queryset, "网络", user=agent)[:25])
    assert len(page) == 25
    assert [t.search_rank for t in page] == [None] * 25
    assert [t.pk for t in page] == sorted((t.pk for t in page), reverse=True)
    assert page[0].pk == max(t.pk for t in tickets if "网络" in t.title + t.description)
    assert all("网络" in t.title + t.description for t in page)
    assert search.search(queryset, "网络", user=agent).count() == expected
    # Counting stops past COUNT_LIMIT matches, and the API says so.
    monkeypatch.setattr(search, "COUNT_LIMIT", 100)
    assert search.search(queryset, "网络", user=agent).count() == 101
    page = api_as(agent).get("/api/v1/tickets", {"q": "网络", "limit": 5}).json()
    assert (page["count"], page["count_capped"], len(page["items"])) == (100, True, 5)
    monkeypatch.setattr(search, "COUNT_LIMIT", 10_000)
    page = api_as(agent).get("/api/v1/tickets", {"q": "网络", "limit": 5}).json()
    assert page["count"] == expected
    assert page["count_capped"] is False
    # Rarer words together: ranked, best first.
    rare = [t for t in tickets if "投影" in t.title and "没有反应" in t.title]
    assert 0 < len(rare) <= search.RANK_LIMIT
    found = list(search.search(queryset, "投影 没有反应", user=agent))
    assert {t.pk for t in rare} <= {t.pk for t in found}
    ranks = [t.search_rank for t in found]
    assert None not in ranks
    assert ranks == sorted(ranks, reverse=True)


def test_the_index_is_used(make: MakeTicket, agent: Any, requester: Any) -> None:
    """The expressions searched are those indexed (the planner may still prefer another
    index, such as the organization's, when that selects fewer rows)."""
    make("网络不通")
    tickets = Ticket.objects.all()
    staff = search.search(tickets, "网络", user=agent)
    customer = search.search(tickets, "网络", user=requester)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "tickets_search_all_gin" in staff.explain()
        plan = customer.explain()
        # A customer's search is within their organization: by the text or by that.
        assert "tickets_search_public_gin" in plan or "organization_id" in plan
    else:
        assert f"{search.FTS_TABLE} VIRTUAL TABLE INDEX" in staff.explain()
        assert f"{search.FTS_TABLE} VIRTUAL TABLE INDEX" in customer.explain()


def test_a_customers_search_is_matched_within_their_organization(
    make: MakeTicket, requester: Any, other_requester: Any
) -> None:
    from yunwei.tickets.models import SearchDocument

    ours = make("打印机卡纸")
    assert SearchDocument.objects.get(ticket=ours).organization_id == requester.organization_id
    found = search.search(Ticket.objects.visible_to(requester), "打印", user=requester)
    assert list(found) == [ours]
    theirs = search.search(Ticket.objects.visible_to(other_requester), "打印", user=other_requester)
    assert list(theirs) == []
    if connection.vendor == "postgresql":
        # There the match itself is within the organization, whatever the queryset.
        assert list(search.search(Ticket.objects.all(), "打印", user=other_requester)) == []


def test_a_customers_search_is_ranked_however_many_match_in_other_organizations(
    make: MakeTicket, requester: Any, other_customer: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(search, "RANK_LIMIT", 2)
    for n in range(5):
        make(f"打印机卡纸 {n}", organization=other_customer)
    make("打印机卡纸，打印机没反应")
    make("打印机卡纸")
    results = search.search(Ticket.objects.visible_to(requester), "打印机", user=requester)
    assert results.search_ranked is True  # other customers' matches say nothing here
    assert [t.title for t in results] == ["打印机卡纸，打印机没反应", "打印机卡纸"]


def test_pages_reach_every_counted_match_and_say_there_are_more(
    make: MakeTicket, agent: Any, requester: Any, monkeypatch: Any, settings: Any
) -> None:
    from django.test import Client

    monkeypatch.setattr(search, "COUNT_LIMIT", 5)
    for n in range(8):
        make(f"打印机卡纸 {n}")
    client = Client()
    client.force_login(agent)
    first = client.get("/tickets/", {"q": "打印机", "per_page": 2}).content.decode()
    assert "of more than 5" in first
    last = client.get("/tickets/", {"q": "打印机", "per_page": 2, "page": 3}).content.decode()
    assert "Showing 5–5 of more than 5" in last
    client.force_login(requester)
    settings.PORTAL_PAGE_SIZE = 2
    portal = client.get("/portal/tickets/", {"q": "打印机", "page": 3})
    assert portal.context["page"].number == 3
    assert portal.context["page"].paginator.num_pages == 3
    assert portal.context["page"].paginator.capped
