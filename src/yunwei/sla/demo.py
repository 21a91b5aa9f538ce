"""Demonstration calendars, agreements and outages (idempotent; load the catalogue's
demo data first)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yunwei.accounts.models import Organization, Team
from yunwei.catalog.models import Service
from yunwei.sla import actions
from yunwei.sla.models import Agreement, Calendar, Outage

OFFICE = "工作日 Office hours (Asia/Shanghai)"
ALWAYS = "7×24"
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")

# priority: (first response, resolution) in business minutes — the manual's §5.1 and
# tighter figures for urgent work.
STANDARD_TARGETS = {
    "urgent": (30, 240),
    "important": (60, 480),
    "general": (120, 1440),
    "unimportant": (240, 2880),
}
GOLD_TARGETS = {
    "urgent": (15, 120),
    "important": (30, 240),
    "general": (60, 480),
    "unimportant": (120, 960),
}


def _targets(figures: dict[str, tuple[int, int]]) -> list[dict[str, object]]:
    return [
        {"priority": p, "response_minutes": r, "resolution_minutes": f}
        for p, (r, f) in figures.items()
    ]


def _calendars() -> tuple[Calendar, Calendar]:
    office = Calendar.objects.filter(name=OFFICE).first()
    if office is None:
        office = actions.create_calendar(
            actor=None,
            name=OFFICE,
            hours={day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in WORKDAYS},
        )
        years = [
            year for year in (timezone.now().year, timezone.now().year + 1) if year <= 2026
        ]  # the years the holiday package covers
        if years:
            office = actions.import_china_holidays(office, actor=None, years=years)
    always = Calendar.objects.filter(name=ALWAYS).first() or actions.create_calendar(
        actor=None,
        name=ALWAYS,
        hours={day: [["00:00", "24:00"]] for day in (*WORKDAYS, "sat", "sun")},
    )
    return office, always


def load() -> None:
    office, always = _calendars()
    desk = Team.objects.filter(name__contains="Service Desk").first()
    for service in Service.objects.all():
        critical = service.code in {"network-operations", "datacentre-servers", "cloud-operations"}
        if not Agreement.objects.filter(service=service, organization__isnull=True).exists():
            actions.create_agreement(
                actor=None,
                name=f"{service.name_zh or service.name_en} SLA",
                service=service,
                calendar=always if critical else office,
                targets=_targets(STANDARD_TARGETS),
                escalations=[
                    {
                        "kind": "resolution",
                        "at_percent": 100,
                        "action": "notify",
                        "notify_team": desk,
                    }
                ]
                if desk
                else [],
            )
    bank = Organization.objects.filter(code="xinghe-bank").first()
    network = Service.objects.filter(code="network-operations").first()
    if (
        bank
        and network
        and not Agreement.objects.filter(service=network, organization=bank).exists()
    ):
        actions.create_agreement(
            actor=None,
            name="星河银行 网络运维 金牌 SLA",
            service=network,
            organization=bank,
            calendar=always,
            targets=_targets(GOLD_TARGETS),
            availability_target="99.95",
            max_interruption_minutes=30,
        )
    if network and not Outage.objects.exists():
        start = timezone.now().replace(day=3, hour=2, minute=10, second=0, microsecond=0)
        actions.record_outage(
            actor=None,
            service=network,
            started_at=start,
            ended_at=start + dt.timedelta(minutes=47),
            incident_reference="INC-000042",
            description="核心交换机故障切换 Core switch fail-over",
        )
        actions.record_outage(
            actor=None,
            service=network,
            organization=bank,
            started_at=start + dt.timedelta(days=5),
            ended_at=start + dt.timedelta(days=5, minutes=20),
            description="专线中断 Leased line down",
        )
        actions.record_outage(
            actor=None,
            service=network,
            planned=True,
            started_at=start + dt.timedelta(days=9),
            ended_at=start + dt.timedelta(days=9, hours=2),
            description="计划维护 Planned firmware upgrade",
        )
