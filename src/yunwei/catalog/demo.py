"""Demonstration services, owned by the demo teams and subscribed by the demo customers
(idempotent; load accounts' demo data first)."""

from __future__ import annotations

from yunwei.accounts.models import Organization, Team
from yunwei.catalog import actions
from yunwei.catalog.models import Service, ServiceCategory, ServiceStatus

DESK = "一线服务台 Service Desk"
INFRA = "基础设施运维 Infrastructure"
BANK, UNIVERSITY, NORTHWIND = "xinghe-bank", "mingde-university", "northwind"

# (code, 中文名, English name, category, owner team, status, customers, description)
SERVICES = [
    (
        "desktop-support",
        "桌面运维",
        "Desktop support",
        ServiceCategory.OPERATIONS,
        DESK,
        ServiceStatus.LIVE,
        [BANK, UNIVERSITY, NORTHWIND],
        "办公电脑、打印机与外设的安装、故障处理和软件分发。\n"
        "PCs, printers and peripherals: set-up, fault fixing and software deployment.",
    ),
    (
        "network-operations",
        "网络运维",
        "Network operations",
        ServiceCategory.NETWORK,
        INFRA,
        ServiceStatus.LIVE,
        [BANK, UNIVERSITY, NORTHWIND],
        "局域网、广域网、无线网络与专线的监控、变更和故障处理。\n"
        "Monitoring, changes and fault handling for LAN, WAN, Wi-Fi and leased lines.",
    ),
    (
        "datacentre-servers",
        "机房与服务器运维",
        "Data centre & servers",
        ServiceCategory.OPERATIONS,
        INFRA,
        ServiceStatus.LIVE,
        [BANK, UNIVERSITY],
        "机房环境巡检、服务器与存储的运行维护。\n"
        "Machine-room inspections; running and maintaining servers and storage.",
    ),
    (
        "application-support",
        "应用系统运维",
        "Application support",
        ServiceCategory.OPERATIONS,
        DESK,
        ServiceStatus.LIVE,
        [BANK, NORTHWIND],
        "业务应用系统的日常运行保障、问题处理与版本发布。\n"
        "Day-to-day operation of business applications, problem handling and releases.",
    ),
    (
        "backup-restore",
        "数据备份与恢复",
        "Backup & restore",
        ServiceCategory.DATA_MANAGEMENT,
        INFRA,
        ServiceStatus.LIVE,
        [BANK, UNIVERSITY],
        "按策略备份业务数据并定期进行恢复演练。\n"
        "Policy-based backups of business data with regular restore drills.",
    ),
    (
        "security-operations",
        "信息安全服务",
        "Security operations",
        ServiceCategory.SECURITY,
        INFRA,
        ServiceStatus.LIVE,
        [BANK],
        "安全监测、漏洞管理与安全事件响应。\n"
        "Security monitoring, vulnerability management and incident response.",
    ),
    (
        "cloud-operations",
        "云平台运维",
        "Cloud operations",
        ServiceCategory.CLOUD,
        INFRA,
        ServiceStatus.PIPELINE,
        [NORTHWIND],
        "公有云与私有云资源的开通、监控和成本优化。\n"
        "Provisioning, monitoring and cost optimisation of public and private cloud resources.",
    ),
    (
        "software-development",
        "软件开发",
        "Software development",
        ServiceCategory.SOFTWARE_DEVELOPMENT,
        None,
        ServiceStatus.LIVE,
        [UNIVERSITY],
        "按项目交付的定制开发与系统改造。\n"
        "Custom development and system enhancements, delivered as projects.",
    ),
]


def load() -> list[Service]:
    """Creates the services that are missing; returns all demo services."""
    teams = {team.name: team for team in Team.objects.filter(name__in=[DESK, INFRA])}
    organizations = {org.code: org for org in Organization.objects.all()}
    services = []
    for code, name_zh, name_en, category, team, status, customers, description in SERVICES:
        service = Service.objects.filter(code=code).first() or actions.create_service(
            actor=None,
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            category=category,
            owner_team=teams.get(team) if team else None,
            status=status,
            organizations=[organizations[c] for c in customers if c in organizations],
            description=description,
        )
        services.append(service)
    return services
