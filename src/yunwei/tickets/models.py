"""Incidents, service requests and problems (§5.2), their conversation, attachments,
links, categories, assignment rules and satisfaction surveys.

Invariants live here; every change goes through `actions/`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.catalog.querysets import prefers_chinese
from yunwei.core.models import TimeStampedModel
from yunwei.sla.models import Priority
from yunwei.tickets.querysets import (
    CannedResponseQuerySet,
    CategoryQuerySet,
    CommentQuerySet,
    TicketQuerySet,
)


class TicketType(models.TextChoices):
    INCIDENT = "incident", pgettext_lazy("ticket type", "Incident")
    REQUEST = "request", pgettext_lazy("ticket type", "Service request")
    PROBLEM = "problem", pgettext_lazy("ticket type", "Problem")


REFERENCE_PREFIX = {
    TicketType.INCIDENT: "INC",
    TicketType.REQUEST: "REQ",
    TicketType.PROBLEM: "PRB",
}


class TicketState(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket state", "New")
    ASSIGNED = "assigned", pgettext_lazy("ticket state", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket state", "In progress")
    WAITING_ON_CUSTOMER = (
        "waiting_on_customer",
        pgettext_lazy("ticket state", "Waiting on customer"),
    )
    RESOLVED = "resolved", pgettext_lazy("ticket state", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket state", "Closed")


OPEN_TICKET_STATES = (
    TicketState.NEW,
    TicketState.ASSIGNED,
    TicketState.IN_PROGRESS,
    TicketState.WAITING_ON_CUSTOMER,
)


class Level(models.TextChoices):
    """Impact and urgency."""

    HIGH = "high", pgettext_lazy("impact or urgency", "High")
    MEDIUM = "medium", pgettext_lazy("impact or urgency", "Medium")
    LOW = "low", pgettext_lazy("impact or urgency", "Low")


class Channel(models.TextChoices):
    PORTAL = "portal", pgettext_lazy("channel", "Portal")
    EMAIL = "email", pgettext_lazy("channel", "E-mail")
    PHONE = "phone", pgettext_lazy("channel", "Phone")
    API = "api", pgettext_lazy("channel", "API")
    WEB = "web", pgettext_lazy("channel", "Web")


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", pgettext_lazy("resolution", "Solved")
    WORKAROUND = "workaround", pgettext_lazy("resolution", "Solved with a workaround")
    FULFILLED = "fulfilled", pgettext_lazy("resolution", "Request fulfilled")
    NOT_REPRODUCIBLE = "not_reproducible", pgettext_lazy("resolution", "Not reproducible")
    DUPLICATE = "duplicate", pgettext_lazy("resolution", "Duplicate")
    CANCELLED = "cancelled", pgettext_lazy("resolution", "Cancelled")
    KNOWN_ERROR = "known_error", pgettext_lazy("resolution", "Known error, no fix yet")


class FieldType(models.TextChoices):
    """Types a category's custom field may take."""

    TEXT = "text", pgettext_lazy("field type", "Text")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    DATE = "date", pgettext_lazy("field type", "Date")
    CHOICE = "choice", pgettext_lazy("field type", "Choice")
    BOOLEAN = "boolean", pgettext_lazy("field type", "Yes / no")


