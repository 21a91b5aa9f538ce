"""Demonstration organizations, teams and one user per role (idempotent)."""

from __future__ import annotations

from yunwei.accounts import actions
from yunwei.accounts.models import Organization, Team, User
from yunwei.accounts.roles import RoleCode

DEMO_PASSWORD = "Yunwei-demo-2026"  # noqa: S105 - printed by `make run` on purpose
DOMAIN = "demo.yunwei.local"

ORGANIZATIONS = [
    ("云维信息技术服务有限公司", "yunwei", "provider"),
    ("星河银行", "xinghe-bank", "customer"),
    ("明德大学", "mingde-university", "customer"),
    ("Northwind Logistics", "northwind", "customer"),
]

# (e-mail local part, name, organization code, roles)
PEOPLE = [
    ("admin", "系统管理员 Admin", "yunwei", [RoleCode.ADMIN]),
    ("lead", "王丽 (Team lead)", "yunwei", [RoleCode.TEAM_LEAD, RoleCode.AGENT]),
    ("agent", "李强 (Agent)", "yunwei", [RoleCode.AGENT]),
    ("agent2", "张敏 (Agent)", "yunwei", [RoleCode.AGENT]),
    ("infra", "陈刚 (Infrastructure)", "yunwei", [RoleCode.AGENT]),
    ("infra2", "Olivia Chen (Infrastructure)", "yunwei", [RoleCode.AGENT]),
    ("change", "赵磊 (Change manager)", "yunwei", [RoleCode.CHANGE_MANAGER]),
    ("cab", "孙悦 (CAB member)", "yunwei", [RoleCode.CAB_MEMBER]),
    ("pm", "周杰 (Project manager)", "yunwei", [RoleCode.PROJECT_MANAGER]),
    ("security", "吴芳 (Security officer)", "yunwei", [RoleCode.SECURITY_OFFICER]),
    ("quality", "郑洁 (Quality manager)", "yunwei", [RoleCode.QUALITY_MANAGER]),
    ("hr", "冯雪 (HR manager)", "yunwei", [RoleCode.HR_MANAGER]),
    ("auditor", "Grace Auditor", "yunwei", [RoleCode.AUDITOR]),
    ("requester", "刘洋 (星河银行)", "xinghe-bank", [RoleCode.REQUESTER]),
    ("requester2", "黄蕾 (明德大学)", "mingde-university", [RoleCode.REQUESTER]),
    ("requester3", "Tom Baker (Northwind)", "northwind", [RoleCode.REQUESTER]),
]

TEAMS = [
    ("一线服务台 Service Desk", "lead", ["lead", "agent", "agent2"]),
    ("基础设施运维 Infrastructure", "infra", ["infra", "infra2"]),
]


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def load() -> list[tuple[str, str]]:
    """Creates what is missing; returns (e-mail, roles) of every demo sign-in."""
    orgs = {}
    for name, code, kind in ORGANIZATIONS:
        orgs[code] = Organization.objects.filter(code=code).first() or actions.create_organization(
            actor=None, name=name, code=code, kind=kind
        )
    logins = []
    for local, name, org_code, roles in PEOPLE:
        if not User.objects.filter(email=email(local)).exists():
            actions.create_user(
                actor=None,
                email=email(local),
                name=name,
                organization=orgs[org_code],
                roles=roles,
                password=DEMO_PASSWORD,
                language="en" if local in {"auditor", "requester3", "infra2"} else "zh-hans",
            )
        logins.append((email(local), ", ".join(roles)))
    for team_name, lead, members in TEAMS:
        if not Team.objects.filter(name=team_name).exists():
            actions.create_team(
                actor=None,
                name=team_name,
                lead=User.objects.get(email=email(lead)),
                members=User.objects.filter(email__in=[email(m) for m in members]),
            )
    return logins
