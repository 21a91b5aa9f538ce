"""Full-text search over tickets, in Chinese and English.

Chinese has no spaces between words, so text is segmented in Python by jieba (`rjieba`)
and stored, one `SearchDocument` per ticket, as lower-case words joined by spaces; the
database only has to index space-separated words:

- SQLite: the FTS5 table `tickets_search_fts` (rowid = ticket id), ranked by bm25().
- PostgreSQL: GIN indexes on `to_tsvector('simple', …)` of the documents, ranked by
  ts_rank().

Documents are segmented with `cut_for_search` (打印机 also yields 打印 and 印机), queries
with `cut`; every word of the query must occur (AND). A query word that is a single
Chinese (or other non-Latin) character matches as a prefix, since jieba seldom leaves
one on its own in a document. Punctuation is dropped, and words are split at anything
not a letter or digit (INC-000123 → inc 000123, 192.168.1.10 → 192 168 1 10), in
documents and queries alike, so both databases see the same words.

What a customer may find (reference, title, description, public replies) is kept apart
from internal notes: `search` only looks at the latter for provider staff.

Callers (the actions) must call `reindex(ticket_id)` in their transaction whenever a
ticket's reference, title or description changes, a comment is added, edited, deleted
or made public/internal, and after a ticket is deleted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import rjieba
from django.db import connection, connections, transaction
from django.db.models import F, FloatField, Func, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from yunwei.core.permissions import signed_in
from yunwei.tickets.models import Comment, SearchDocument, Ticket

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

FTS_TABLE = "tickets_search_fts"  # SQLite; named literally in the SQL below
MAX_QUERY_WORDS = 20
# Matches are ranked only when there are at most this many (in the whole index for the
# provider's staff; a customer's within their organization on PostgreSQL, and always on
# SQLite, where the match is not narrowed to it). Ranking costs time in proportion to the
# matches, since every one is scored before the first page: at 1M tickets, 1,465
# matches rank in 80 ms, a word in a fifth of them took seconds. Such a word says little
# about relevance anyway, so many matches come newest first, which an index serves.
RANK_LIMIT = 5000
# A search's count() stops past this many matches (see TicketQuerySet.count_limit):
# "more than 1,000" is all a page of 25 needs, and counting 10,000 took 44 ms at 1M.
COUNT_LIMIT = 1000

# The SQL of `search`, per database and per scope (False: customers, True: provider
# staff). `%s` is the full-text query, `{pk}` the outer ticket's id.
#
# SQLite: bm25() is negative, lower is better. The ranks are computed once per statement:
# the LIMIT keeps SQLite from flattening the inner query into the outer one, which would
# run a full-text query (and gather bm25 statistics) again for every matching ticket.
_SQLITE_IDS = "SELECT rowid FROM tickets_search_fts WHERE tickets_search_fts MATCH %s"
_SQLITE_RANK = (
    "(SELECT m.score FROM (SELECT rowid AS id, -bm25(tickets_search_fts) AS score"
    " FROM tickets_search_fts WHERE tickets_search_fts MATCH %s LIMIT -1) AS m"
    " WHERE m.id = {pk})"
)
# PostgreSQL: `public_tsv` and `all_tsv` are generated tsvector columns with GIN indexes
# (migration 0002), so matching uses the index and ranking reads the stored vectors. A
# customer's search is matched within their organization ("{org}"), so it never pays for
# every other organization's matches (4–7× faster at 100,000 tickets). Not on SQLite:
# there, reading the organization of each FTS5 match costs more than it saves.
_PG_IDS = {
    False: "SELECT ticket_id FROM tickets_searchdocument"
    " WHERE public_tsv @@ to_tsquery('simple'::regconfig, %s){org}",
    True: "SELECT ticket_id FROM tickets_searchdocument"
    " WHERE all_tsv @@ to_tsquery('simple'::regconfig, %s){org}",
}
_PG_RANK = {
    False: "(SELECT ts_rank(d.public_tsv, to_tsquery('simple'::regconfig, %s))"
    " FROM tickets_searchdocument d WHERE d.ticket_id = {pk})",
    True: "(SELECT ts_rank(d.all_tsv, to_tsquery('simple'::regconfig, %s))"
    " FROM tickets_searchdocument d WHERE d.ticket_id = {pk})",
}

_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits


def _words(pieces: Iterable[str]) -> Iterator[str]:
    for piece in pieces:
        yield from _WORD.findall(piece.lower())


def _normalize(text: str) -> str:
    # NFKC folds full-width letters and digits (ＶＰＮ, ２０２６) into ASCII.
    return unicodedata.normalize("NFKC", text)


def segment(text: str) -> str:
    """The indexed form of `text`: its words, lower-case, separated by spaces."""
    return " ".join(_words(rjieba.cut_for_search(_normalize(text))))


def query_words(query: str) -> list[str]:
    """The distinct words of a query, in order (at most MAX_QUERY_WORDS)."""
    return list(dict.fromkeys(_words(rjieba.cut(_normalize(query)))))[:MAX_QUERY_WORDS]


def _is_prefix(word: str) -> bool:
    """A lone Chinese character (or kana, hangul: a letter without case), which jieba
    seldom leaves alone in a document: it matches as the start of a word."""
    return len(word) == 1 and unicodedata.category(word) == "Lo"


# --- Indexing -------------------------------------------------------------------------


def _document(
    reference: str, title: str, description: str, comments: Sequence[tuple[str, bool]]
) -> tuple[str, str]:
    public = [reference, title, description, *(body for body, public in comments if public)]
    internal = [body for body, public in comments if not public]
    return segment("\n".join(public)), segment("\n".join(internal))


def _store(rows: Sequence[tuple[int, int, str, str]]) -> None:
    """Upsert (ticket id, organization id, public text, internal text) rows, and their
    FTS rows."""
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(ticket_id=pk, organization_id=org, public_text=p, internal_text=i)
            for pk, org, p, i in rows
        ],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["organization_id", "public_text", "internal_text"],
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # FTS5 honours OR REPLACE: the old row of that rowid goes from the index.
            cursor.executemany(
                "INSERT OR REPLACE INTO tickets_search_fts(rowid, public_text, internal_text)"
                " VALUES (%s, %s, %s)",
                [(pk, public, internal) for pk, _org, public, internal in rows],
            )


def reindex(ticket_id: int) -> None:
    """Rebuild the search document of one ticket (or drop it if the ticket is gone).

    Three queries on PostgreSQL, four on SQLite; call it inside the action's transaction.
    """
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .values_list("organization_id", "reference", "title", "description")
        .order_by()
        .first()
    )
    if ticket is None:
        SearchDocument.objects.filter(ticket_id=ticket_id).delete()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM tickets_search_fts WHERE rowid = %s", [ticket_id])
        return
    comments = list(
        Comment.objects.filter(ticket_id=ticket_id)
        .order_by("created_at", "id")
        .values_list("body", "public")
    )
    organization_id, *text = ticket
    _store([(ticket_id, organization_id, *_document(*text, comments))])


def rebuild_all(batch: int = 1000) -> int:
    """Reindex every ticket, `batch` at a time (one transaction each); the number done."""
    done = 0
    last = 0
    while True:
        tickets = list(
            Ticket.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "organization_id", "reference", "title", "description")[:batch]
        )
        if not tickets:
            break
        first, last = tickets[0][0], tickets[-1][0]
        comments: dict[int, list[tuple[str, bool]]] = defaultdict(list)
        for ticket_id, body, public in (
            Comment.objects.filter(ticket_id__gte=first, ticket_id__lte=last)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body", "public")
        ):
            comments[ticket_id].append((body, public))
        rows = [
            (pk, org, *_document(ref, title, text, comments[pk]))
            for pk, org, ref, title, text in tickets
        ]
        with transaction.atomic():
            _store(rows)
        done += len(rows)
    if connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            # Rows of tickets deleted without a reindex, then one merged b-tree.
            cursor.execute(
                "DELETE FROM tickets_search_fts WHERE rowid NOT IN (SELECT id FROM tickets_ticket)"
            )
            cursor.execute("INSERT INTO tickets_search_fts(tickets_search_fts) VALUES ('optimize')")
    return done


# --- Searching ------------------------------------------------------------------------


class _TicketScalar(Func):
    """A scalar subquery about the outer ticket: `sql` holds `{pk}` (once, after every
    `%s` of `params`) where the outer ticket's id goes."""

    output_field = FloatField()

    def __init__(self, sql: str, params: Sequence[Any]) -> None:
        super().__init__(F("pk"))
        self.sql = sql
        self.params = tuple(params)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        pk_sql, pk_params = compiler.compile(self.get_source_expressions()[0])
        return self.sql.replace("{pk}", pk_sql), (*self.params, *pk_params)


