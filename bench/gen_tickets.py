"""One chunk of tickets with everything that hangs off them: comments, SLA records,
surveys, search documents and the audit entries of their creation (unsealed here;
gen_audit.py chains them).

Each ticket's story is drawn from a random generator of its chunk alone: when it was
opened (gen_time.py), what it is about (gen_text.py), how long until the first reply and
until it was resolved; its state follows from that and `now` — recent tickets open,
older ones resolved and then closed. SLA records are what the engine would hold after
that story (same segments, due and warning instants, breach and check times), and the
ticket's due time and breach flag are taken from them as `sla_link.sync_due` does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from json.encoder import encode_basestring as quote
from typing import Any

from bench.gen_load import Loader
from bench.gen_setup import World
from bench.gen_text import Segmented, TicketText, paragraphs_html, reference_words
from bench.gen_time import DAY, HOUR, Timeline, iso
from bench.phrases import ISSUES
from yunwei.tickets.priority import DEFAULT_MATRIX

PREFIX = {"incident": "INC", "request": "REQ", "problem": "PRB"}
LEVELS = ["high", "medium", "medium", "low", "low"]
CHANNELS = ["web", "web", "portal", "email", "email", "phone", "api"]
SOURCES = {"web": "web", "portal": "web", "email": "email", "phone": "web", "api": "api"}
OPEN_STATES = ["new", "assigned", "assigned", "in_progress", "in_progress", "in_progress",
               "waiting_on_customer", "waiting_on_customer"]  # fmt: skip
CLOSE_AFTER = 3 * DAY  # resolved tickets are closed three days later
WARNING_PERCENT = 75
DUE_SOON_SHARE = 0.02  # open resolution records due within the next 24 hours
SURVEY_SHARE = 0.3
RESOLUTIONS = ("solved", "solved", "solved", "workaround")
PAIRS: dict[str, list[tuple[str, str]]] = {}
for _pair, _priority in DEFAULT_MATRIX.items():
    PAIRS.setdefault(_priority, []).append(_pair)

TICKET_COLUMNS = [
    "id", "created_at", "updated_at", "reference", "type", "title", "description",
    "description_html", "requester_id", "organization_id", "service_id", "category_id",
    "impact", "urgency", "priority", "channel", "state", "team_id", "assignee_id",
    "custom_fields", "analysis", "root_cause", "workaround", "known_error", "resolution_code",
    "resolution_note", "first_response_at", "resolved_at", "closed_at", "reopen_count",
    "time_spent_minutes", "due_at", "sla_breached",
]  # fmt: skip
COMMENT_COLUMNS = ["id", "ticket_id", "author_id", "body", "body_html", "public",
                   "time_spent_minutes", "channel", "created_at"]  # fmt: skip
RECORD_COLUMNS = [
    "id", "content_type_id", "object_id", "organization_id", "agreement_id",
    "agreement_version", "calendar_id", "kind", "priority", "target_minutes", "state",
    "started_at", "due_at", "warning_at", "stopped_at", "breached_at", "warned_at",
    "next_check_at", "elapsed_minutes", "segments",
]  # fmt: skip
SURVEY_COLUMNS = ["id", "ticket_id", "requested_at", "score", "comment", "answered_at",
                  "agent_id", "team_id"]  # fmt: skip
DOCUMENT_COLUMNS = ["ticket_id", "organization_id", "public_text", "internal_text"]


@dataclass
class Counters:
    """Ids and reference numbers handed out so far (carried from chunk to chunk)."""

    ticket: int
    comment: int
    record: int
    survey: int
    audit: int
    references: dict[str, int]


@dataclass
class Chunk:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    comments: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[tuple[Any, ...]] = field(default_factory=list)
    surveys: list[tuple[Any, ...]] = field(default_factory=list)
    documents: list[tuple[Any, ...]] = field(default_factory=list)
    # (id, created, actor id, actor e-mail, type, object id, repr, organization, changes
    # as canonical JSON, source)
    audit: list[tuple[Any, ...]] = field(default_factory=list)
    open: int = 0
    due_soon: int = 0


def due_soon_indexes(timeline: Timeline, tickets: int, seed: int) -> set[int]:
    """Which tickets (by index) are open with their resolution due in the next 24 hours:
    2% of all, drawn from those opened one to thirty days ago."""
    now = timeline.now
    lo, hi = timeline.index_at(now - 30 * DAY), timeline.index_at(now - DAY)
    wanted = min(round(tickets * DUE_SOON_SHARE), hi - lo)
    return set(random.Random(f"{seed}:due").sample(range(lo, hi), wanted))


def _lognormal(rng: random.Random, median: float, sigma: float) -> int:
    return max(60, int(median * math.exp(rng.gauss(0, sigma))))


def _segment(
    start: str, end: str | None, state: str, reason: str, cal: int, ver: int, target: int
) -> str:
    end_json = "null" if end is None else f'"{end}"'
    return (
        f'{{"start": "{start}", "end": {end_json}, "state": "{state}", "reason": "{reason}", '
        f'"calendar": {cal}, "calendar_version": {ver}, "target_minutes": {target}}}'
    )


class ChunkMaker:
    def __init__(
        self, world: World, timeline: Timeline, loader: Loader, seed: int, due_soon: set[int]
    ) -> None:
        self.world = world
        self.timeline = timeline
        self.loader = loader
        self.seed = seed
        self.due_soon = due_soon
        self.segmented = Segmented()
        self.now = timeline.now

    def _stamp(self, seconds: int | None) -> str | None:
        return None if seconds is None else self.loader.stamp(seconds)

    def make(self, begin: int, end: int, counters: Counters) -> Chunk:
        rng = random.Random(self.seed * 1_000_003 + begin)
        chunk = Chunk()
        for index, created in zip(
            range(begin, end), self.timeline.instants(begin, end), strict=True
        ):
            self._ticket(rng, index, created, counters, chunk)
        return chunk

    # --- one ticket -----------------------------------------------------------------

    def _ticket(
        self, rng: random.Random, index: int, created: int, counters: Counters, chunk: Chunk
    ) -> None:
        world, now, stamp = self.world, self.now, self.loader.stamp
        text = TicketText(rng, self.segmented)
        org_index = int(len(world.organizations) * rng.random() ** 2)  # a few big customers
        org = world.organizations[org_index]
        requester, requester_email = rng.choice(world.requesters[org_index])
        service_index = world.service_for(org_index, text.issue, rng)
        kind = "problem" if rng.random() < 0.01 else ISSUES[text.issue]["type"]
        impact, urgency = rng.choice(LEVELS), rng.choice(LEVELS)
        priority = DEFAULT_MATRIX[(impact, urgency)]
        channel = rng.choice(CHANNELS)
        response = _lognormal(rng, 40 * 60, 1.0)
        u = rng.random()
        if u < 0.8:
            duration = _lognormal(rng, 5 * HOUR, 1.1)
        elif u < 0.95:
            duration = rng.randrange(DAY, 20 * DAY)
        else:
            duration = rng.randrange(20 * DAY, 200 * DAY)
        if kind == "problem":
            duration *= 4
        response = min(response, duration // 2)
        first_response: int | None = created + response
        plan = None
        if index in self.due_soon and kind != "problem":
            # Its own service, else the region's round-the-clock one (a weekend has no
            # office hours in the next 24 hours).
            for choice in (service_index, world.always_service(org_index)):
                plan = self._due_soon_plan(rng, world.services[choice], created, first_response)
                if plan is not None:
                    service_index = choice
                    priority = plan.priority
                    impact, urgency = rng.choice(PAIRS[priority])
                    first_response = plan.first_response
                    chunk.due_soon += 1
                    break
        service = world.services[service_index]
        # Team: one of the service's teams, the first of them the busiest.
        team_index = world.team_for(service_index, rng)
        assignee_index = rng.choice(world.members[team_index])

        resolved_at: int | None = created + duration
        closed_at: int | None = None
        if plan is not None or created + duration >= now:
            state = "in_progress" if plan is not None else rng.choice(OPEN_STATES)
            resolved_at = None
        else:
            closed_at = created + duration + CLOSE_AFTER
            state = "closed"
            if closed_at >= now or rng.random() < 0.04:
                state, closed_at = "resolved", None
        is_open = resolved_at is None
        if plan is None and is_open and (state == "new" or created + response >= now):
            if state == "waiting_on_customer":
                first_response = created + (now - created) // 3
            else:
                first_response = None
                state = "new" if state == "in_progress" else state
        team = world.teams[team_index] if state != "new" or rng.random() < 0.5 else None
        assignee = world.agents[assignee_index][0] if state != "new" else None

        counters.ticket += 1
        pk = counters.ticket
        counters.references[kind] += 1
        reference = f"{PREFIX[kind]}-{counters.references[kind]:06d}"

        # SLA records: incidents and requests only.
        due_at: int | None = None
        breached = False
        if kind != "problem":
            response_target, resolution_target = service.targets[priority]
            pause = None
            if state == "waiting_on_customer":
                assert first_response is not None
                pause = first_response + int((now - first_response) * rng.uniform(0.3, 0.95))
            for record_kind, target, stop, paused_at, story in (
                ("response", response_target, first_response, None, None),
                ("resolution", resolution_target, resolved_at, pause, plan),
            ):
                record_due, record_breached = self._record(
                    chunk, counters, pk, org, service, record_kind, priority, target, created,
                    stop, paused_at, story,
                )  # fmt: skip
                if record_due is not None:
                    due_at = record_due if due_at is None else min(due_at, record_due)
                breached = breached or record_breached

        updated = max(t for t in (created, first_response, resolved_at, closed_at) if t)
        resolution_code = ""
        if not is_open:
            resolution_code = "fulfilled" if kind == "request" else rng.choice(RESOLUTIONS)
        category = world.categories[text.issue]
        chunk.tickets.append(
            (pk, stamp(created), stamp(updated), reference, kind, text.title,
             text.description, paragraphs_html(text.description), requester, org, service.id,
             category, impact, urgency, priority, channel, state, team, assignee, "{}", "", "",
             "", False, resolution_code, "", self._stamp(first_response),
             self._stamp(resolved_at), self._stamp(closed_at), 0, 0, self._stamp(due_at),
             breached)
        )  # fmt: skip
        chunk.open += is_open
        counters.audit += 1
        # What `json.dumps(changes, sort_keys=True, separators=(",", ":"),
        # ensure_ascii=False)` gives for the create entry's {field: [None, value]}.
        changes = (
            f'{{"category":[null,{category}],"channel":[null,"{channel}"],'
            f'"custom_fields":[null,{{}}],"description":[null,{quote(text.description)}],'
            f'"impact":[null,"{impact}"],"known_error":[null,false],'
            f'"organization":[null,{org}],"priority":[null,"{priority}"],'
            f'"reference":[null,"{reference}"],"requester":[null,{requester}],'
            f'"resolution_code":[null,""],"resolution_note":[null,""],'
            f'"service":[null,{service.id}],"state":[null,"new"],"tags":[null,[]],'
            f'"title":[null,{quote(text.title)}],"type":[null,"{kind}"],'
            f'"urgency":[null,"{urgency}"],"watchers":[null,[]],"workaround":[null,""]}}'
        )
        chunk.audit.append(
            (counters.audit, created, requester, requester_email, "tickets.ticket", str(pk),
             f"{reference} {text.title}"[:200], org, changes, SOURCES[channel])
        )  # fmt: skip

        # Comments, in time order; the desk's first public reply is the first response.
        until = resolved_at if resolved_at is not None else now
        count = rng.choice((2, 2, 2, 3, 3)) - (first_response is not None)
        times = [rng.randrange(created + 1, max(until, created + 2)) for _ in range(count)]
        if first_response is not None:
            times.append(first_response)
        public_text = [reference_words(reference), text.indexed]
        internal_text: list[str] = []
        agent, agent_email = world.agents[assignee_index]
        replied = False
        for at in sorted(times):
            if at == first_response and not replied:
                public, author, author_email, replied = True, agent, agent_email, True
            elif rng.random() < 0.34:
                public, author, author_email = False, agent, agent_email
            elif replied and rng.random() < 0.5:
                public, author, author_email = True, agent, agent_email
            else:
                public, author, author_email = True, requester, requester_email
            body = text.comment(rng, public)
            counters.comment += 1
            chunk.comments.append(
                (counters.comment, pk, author, body, paragraphs_html(body), public, 0, channel,
                 stamp(at))
            )  # fmt: skip
            (public_text if public else internal_text).append(self.segmented(body))
            counters.audit += 1
            chunk.audit.append(
                (counters.audit, at, author, author_email, "tickets.comment",
                 str(counters.comment), f"{reference} #{counters.comment}",
                 org if public else None,
                 f'{{"body":[null,{quote(body)}],"public":[null,{"true" if public else "false"}],'
                f'"ticket":[null,"{reference}"]}}',
                 SOURCES[channel])
            )  # fmt: skip
        chunk.documents.append(
            (pk, org, " ".join(s for s in public_text if s), " ".join(internal_text))
        )
        if resolved_at is not None and rng.random() < SURVEY_SHARE:
            answered = resolved_at + rng.randrange(HOUR, 3 * DAY)
            score = None
            if answered < now and rng.random() < 0.5:
                score = rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 35, 50))[0]
            counters.survey += 1
            chunk.surveys.append(
                (counters.survey, pk, stamp(resolved_at), score, "",
                 stamp(answered) if score is not None else None, assignee, team)
            )  # fmt: skip

    # --- SLA records ----------------------------------------------------------------

    def _due_soon_plan(
        self, rng: random.Random, service: Any, created: int, first_response: int | None
    ) -> DueSoon | None:
        """A story that leaves the resolution clock due within the next 24 hours: it ran,
        waited on the customer (paused) long enough, and runs again. None when the
        calendar has no working time in that day or the ticket is too young for it."""
        fc, now = service.clock, self.now
        window = fc.elapsed(now, now + DAY)
        if window <= 0:
            return None
        ahead = rng.randrange(1, window + 1)  # working seconds from now to the due time
        due = fc.due(now, ahead)
        worked = fc.elapsed(created, due)
        fits = [p for p, (_r, f) in service.targets.items() if ahead <= f * 60 <= worked]
        if not fits:
            return None
        priority = rng.choice(fits)
        target = service.targets[priority][1] * 60
        before = rng.randint(0, target - ahead)  # running time before the pause
        paused = worked - target
        if paused == 0:
            return DueSoon(priority, 0, None, None, due, first_response)
        start = fc.due(created, before) if before else created
        end = fc.due(start, paused)
        if first_response is None or first_response > start:
            first_response = start  # the reply that asked the customer
        return DueSoon(priority, before, start, end, due, first_response)

    def _record(
        self,
        chunk: Chunk,
        counters: Counters,
        pk: int,
        org: int,
        service: Any,
        kind: str,
        priority: str,
        target: int,
        created: int,
        stop: int | None,
        pause: int | None,
        plan: DueSoon | None,
    ) -> tuple[int | None, bool]:
        """One record as the engine leaves it; returns (due instant if open, breached)."""
        fc, now, stamp = service.clock, self.now, self.loader.stamp
        budget, warn_budget = target * 60, target * 60 * WARNING_PERCENT // 100
        cal, version = service.calendar_id, service.calendar_version

        def seg(start: int, end: int | None, state: str, reason: str = "") -> str:
            return _segment(iso(start), None if end is None else iso(end), state, reason,
                            cal, version, target)  # fmt: skip

        warned = breached_at = stopped = None
        due: int | None
        warning: int | None
        if plan is not None and plan.pause_start is not None:
            assert plan.pause_end is not None
            before, due = plan.before, plan.due
            if warn_budget <= before:
                warning = fc.due(created, warn_budget)
            else:
                warning = fc.due(plan.pause_end, warn_budget - before)
            segments = [
                seg(created, plan.pause_start, "running"),
                seg(plan.pause_start, plan.pause_end, "paused", "waiting_on_customer"),
                seg(plan.pause_end, None, "running"),
            ]
            state, elapsed = "running", before
            warned = warning if warning <= now else None
        elif stop is not None:
            due, warning = fc.due(created, budget), fc.due(created, warn_budget)
            segments = [seg(created, stop, "running")]
            stopped = stop
            state = "breached" if stop > due else "met"
            breached_at = due if stop > due else None
            warned = warning if warning < stop else None
            elapsed = fc.elapsed(created, stop)
        elif pause is not None:
            full_due, full_warning = fc.due(created, budget), fc.due(created, warn_budget)
            due = full_due if full_due <= pause else None
            warning = full_warning if full_warning <= pause else None
            segments = [
                seg(created, pause, "running"),
                seg(pause, None, "paused", "waiting_on_customer"),
            ]
            state, elapsed = "paused", fc.elapsed(created, pause)
            breached_at, warned = due, warning
        else:
            due, warning = fc.due(created, budget), fc.due(created, warn_budget)
            segments = [seg(created, None, "running")]
            state, elapsed = "running", 0
            breached_at = due if due <= now else None
            warned = warning if warning <= now else None
        next_check = None
        if state in ("running", "paused") and breached_at is None:
            pending = [i for i in (due, warning if warned is None else None) if i is not None]
            next_check = min(pending) if pending else None
        counters.record += 1
        chunk.records.append(
            (counters.record, self.world.ticket_type_id, pk, org, service.agreement_id,
             service.agreement_version, cal, kind, priority, target, state, stamp(created),
             self._stamp(due), self._stamp(warning), self._stamp(stopped),
             self._stamp(breached_at), self._stamp(warned), self._stamp(next_check),
             round(elapsed / 60, 2), "[" + ", ".join(segments) + "]")
        )  # fmt: skip
        is_open = state in ("running", "paused")
        return (due if is_open else None), breached_at is not None


@dataclass(frozen=True)
class DueSoon:
    priority: str
    before: int  # working seconds run before the pause
    pause_start: int | None
    pause_end: int | None
    due: int
    first_response: int | None