class Category(TimeStampedModel):
    """A node of the configurable category tree; its `fields` declare the custom fields
    a ticket of this category carries (see `custom_fields.py`)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    ticket_types = models.JSONField(
        _("ticket types"),
        default=list,
        blank=True,
        help_text=_("The types this category applies to; empty for all."),
    )
    fields = models.JSONField(_("custom fields"), default=list, blank=True)
    services = models.ManyToManyField(
        "catalog.Service",
        verbose_name=_("services"),
        blank=True,
        related_name="ticket_categories",
        help_text=_("The services whose tickets may use this category; none for every service."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["parent_id", "name_en", "name_zh"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first, second = (
            (self.name_zh, self.name_en) if prefers_chinese() else (self.name_en, self.name_zh)
        )
        return first or second

    @staticmethod
    def offered_for(services: list[int] | models.QuerySet) -> models.Q:
        """A filter of the categories offered for tickets of any of `services` (ids or a
        queryset): those without services and those that name one of them."""
        chosen = Category.services.through.objects
        return ~models.Q(pk__in=chosen.values("category_id")) | models.Q(
            pk__in=chosen.filter(service__in=services).values("category_id")
        )

    def is_offered_for(self, service: models.Model | None) -> bool:
        """Whether a ticket of `service` may use this category: one without services is
        offered for every service (and for a ticket without one)."""
        offered = {item.pk for item in self.services.all()}  # prefetched, or one query
        return not offered or (service is not None and service.pk in offered)


class PriorityCell(models.Model):
    """One cell of the impact × urgency matrix; cells not stored use the default."""

    impact = models.CharField(_("impact"), max_length=10, choices=Level.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_cell_unique")
        ]

    def __str__(self) -> str:
        return f"{self.impact} × {self.urgency} → {self.priority}"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferenceSequence(models.Model):
    """The last number handed out per ticket type (INC-000123…)."""

    ticket_type = models.CharField(max_length=20, choices=TicketType.choices, unique=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.ticket_type}: {self.last}"


class Ticket(TimeStampedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    description_html = models.TextField(blank=True)  # sanitised rendering of `description`
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    impact = models.CharField(_("impact"), max_length=10, choices=Level.choices, default="medium")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Level.choices, default="medium")
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default="web")
    state = models.CharField(
        _("state"), max_length=30, choices=TicketState.choices, default=TicketState.NEW
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), blank=True, related_name="watching"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Analysis (§5.2): what was found, why it happened, how it was resolved.
    analysis = models.TextField(_("analysis"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    known_error = models.BooleanField(_("known error"), default=False)
    resolution_code = models.CharField(
        _("resolution code"), max_length=20, choices=ResolutionCode.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    problem = models.ForeignKey(
        "self",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        limit_choices_to={"type": TicketType.PROBLEM},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    time_spent_minutes = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    # Kept from the ticket's open SLA records so queues sort and filter by due time in
    # SQL (see `sla_link.py`): the nearest due instant, and whether any target breached.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    sla_records = GenericRelation("sla.SlaRecord")

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "state"], name="ticket_org_state_idx"),
            models.Index(fields=["team", "state", "due_at"], name="ticket_team_state_due_idx"),
            models.Index(fields=["assignee", "state", "due_at"], name="ticket_assignee_due_idx"),
            models.Index(
                fields=["due_at"],
                name="ticket_open_due_idx",
                condition=models.Q(state__in=[s.value for s in OPEN_TICKET_STATES]),
            ),
            models.Index(fields=["state", "resolved_at"], name="ticket_state_resolved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:ticket", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TICKET_STATES


class Comment(models.Model):
    """A public reply or an internal note (never shown to the customer's users)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(blank=True)
    public = models.BooleanField(_("public"), default=True)
    time_spent_minutes = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default="web")
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentions"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket.reference} #{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: the user's file name is kept in `name` only, so it can
    # never steer the path.
    return f"attachments/{instance.token}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    public = models.BooleanField(_("public"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", pgettext_lazy("ticket link", "Duplicate of")
    RELATED = "related", pgettext_lazy("ticket link", "Related to")


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ticket link")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class CannedResponse(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        help_text=_("Leave empty to share with every agent."),
    )

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class AssignmentMethod(models.TextChoices):
    TEAM_ONLY = "team_only", pgettext_lazy("assignment", "Team queue only")
    ROUND_ROBIN = "round_robin", pgettext_lazy("assignment", "Round-robin in the team")
    LEAST_LOADED = "least_loaded", pgettext_lazy("assignment", "Least-loaded member")


class AssignmentRule(TimeStampedModel):
    """Where new tickets go: the first active rule (by `order`) whose conditions all
    match (empty conditions match anything)."""

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=100)
    # What a rule names cannot disappear under it: deleting it is refused until the
    # rule is changed or deleted (with its own audit entry).
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticket_type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        _("method"), max_length=20, choices=AssignmentMethod.choices, default="team_only"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class RoundRobinCursor(models.Model):
    """Who in a team was handed the last ticket by round-robin."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_user_id}"


class SavedView(TimeStampedModel):
    """A named queue filter (the list page's query string), the owner's or shared."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    query = models.CharField(_("filter"), max_length=1000)
    shared = models.BooleanField(_("shared with all agents"), default=False)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    """The satisfaction question put to the requester when a ticket is resolved."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    requested_at = models.DateTimeField(_("asked"))
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Who was responsible when it was resolved — results per agent and team stay right
    # when the ticket is later reassigned.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"


class SearchDocument(models.Model):
    """A ticket's text, segmented into words (Chinese by jieba) for full-text search:
    what a customer may find (title, description, public replies) apart from what only
    the provider may (internal notes). See `search.py`."""

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # The ticket's organization: on PostgreSQL a customer's search matches within it.
    organization_id = models.BigIntegerField(null=True, db_index=True)
    public_text = models.TextField(default="")
    internal_text = models.TextField(default="")

    def __str__(self) -> str:
        return str(self.ticket_id)