def _fts_match(words: Sequence[str], *, internal: bool) -> str:
    """An FTS5 query in which every word is a quoted string: never FTS syntax."""
    terms = ['"{}"{}'.format(w.replace('"', '""'), "*" if _is_prefix(w) else "") for w in words]
    expression = " AND ".join(terms)
    return expression if internal else f"{{public_text}} : ({expression})"


def _tsquery(words: Sequence[str]) -> str:
    """A to_tsquery() text in which every word is a quoted lexeme, AND-ed."""
    terms = []
    for word in words:
        quoted = word.replace("\\", "\\\\").replace("'", "''")
        terms.append(f"'{quoted}'{':*' if _is_prefix(word) else ''}")
    return " & ".join(terms)


def search(queryset: QuerySet[Ticket], query: str, *, user: Any) -> QuerySet[Ticket]:
    """The tickets of `queryset` (already scoped by `visible_to`) matching every word of
    `query`, annotated with `search_rank` (higher is better; None when not ranked).

    Internal notes count only for provider staff. A query without words leaves the
    queryset as it is.

    Matches are ranked best first when there are at most RANK_LIMIT of them; otherwise
    they come newest first (see RANK_LIMIT). Deciding costs one small query first.
    """
    words = query_words(query)
    if not words:
        return queryset
    internal = signed_in(user) and bool(user.is_provider_staff)
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        text, ids_sql, rank_sql = _fts_match(words, internal=internal), _SQLITE_IDS, _SQLITE_RANK
    elif vendor == "postgresql":
        text, ids_sql, rank_sql = _tsquery(words), _PG_IDS[internal], _PG_RANK[internal]
    else:  # pragma: no cover
        raise NotImplementedError(f"no full-text search on {vendor}")
    params: tuple[Any, ...] = (text,)
    if vendor == "postgresql" and not internal:
        ids_sql = ids_sql.replace("{org}", " AND organization_id = %s")
        params = (text, getattr(user, "organization_id", 0))
    ids_sql = ids_sql.replace("{org}", "")
    matching = queryset.filter(pk__in=RawSQL(ids_sql, params))  # noqa: S611 - parameters
    matching.count_limit = COUNT_LIMIT  # type: ignore[attr-defined]
    # On SQLite a customer's match is not narrowed to their organization (see _PG_IDS),
    # so how many it finds would tell them about other customers' tickets: theirs are
    # always ranked, as few enough to rank.
    narrowed = internal or vendor == "postgresql"
    if narrowed and _more_than(ids_sql, params, RANK_LIMIT, using=queryset.db):
        matching.search_ranked = False  # type: ignore[attr-defined]
        # By id, the order tickets were recorded in: SQLite then walks the tickets
        # backwards until a page of matches is found, instead of sorting every match by
        # date (6 ms instead of 38 ms for a common word at 100,000 tickets).
        return matching.annotate(search_rank=Value(None, output_field=FloatField())).order_by("-pk")
    matching.search_ranked = True  # type: ignore[attr-defined]
    return matching.annotate(search_rank=_TicketScalar(rank_sql, (text,))).order_by(
        "-search_rank", "-created_at", "-pk"
    )


