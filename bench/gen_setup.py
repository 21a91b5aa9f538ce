"""The generator's fixed world: the provider and its agents in teams, the customer
organizations and their requesters, the service catalogue with one agreement per service
on a business calendar, and the ticket categories — sized for N tickets.

A few thousand rows: written directly (like the tickets) but small enough for ordinary
bulk_create, apart from users, whose one password hash is computed once.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from bench.gen_clock import FastCalendar
from bench.gen_load import Loader
from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.sla import clock
from yunwei.sla.demo import ALWAYS, OFFICE, STANDARD_TARGETS, WORKDAYS
from yunwei.sla.models import Agreement, Calendar, CalendarVersion, Target
from yunwei.tickets.models import Category, Ticket

PASSWORD = "Yunwei-bench-2026"  # noqa: S105 - the harness signs in with it, by design
DOMAIN = "bench.yunwei.local"
BENCH_AGENT = f"bench-agent@{DOMAIN}"
BENCH_REQUESTER = f"bench-requester@{DOMAIN}"
REQUESTERS_PER_ORG = 3
TEAM_SIZE = 25

# Service bases (中文, English, runs 7×24), offered per region: base × region services.
BASES = [
    ("桌面运维", "Desktop support", False),
    ("网络运维", "Network operations", True),
    ("机房与服务器运维", "Data centre & servers", True),
    ("应用系统运维", "Application support", False),
    ("邮件与协作", "E-mail & collaboration", False),
    ("账号与权限", "Identity & access", False),
    ("存储与文件服务", "Storage & file services", False),
    ("会议室与音视频", "Meeting rooms & AV", False),
    ("数据备份与恢复", "Backup & restore", False),
    ("云平台运维", "Cloud operations", True),
]
REGIONS = [("华东", "East China"), ("华北", "North China"), ("华南", "South China"),
           ("西部", "West China"), ("海外", "Overseas")]  # fmt: skip
# Per issue of bench/phrases.py (same order): its category and the service bases it
# goes to.
ISSUE_KINDS = [
    ("网络", "Network", (1,)),
    ("打印机", "Printers", (0,)),
    ("VPN", "VPN", (1, 9)),
    ("邮件", "E-mail", (4,)),
    ("业务系统", "Business applications", (3, 9)),
    ("账号密码", "Accounts & passwords", (5,)),
    ("电脑硬件", "PC hardware", (0,)),
    ("软件安装", "Software installation", (0,)),
    ("入职离职", "Joiners & leavers", (5, 0)),
    ("文件共享", "File shares", (6,)),
    ("服务器与备份", "Servers & backup", (2, 8)),
    ("会议设备", "Meeting equipment", (7,)),
    ("机房环境", "Machine room", (2,)),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@dataclass
class Sizes:
    tickets: int
    organizations: int
    agents: int
    teams: int
    services: int

    @classmethod
    def for_tickets(cls, tickets: int) -> Sizes:
        agents = max(10, tickets // 200)
        return cls(
            tickets=tickets,
            organizations=max(20, tickets // 100),
            agents=agents,
            teams=max(4, agents // TEAM_SIZE),
            services=min(50, max(5, tickets // 100)),
        )


@dataclass
class ServiceInfo:
    id: int
    agreement_id: int
    agreement_version: int
    calendar_id: int
    calendar_version: int
    clock: FastCalendar
    targets: dict[str, tuple[int, int]]  # priority: (response, resolution) minutes


@dataclass
class World:
    sizes: Sizes
    provider_id: int
    organizations: list[int]
    requesters: list[list[tuple[int, str]]]  # per organization: (id, e-mail)
    agents: list[tuple[int, str]]
    teams: list[int]
    members: list[list[int]]  # agent indexes per team
    services: list[ServiceInfo]
    bases: int
    regions: int
    categories: list[int]  # per issue
    ticket_type_id: int
    bench_agent: int
    bench_requester: int

    def service_for(self, organization: int, issue: int, rng: random.Random) -> int:
        """A service index the organization subscribes to (its region's) for the issue."""
        base = rng.choice(ISSUE_KINDS[issue % len(ISSUE_KINDS)][2]) % self.bases
        return (organization % self.regions) * self.bases + base

    def always_service(self, organization: int) -> int:
        """The region's first round-the-clock service (network operations)."""
        base = next((b for b in range(self.bases) if BASES[b][2]), 0)
        return (organization % self.regions) * self.bases + base

    def team_for(self, service: int, rng: random.Random) -> int:
        """Each service is worked by up to four teams, the first of them the busiest."""
        group = list(range(service % len(self.teams), len(self.teams), len(self.services)))[:4]
        return group[min(int(len(group) * rng.random() ** 1.6), len(group) - 1)]


def _name(number: int) -> str:
    return SURNAMES[number % len(SURNAMES)] + GIVEN[(number // len(SURNAMES)) % len(GIVEN)]


def _calendar(name: str, hours: dict[str, list[list[str]]], years: list[int]) -> Calendar:
    """The demo's calendar of that name, or a new one like it (holidays included)."""
    from yunwei.sla.actions.calendars import china_exceptions

    found = Calendar.objects.filter(name=name).first()
    if found is not None:
        return found
    exceptions = china_exceptions(years) if years else []
    calendar = Calendar.objects.create(name=name, hours=hours, exceptions=exceptions)
    CalendarVersion.objects.create(calendar=calendar, version=1, spec=calendar.spec())
    return calendar


def build(loader: Loader, sizes: Sizes, first_day: dt.date, last_day: dt.date) -> World:
    years = [y for y in range(first_day.year, last_day.year + 1) if y <= 2026]
    office = _calendar(
        OFFICE, {d: [["09:00", "12:00"], ["13:30", "18:00"]] for d in WORKDAYS}, years
    )
    always = _calendar(ALWAYS, {d: [["00:00", "24:00"]] for d in (*WORKDAYS, "sat", "sun")}, [])
    clocks = {}
    for calendar in (office, always):
        clocks[calendar.pk] = FastCalendar(
            clock.Calendar.from_spec(
                timezone=calendar.timezone, hours=calendar.hours, exceptions=calendar.exceptions
            ),
            first_day,
            last_day,
        )

    provider = Organization.objects.create(
        name="云维基准服务商 Bench provider", code="bench-provider", kind="provider"
    )
    organizations = Organization.objects.bulk_create(
        Organization(name=f"基准客户 {i + 1:05d} Bench customer", code=f"bench-{i + 1:05d}")
        for i in range(sizes.organizations)
    )
    groups = {g.name: g.pk for g in Group.objects.filter(name__startswith="role:")}
    password = make_password(PASSWORD)
    user_id = loader.next_id(User)
    users: list[tuple[object, ...]] = []
    memberships: list[tuple[int, int]] = []
    requesters: list[list[tuple[int, str]]] = []
    for index, org in enumerate(organizations):
        people = []
        for k in range(REQUESTERS_PER_ORG):
            email = (
                BENCH_REQUESTER if index == 0 and k == 0 else f"r{index + 1:05d}-{k + 1}@c.{DOMAIN}"
            )
            language = "en" if (index + k) % 5 == 0 else "zh-hans"
            users.append((user_id, email, _name(user_id), org.pk, language))
            memberships.append((user_id, groups["role:requester"]))
            people.append((user_id, email))
            user_id += 1
        requesters.append(people)
    agents: list[tuple[int, str]] = []
    members: list[list[int]] = [[] for _ in range(sizes.teams)]
    for a in range(sizes.agents):
        team = a % sizes.teams
        members[team].append(a)
        # The bench agent: the second member of the first (busiest) team, not its lead.
        email = BENCH_AGENT if a == sizes.teams else f"agent{a + 1:05d}@{DOMAIN}"
        users.append((user_id, email, _name(user_id), provider.pk, "zh-hans"))
        memberships.append((user_id, groups["role:agent"]))
        if len(members[team]) == 1:
            memberships.append((user_id, groups["role:team_lead"]))
        agents.append((user_id, email))
        user_id += 1
    now = dt.datetime.now(dt.UTC)
    loader.write(
        User,
        ["id", "email", "name", "organization_id", "language", "password", "timezone",
         "is_active", "is_organization_admin", "is_staff", "is_superuser", "phone",
         "date_joined"],
        [(*row, password, "Asia/Shanghai", True, False, False, False, "", now) for row in users],
    )  # fmt: skip
    loader.write_m2m(User.groups.through, ["user_id", "group_id"], memberships)

    teams = Team.objects.bulk_create(
        Team(name=f"运维{t + 1:03d}组 Team {t + 1:03d}", lead_id=agents[members[t][0]][0])
        for t in range(sizes.teams)
    )
    loader.write_m2m(
        Team.members.through,
        ["team_id", "user_id"],
        [(teams[t].pk, agents[a][0]) for t in range(sizes.teams) for a in members[t]],
    )

    bases = min(len(BASES), sizes.services)
    regions = max(1, sizes.services // bases)
    services = []
    for r in range(regions):
        for b in range(bases):
            zh, en, _always = BASES[b]
            region_zh, region_en = REGIONS[r % len(REGIONS)]
            services.append(
                Service(
                    code=f"bench-{r + 1}-{b + 1:02d}",
                    name_zh=f"{zh}（{region_zh}）",
                    name_en=f"{en} ({region_en})",
                    category="network" if b == 1 else "operations",
                    owner_team_id=teams[(r * bases + b) % len(teams)].pk,
                )
            )
    services = Service.objects.bulk_create(services)
    loader.write_m2m(
        Service.organizations.through,
        ["service_id", "organization_id"],
        [
            (services[(i % regions) * bases + b].pk, org.pk)
            for i, org in enumerate(organizations)
            for b in range(bases)
        ],
    )
    agreements = Agreement.objects.bulk_create(
        Agreement(
            name=f"{service.name_zh} SLA",
            service=service,
            calendar=always if BASES[i % bases][2] else office,
            pause_states=["waiting_on_customer"],
        )
        for i, service in enumerate(services)
    )
    Target.objects.bulk_create(
        Target(agreement=agreement, priority=p, response_minutes=r, resolution_minutes=f)
        for agreement in agreements
        for p, (r, f) in STANDARD_TARGETS.items()
    )
    calendars = {office.pk: office, always.pk: always}
    infos = [
        ServiceInfo(
            id=service.pk,
            agreement_id=agreement.pk,
            agreement_version=agreement.version,
            calendar_id=agreement.calendar_id,
            calendar_version=calendars[agreement.calendar_id].version,
            clock=clocks[agreement.calendar_id],
            targets=dict(STANDARD_TARGETS),
        )
        for service, agreement in zip(services, agreements, strict=True)
    ]
    categories = Category.objects.bulk_create(
        Category(name_zh=zh, name_en=en) for zh, en, _bases in ISSUE_KINDS
    )
    return World(
        sizes=sizes,
        provider_id=provider.pk,
        organizations=[org.pk for org in organizations],
        requesters=requesters,
        agents=agents,
        teams=[team.pk for team in teams],
        members=members,
        services=infos,
        bases=bases,
        regions=regions,
        categories=[c.pk for c in categories],
        ticket_type_id=ContentType.objects.get_for_model(Ticket).pk,
        bench_agent=agents[sizes.teams][0],
        bench_requester=requesters[0][0][0],
    )