def _more_than(ids_sql: str, params: Sequence[Any], limit: int, *, using: str) -> bool:
    """Whether the full-text match finds more than `limit` documents: it reads at most
    limit + 1 of them, however common the words."""
    with connections[using].cursor() as cursor:
        sql = f"SELECT 1 FROM ({ids_sql}) AS m LIMIT 1 OFFSET %s"  # noqa: S608 - constants
        cursor.execute(sql, (*params, limit))
        return cursor.fetchone() is not None


def highlight(text: str, query: str, *, length: int = 160) -> SafeString:
    """About `length` characters of `text` around the first word of `query` found in it,
    HTML-escaped, each query word found wrapped in <mark>…</mark>.

    The text is cut at the matches and every piece escaped on its own, so a marked word
    can never land inside an entity (a search for "lt" does not mark `&lt;`).
    """
    text = " ".join(text.split())
    words = sorted(query_words(query), key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    if words:
        pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
        spans = [match.span() for match in pattern.finditer(text)]
    start = 0
    if spans and len(text) > length:
        start = max(0, min(spans[0][0] - length // 4, len(text) - length))
    end = min(len(text), start + length)
    pieces = ["…"] if start else []
    position = start
    for span_start, span_end in spans:
        if span_start >= end:
            break
        span_start, span_end = max(span_start, position), min(span_end, end)
        pieces.append(escape(text[position:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        position = span_end
    pieces.append(escape(text[position:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped
