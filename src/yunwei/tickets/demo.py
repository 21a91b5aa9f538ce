"""Demonstration service desk: a category tree, canned responses, assignment rules and
some 270 tickets raised over the last eight weeks, with their conversations, SLA clocks,
satisfaction surveys, problems and links (idempotent: no ticket is added once any
exists; load the accounts', catalogue's and SLA's demo data first).

Every ticket, reply and move goes through the actions, made by the demo user who would
have made it (the requester raises, replies and confirms, an agent answers and resolves)
and backdated with `at=`, so that the audit trail and the SLA records are real ones.
One seeded random generator: the same data for a given day.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from yunwei.accounts import demo as accounts_demo
from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog import demo as catalog_demo
from yunwei.catalog.models import Service
from yunwei.core import audit
from yunwei.sla.models import Agreement
from yunwei.tickets import actions, workflow
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    Survey,
    Ticket,
    TicketState,
)
from yunwei.tickets.priority import priority_for

SEED = 2026
TZ = ZoneInfo("Asia/Shanghai")
DAYS = 56  # eight weeks
GENERIC_TICKETS = 256  # plus problems, duplicates and child tickets: about 270
SEVEN_BY_24 = {"network-operations", "datacentre-servers", "cloud-operations"}
INFRA_SERVICES = {
    "network-operations",
    "datacentre-servers",
    "backup-restore",
    "security-operations",
    "cloud-operations",
}
DESK_AGENTS = ("lead", "agent", "agent2")
INFRA_AGENTS = ("infra", "infra2")
REQUESTERS = {
    "xinghe-bank": "requester",
    "mingde-university": "requester2",
    "northwind": "requester3",
}
ORG_WEIGHTS = {"xinghe-bank": 40, "mingde-university": 30, "northwind": 30}


# --- configuration ---------------------------------------------------------------------

DEPARTMENTS = [
    "财务部 Finance",
    "人力资源部 HR",
    "运营部 Operations",
    "销售部 Sales",
    "信息技术部 IT",
    "教学科研 Teaching & research",
]
ONBOARDING_FIELDS = [
    {
        "name": "start_date",
        "label_zh": "入职日期",
        "label_en": "Start date",
        "type": "date",
        "required": True,
    },
    {
        "name": "department",
        "label_zh": "部门",
        "label_en": "Department",
        "type": "choice",
        "required": True,
        "choices": DEPARTMENTS,
    },
    {
        "name": "laptop",
        "label_zh": "需要笔记本电脑",
        "label_en": "Laptop needed",
        "type": "boolean",
        "required": False,
    },
]
ASSET_FIELD = [
    {
        "name": "asset_tag",
        "label_zh": "资产编号",
        "label_en": "Asset tag",
        "type": "text",
        "required": False,
    }
]

# key: (parent key, 中文名, English name, ticket types, fields)
CATEGORIES: dict[str, tuple[str | None, str, str, list[str], list[dict[str, Any]]]] = {
    "hardware": (None, "硬件", "Hardware", [], []),
    "printers": ("hardware", "打印机", "Printers", [], []),
    "pcs": ("hardware", "电脑", "PCs & laptops", [], ASSET_FIELD),
    "servers": ("hardware", "服务器与存储", "Servers & storage", [], []),
    "network": (None, "网络", "Network", [], []),
    "vpn": ("network", "VPN", "VPN", [], []),
    "wifi": ("network", "Wi-Fi", "Wi-Fi", [], []),
    "accounts": (None, "账号与权限", "Accounts & access", [], []),
    "software": (None, "软件", "Software", [], []),
    "email": ("software", "邮件", "E-mail", [], []),
    "erp": ("software", "ERP", "ERP", [], []),
    "security": (None, "信息安全", "Security", [], []),
    "requests": (None, "服务请求", "Service requests", ["request"], []),
    "onboarding": ("requests", "新员工入职", "Onboarding", ["request"], ONBOARDING_FIELDS),
    "install": ("requests", "软件安装", "Software installation", ["request"], []),
    "restore": ("requests", "数据恢复", "Data restore", ["request"], []),
}

CANNED = [
    (
        "已受理（中文）",
        "您好，已收到您的工单，我们正在处理，会尽快给您答复。如情况紧急，请拨打服务台电话"
        " 400-820-2026。",
        None,
    ),
    (
        "Acknowledged (English)",
        "Hello, thanks for getting in touch — we have your ticket and are looking into it. "
        "We'll update you here shortly. If it is urgent, call the service desk on "
        "+86 400-820-2026.",
        None,
    ),
    (
        "请补充信息（中文）",
        "为了尽快定位问题，请补充以下信息：\n\n- 报错截图或完整的报错文字\n- 电脑资产编号"
        "（机身标签上的 BJ-PC-xxxx）\n- 问题第一次出现的时间\n\n谢谢配合！",
        None,
    ),
    (
        "Need more information (English)",
        "To get to the bottom of this quickly, could you send us:\n\n- a screenshot or the "
        "exact error text\n- the asset tag of the device\n- when it first happened\n\nThanks!",
        None,
    ),
    (
        "已解决请确认（中文）",
        "问题已处理完毕，请您确认是否恢复正常。如 5 天内没有回复，工单将自动关闭。",
        None,
    ),
    (
        "Resolved — please confirm (English)",
        "This should now be fixed — please check and let us know. If we don't hear back "
        "within 5 days the ticket closes automatically.",
        None,
    ),
    (
        "计划维护通知 Planned maintenance",
        "您好，该问题将在本周六 22:00–24:00 的计划维护窗口内处理，届时相关服务可能短暂中断。"
        "\n\nHello, we will fix this in the planned maintenance window this Saturday, "
        "22:00–24:00; the service may be briefly unavailable.",
        catalog_demo.INFRA,
    ),
]

RULES = [
    (
        "网络运维 → 基础设施运维（轮询） Network → Infrastructure (round-robin)",
        10,
        "network-operations",
        catalog_demo.INFRA,
        "round_robin",
    ),
    (
        "其他 → 一线服务台（最少负载） Everything else → Service Desk (least-loaded)",
        100,
        None,
        catalog_demo.DESK,
        "least_loaded",
    ),
]


# --- what the tickets say ------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    key: str
    lang: str
    type: str
    services: tuple[str, ...]  # by preference: the first the customer subscribes to
    category: str | None
    titles: tuple[str, ...]
    body: str
    levels: tuple[tuple[str, str], ...]  # (impact, urgency) to pick from
    fixes: tuple[str, ...]  # resolution notes
    ask: str = ""  # what the agent asks the requester
    answer: str = ""  # and the reply
    note: str = ""  # an internal note
    weight: int = 3
    topic: str = ""  # incidents of a topic are linked to the problem of that topic
    tags: tuple[str, ...] = ()
    resolution: str = "solved"
    # One per title, in the same order: filled in as {detail}, so that what the body
    # says matches the title; `aligned` fixes follow the title too.
    details: tuple[str, ...] = ()
    aligned: bool = False


ZH = "zh"
EN = "en"
M, H, L = "medium", "high", "low"

TEMPLATES = [
    Template(
        "printer_jam",
        ZH,
        "incident",
        ("desktop-support",),
        "printers",
        (
            "{floor}楼打印机频繁卡纸",
            "{dept}打印机卡纸，无法打印",
            "打印机一直提示卡纸（{printer}）",
        ),
        "{dept}的打印机（{printer}，资产编号 `{asset}`）从今天上午开始频繁卡纸，几乎每打印"
        " 3–5 页就卡一次。\n\n- 已尝试：关机重启、重新装纸\n- 影响：部门 {n} 人无法正常"
        "打印报表\n\n请尽快安排人员处理，谢谢！",
        ((M, M), (L, M), (M, H), (L, L)),
        (
            "现场检查发现搓纸轮磨损，已更换搓纸轮并清洁进纸通道，连续测试打印 50 页正常。",
            "纸张受潮导致卡纸，已更换新纸并调整纸盒导板，测试正常。",
            "定影组件老化，已更换备件，打印恢复正常。",
        ),
        ask="请告诉我们打印机面板上显示的报错信息，最好拍一张照片。",
        answer="面板显示“纸盒 2 卡纸（13.B2）”，照片见附件。",
        note="现场查看：搓纸轮明显磨损，库里还有 2 个备件。同型号打印机本月已是第三次卡纸。",
        weight=8,
        topic="printer",
        tags=("打印机",),
    ),
    Template(
        "printer_driver",
        ZH,
        "incident",
        ("desktop-support",),
        "printers",
        ("新电脑无法连接网络打印机", "新电脑添加打印机失败", "添加打印机报错 0x0000011b"),
        "新领的电脑添加{floor}楼网络打印机时报错：\n\n```\nWindows 无法连接到打印机。"
        "操作失败，错误为 0x0000011b。\n```\n\n其他同事的电脑可以正常打印。",
        ((L, M), (M, M), (L, L)),
        (
            "已通过软件分发推送最新驱动并修改打印服务注册表项，打印恢复正常。",
            "打印后台处理程序异常，已清空队列并重启服务。",
        ),
        ask="请确认电脑名称（桌面右下角的标签），我们远程帮您安装驱动。",
        answer="电脑名称是 {asset}，下午两点以后都在工位。",
        note="系统补丁 KB5005565 引起的打印兼容性问题，按知识库 KB-0112 处理即可。",
        weight=4,
        tags=("打印机",),
    ),
    Template(
        "pc",
        ZH,
        "incident",
        ("desktop-support",),
        "pcs",
        (
            "电脑开机很慢，经常卡死",
            "笔记本蓝屏：{bsod}",
            "电脑无法开机，电源灯不亮",
            "电脑风扇噪音很大",
        ),
        "电脑（资产编号 `{asset}`）{detail}。\n\n**已尝试**：重启、拔掉外设后再开机。"
        "\n\n今天下午要用这台电脑给{dept}做汇报，麻烦尽快看一下。",
        ((L, M), (M, M), (L, H), (M, H)),
        (
            "硬盘 SMART 报警，已更换 SSD 并恢复用户数据，系统运行正常。",
            "显卡驱动与系统更新冲突，已回退驱动版本，观察一天未再蓝屏。",
            "电源适配器损坏，已更换，电脑正常开机。",
            "清理散热风扇灰尘并更换硅脂，温度恢复正常。",
        ),
        details=(
            "最近一周开机要 5 分钟以上，打开 Excel 经常卡死",
            "最近几乎每天蓝屏一次，错误代码 {bsod}",
            "今天早上按电源键完全没有反应，电源灯也不亮",
            "最近风扇一直高速转，噪音很大，机身很烫",
        ),
        aligned=True,
        ask="方便的话请拍一下蓝屏时的画面，或告诉我们屏幕上的错误代码。",
        answer="错误代码是 {bsod}，照片已上传。",
        note="远程查看事件日志：磁盘有大量 153 错误，疑似硬盘故障，已预约上门。",
        weight=6,
        tags=("电脑",),
    ),
    Template(
        "vpn",
        ZH,
        "incident",
        ("network-operations",),
        "vpn",
        ("VPN 无法连接，提示认证失败", "居家办公 VPN 频繁断线", "VPN 连接后无法访问内网系统"),
        "在家通过 VPN 办公，{detail}\n\n```\n错误 809：无法建立计算机与 VPN 服务器之间的"
        "网络连接\n```\n\n- 客户端版本：{vpn_version}\n- 网络：家庭宽带\n\n影响{dept}{n}名"
        "同事远程办公。",
        ((M, M), (M, H), (H, H), (L, M)),
        (
            "VPN 网关会话数达到上限，已扩容许可并清理僵死会话，用户已可正常连接。",
            "客户端版本过旧，已指导升级到最新版本并切换到 TCP 443 配置文件，连接稳定。",
            "用户证书过期，已重新签发证书，连接恢复。",
        ),
        details=(
            "输入账号密码后提示认证失败。",
            "每隔十几分钟就断开一次，需要重新登录。",
            "客户端显示已连接，但打不开内网的系统。",
        ),
        ask="请截一张客户端报错的完整截图，并告诉我们是否使用了公司下发的配置文件。",
        answer="截图已上传，用的是去年 IT 部门发的配置文件。",
        note="网关日志显示大量 IKE 重协商失败，和上周的几起 VPN 断线是同一现象。",
        weight=8,
        topic="vpn",
        tags=("VPN", "远程办公"),
    ),
    Template(
        "wifi",
        ZH,
        "incident",
        ("network-operations",),
        "wifi",
        ("{floor}楼会议室 Wi-Fi 信号差", "办公区 Wi-Fi 经常掉线", "访客 Wi-Fi 打不开认证页面"),
        "{detail}\n\n测速结果：下载 {speed} Mbps，上传不到 1 Mbps。其他楼层正常。",
        ((L, M), (M, M), (M, H), (L, L)),
        (
            "AP 信道冲突，已调整信道和发射功率，现场测速下载 120 Mbps。",
            "该区域 AP 故障，已更换新 AP，覆盖恢复正常。",
            "门户认证服务器证书过期，已更新证书，访客可以正常认证。",
        ),
        details=(
            "{floor}楼{room}附近 Wi-Fi 信号只有一格，视频会议经常卡顿。",
            "{floor}楼办公区 Wi-Fi 每隔半小时左右掉线一次，要重新连接。",
            "{floor}楼访客 Wi-Fi 能连上，但认证页面一直打不开，客户无法上网。",
        ),
        aligned=True,
        ask="请告诉我们具体的位置（房间号），以及出现问题的大致时间段。",
        answer="{room}，一般是上午十点和下午三点开会的时候最明显。",
        note="控制器上看到该 AP 每天重启 3–4 次，固件版本 8.10.130，和已知问题单描述一致。",
        weight=6,
        topic="wifi",
        tags=("Wi-Fi",),
    ),
    Template(
        "mailbox",
        ZH,
        "incident",
        ("application-support", "desktop-support"),
        "email",
        ("邮箱满了，无法收发邮件", "提示“邮箱容量已满”，外部邮件被退回", "邮箱空间不足，急需扩容"),
        "今天早上开始收到系统提示：\n\n> 您的邮箱已满，可能无法发送或接收邮件。\n\n"
        "客户发来的邮件被退回，影响{dept}的正常业务。邮箱里有很多带附件的往来邮件，"
        "都需要保留。",
        ((L, M), (M, M), (M, H)),
        (
            "已将邮箱配额从 2 GB 调整为 10 GB，并为用户开启在线存档，收发恢复正常。",
            "指导用户将大附件转存网盘并清理已删除邮件，释放 1.6 GB 空间。",
        ),
        ask="请问您的邮箱地址是？另外是否需要保留全部历史邮件？",
        answer="邮箱是部门公共邮箱，历史邮件都要保留，谢谢。",
        note="现行配额策略 2 GB 对业务部门明显不够，已在问题单里跟进策略调整。",
        weight=6,
        topic="mailbox",
        tags=("邮件",),
    ),
    Template(
        "erp",
        ZH,
        "incident",
        ("application-support",),
        "erp",
        ("ERP 报错：{erp_error}", "ERP {erp_action}失败", "ERP {erp_action}时报错，请尽快处理"),
        "在 ERP 中执行“{erp_action}”时报错：\n\n```\n{erp_error}\n```\n\n- 操作人：{name}"
        "（{dept}）\n- 发生时间：今天 {hhmm}\n- 已重试 3 次，均失败\n\n月末结账在即，请优先处理。",
        ((M, H), (H, H), (M, M), (H, M)),
        (
            "数据库统计信息过期导致执行计划异常，已重新收集统计信息，报表 2 分钟内完成。",
            "应用服务器会话池耗尽，已调整连接池参数并重启应用节点，业务恢复。",
            "临时表空间不足，已扩容 20 GB，结账流程执行成功。",
        ),
        ask="请提供报错时的完整截图以及对应的凭证号或报表名称。",
        answer="凭证号 JZ-{n}0{n}，截图已上传，麻烦尽快处理。",
        note="查看 AWR 报告：结账报表 SQL 全表扫描，执行时间 40 分钟以上，已联系 DBA 协助。",
        weight=7,
        topic="erp",
        tags=("ERP", "月末结账"),
    ),
    Template(
        "account",
        ZH,
        "incident",
        ("desktop-support", "application-support"),
        "accounts",
        (
            "账号被锁定，无法登录电脑",
            "域账号频繁锁定（{name}）",
            "账号锁定，手机邮箱一直提示输入密码",
        ),
        "{name}（{dept}）的账号今天早上被锁定，提示：\n\n> 引用的账户当前已锁定，且可能无法"
        "登录。\n\n上周刚改过密码。手机上的邮箱也一直提示输入密码。",
        ((L, H), (M, M), (L, M), (M, H)),
        (
            "已解锁账号，并清除手机邮件客户端中缓存的旧密码，观察半天未再锁定。",
            "已重置密码并指导用户在所有设备上更新，账号恢复正常。",
        ),
        ask="为确认身份，请告诉我们工号和绑定的手机号后四位。",
        answer="工号 {n}{n}17，手机尾号 {n}{n}08。",
        note="域控日志显示锁定源是一台手机（ActiveSync），用户仍在用旧密码同步邮件。",
        weight=6,
        tags=("账号",),
    ),
    Template(
        "onboarding",
        ZH,
        "request",
        ("desktop-support",),
        "onboarding",
        ("新员工入职申请：{newname}（{dept}）", "{dept}新同事{newname}入职，申请开通账号和电脑"),
        "{dept}新员工 **{newname}** 将于 {start} 入职，请协助准备：\n\n1. 域账号和企业邮箱\n"
        "2. OA、{system}的访问权限\n3. 办公电脑一台（{laptop_text}）\n\n部门负责人已审批。",
        ((L, M), (M, M), (L, L)),
        (
            "账号、邮箱和系统权限已开通，电脑已安装标准镜像并送到工位，初始密码已通过短信发送。",
            "已按申请完成账号、邮箱和权限配置，入职当天现场协助完成首次登录。",
        ),
        note="HR 系统已确认入职信息；笔记本从库存中领用，资产编号 {asset}。",
        weight=5,
        tags=("入职",),
        resolution="fulfilled",
    ),
    Template(
        "access",
        ZH,
        "request",
        ("application-support", "desktop-support"),
        "accounts",
        ("申请开通{system}权限", "申请共享盘“{share}”的访问权限"),
        "因工作需要，申请为 {name}（{dept}）开通以下权限：\n\n| 系统 | 权限 |\n| --- | --- |\n"
        "| {system} | 只读 |\n| 共享盘 {share} | 读写 |\n\n部门负责人已同意。",
        ((L, M), (L, L), (M, M)),
        ("已按最小权限原则开通所申请的权限，并通知用户重新登录生效。",),
        note="已核对审批记录：部门负责人邮件审批通过。",
        weight=5,
        tags=("权限",),
        resolution="fulfilled",
    ),
    Template(
        "install",
        ZH,
        "request",
        ("desktop-support",),
        "install",
        ("申请安装 {software}", "电脑需要安装 {software}"),
        "工作需要使用 **{software}**，申请安装在电脑 `{asset}` 上。\n\n公司已有正版授权，"
        "授权信息请向{dept}资产管理员索取。",
        ((L, L), (L, M)),
        ("已通过软件中心推送安装并激活授权。", "已远程安装完成，用户确认可以正常使用。"),
        weight=4,
        tags=("软件安装",),
        resolution="fulfilled",
    ),
    Template(
        "disk",
        ZH,
        "incident",
        ("datacentre-servers",),
        "servers",
        ("服务器磁盘告警：{host} 使用率 {pct}%", "监控告警：{host} /var 分区空间不足"),
        "监控平台告警：\n\n```\n[严重] {host} 文件系统 /var 使用率 {pct}%（阈值 85%）\n```\n\n"
        "该服务器承载{system}，请尽快处理，避免影响业务。",
        ((M, H), (H, H), (M, M)),
        (
            "应用日志未轮转，已压缩归档历史日志并配置 logrotate，使用率降至 41%。",
            "已清理过期的临时导出文件并扩容 /var 分区 50 GB。",
        ),
        note="du 排查：/var/log/app 下有 180 GB 未轮转日志，最早的是 3 个月前。",
        weight=5,
        topic="disk",
        tags=("监控告警", "服务器"),
    ),
    Template(
        "backup",
        ZH,
        "incident",
        ("backup-restore",),
        None,
        ("备份任务失败：{job}", "昨晚数据库备份未完成"),
        "备份系统报告任务 **{job}** 昨晚失败：\n\n```\nERROR: media write error, "
        "tape library not ready\n```\n\n请检查并在今晚前补做一次完整备份。",
        ((M, M), (M, H), (H, M)),
        (
            "磁带库机械臂故障，已复位并补做完整备份，校验通过。",
            "备份存储空间不足，已清理过期备份集并重新执行，任务成功。",
        ),
        note="磁带库控制台有 3 条机械臂超时告警，已联系厂商远程诊断。",
        weight=4,
        tags=("备份",),
    ),
    Template(
        "restore",
        ZH,
        "request",
        ("backup-restore",),
        "restore",
        ("申请恢复误删除的文件（{share}）", "申请恢复共享盘文件夹“{folder}”"),
        "{name}误删除了共享盘 **{share}** 下的文件夹“{folder}”，需要恢复到 {restore_day} 的版本。"
        "\n\n文件夹里是{dept}本季度的工作底稿，比较急，谢谢！",
        ((M, M), (L, M), (M, H)),
        ("已从昨日备份恢复指定文件夹到原路径，用户核对无误。",),
        ask="请确认需要恢复的完整路径，以及恢复到原位置还是新文件夹。",
        answer="恢复到原位置即可，路径是 \\\\fs01\\{share}\\{folder}。",
        weight=2,
        tags=("数据恢复",),
        resolution="fulfilled",
    ),
    Template(
        "phishing",
        ZH,
        "incident",
        ("security-operations",),
        "security",
        (
            "收到可疑钓鱼邮件，请协助核查",
            "冒充“{sender}”的钓鱼邮件，已有同事输入密码",
        ),
        "{dept}多名同事收到一封可疑邮件，发件人伪装成“{sender}”，邮件中包含一个要求"
        "输入账号密码的链接。\n\n已有 1 位同事点击了链接并输入了密码，请尽快处理！",
        ((H, H), (M, H), (H, M)),
        (
            "已在邮件网关拦截该发件域并从所有邮箱中撤回邮件，重置了泄露账号的密码并开启二次验证。",
            "已封禁钓鱼链接域名，重置点击过链接的账号密码，并在全员范围发布安全提醒。",
        ),
        note="威胁情报确认该域名为近期仿冒金融机构的钓鱼域名，已加入黑名单。",
        weight=3,
        tags=("信息安全", "钓鱼邮件"),
    ),
    Template(
        "wan",
        ZH,
        "incident",
        ("network-operations",),
        "network",
        ("{branch}访问核心系统很慢", "专线中断，{branch}无法办理业务"),
        "{branch}从 {hhmm} 开始{detail}\n\n- 已重启网点路由器，无改善\n- 影响柜台和自助设备",
        ((H, H), (M, H), (H, M)),
        (
            "运营商专线光缆被施工挖断，已切换到备用线路，运营商修复后已切回主线路。",
            "网点路由器接口 CRC 错误，已更换光模块，丢包消失。",
        ),
        details=(
            "访问{system}非常慢，打开一个页面要 30 秒以上，ping 网关丢包约 20%。",
            "专线完全中断，{system}无法访问，业务无法办理。",
        ),
        note="已联系运营商报障，工单号 {n}{n}{n}8801，预计 2 小时内到场。",
        weight=4,
        tags=("专线",),
    ),
    Template(
        "course_system",
        ZH,
        "request",
        ("software-development",),
        None,
        ("选课系统增加成绩导出功能", "教务系统增加按学期导出成绩的功能"),
        "教务处希望在{system}中增加以下功能：\n\n- 按学期、课程导出成绩（Excel）\n"
        "- 导出文件包含学号、姓名、平时成绩和期末成绩\n\n希望在期末考试前上线。",
        ((L, M), (M, M)),
        ("功能已开发完成并发布到生产环境，已在教务处演示。",),
        ask="请提供一份期望的导出样表，方便我们确认字段。",
        answer="样表已上传，格式参考去年的纸质成绩单。",
        weight=3,
        resolution="fulfilled",
    ),
    Template(
        "projector",
        ZH,
        "incident",
        ("desktop-support",),
        "hardware",
        ("{room}投影仪无法显示", "{room}的电视无法投屏"),
        "{room}的投影仪开机后一直显示“无信号”，换了 HDMI 线也不行。今天下午有重要会议，"
        "请尽快派人！",
        ((L, H), (M, H), (L, M)),
        ("HDMI 切换器故障，已更换，投影恢复正常。", "投屏盒子固件异常，已重置并重新配对。"),
        weight=2,
        tags=("会议室",),
    ),
    # English: Northwind Logistics
    Template(
        "en_printer",
        EN,
        "incident",
        ("desktop-support",),
        "printers",
        (
            "Printer in the {site} office keeps jamming",
            "Printer at {zone} jams every few pages",
            "Paper jam on the {printer}",
        ),
        "The {printer} in the {site} office jams every few pages since this morning.\n\n"
        "- Tried: power cycle, fresh paper\n- Impact: the {dept} team can't print delivery "
        "notes\n\nCould someone take a look please?",
        ((M, M), (L, M), (M, H), (L, L)),
        (
            "Replaced the worn pick-up roller and cleaned the paper path; 50 test pages fine.",
            "Damp paper was the culprit — swapped the stock and adjusted the tray guides.",
            "Label printer head was dirty; cleaned it and recalibrated the media sensor.",
        ),
        ask="Could you send a photo of the error on the printer's panel?",
        answer="Photo attached — it says 'Jam in tray 2 (13.B2)'.",
        note="Same model jammed twice this month; spare rollers ordered.",
        weight=6,
        tags=("printer",),
    ),
    Template(
        "en_laptop",
        EN,
        "incident",
        ("desktop-support",),
        "pcs",
        (
            "Laptop won't boot after Windows update",
            "Laptop extremely slow since last week",
            "Blue screen: {bsod}",
        ),
        "My laptop (asset tag `{asset}`) {detail}.\n\n**Already tried:** restarting and "
        "unplugging the dock.\n\nI need it for the {dept} meeting this afternoon.",
        ((L, M), (M, M), (L, H), (M, H)),
        (
            "Failing SSD replaced and the user's data restored; running normally.",
            "Rolled back the faulty graphics driver; no more blue screens after a day.",
            "Re-imaged the laptop with the standard build and restored the profile.",
        ),
        details=(
            "won't get past the logo since last night's Windows update",
            "takes ages to start and freezes whenever I open Excel",
            "blue-screens about once a day with {bsod}",
        ),
        ask="Could you tell us the exact error code shown on the blue screen?",
        answer="It's {bsod} — photo attached.",
        note="Event log full of disk errors (ID 153); booked a desk visit.",
        weight=5,
        tags=("laptop",),
    ),
    Template(
        "en_vpn",
        EN,
        "incident",
        ("network-operations",),
        "vpn",
        ("VPN fails to connect from home", "VPN keeps dropping every few minutes"),
        "Working from home today and the VPN {detail}.\n\n```\nError 809: The network "
        "connection between your computer and the VPN server could not be established\n```\n\n"
        "Client version {vpn_version}.",
        ((M, M), (M, H), (L, M)),
        (
            "Expired user certificate re-issued; the VPN connects again.",
            "Updated the client and switched the user to the TCP 443 profile; stable since.",
        ),
        details=("says authentication failed", "drops every ten minutes or so"),
        ask="Are you using the profile IT sent out last year, or the new one?",
        answer="The old one, I think — it's the file from last year's e-mail.",
        note="Gateway logs show repeated IKE re-negotiation failures for this user.",
        weight=5,
        tags=("VPN",),
    ),
    Template(
        "en_wifi",
        EN,
        "incident",
        ("network-operations",),
        "wifi",
        ("Wi-Fi drops in warehouse {zone}", "Handheld scanners lose Wi-Fi in {zone}"),
        "The handheld scanners in **{zone}** of the {site} keep losing Wi-Fi, so pickers have "
        "to re-scan every pallet.\n\nIt's worst near the racking at the back. Roughly {n}0 "
        "scans lost this morning.",
        ((M, H), (M, M), (H, H), (L, M)),
        (
            "Added an access point near the racking and tuned roaming thresholds; no drops since.",
            "AP in that zone had failed; replaced it and coverage is back.",
        ),
        ask="Which aisle numbers are worst, and roughly what times?",
        answer="Aisles 14–18, mostly during the 10:00 and 15:00 waves.",
        note="Controller shows the AP in that zone rebooting several times a day — same firmware "
        "as the other warehouse.",
        weight=5,
        topic="nw_wifi",
        tags=("Wi-Fi", "warehouse"),
    ),
    Template(
        "en_mailbox",
        EN,
        "incident",
        ("application-support", "desktop-support"),
        "email",
        ("Mailbox full — can't send e-mail", "Customers' e-mails bouncing: mailbox over quota"),
        "Since this morning I get:\n\n> Your mailbox is full. You may not be able to send or "
        "receive items.\n\nCustomers say their e-mails bounce. I need to keep the old "
        "shipment threads.",
        ((L, M), (M, M), (M, H)),
        ("Raised the quota to 10 GB and enabled the online archive; mail flowing again.",),
        weight=4,
        tags=("e-mail",),
    ),
    Template(
        "en_erp",
        EN,
        "incident",
        ("application-support",),
        "erp",
        ("ERP error when posting shipment: {en_erp_error}", "ERP won't post shipment {shipment}"),
        "Posting shipment {shipment} in the ERP fails with:\n\n```\n{en_erp_error}\n```\n\n"
        "Trucks are waiting at the {site} — please treat as urgent.",
        ((H, H), (M, H), (M, M)),
        (
            "Lock contention on the stock ledger table; killed the stale session and posted.",
            "Opened posting period 11 in the ERP and re-posted the shipments.",
        ),
        ask="Could you send the shipment numbers that failed and a screenshot?",
        answer="Shipments {shipment} and the next two — screenshot attached.",
        note="Stale database session from the nightly interface holds a lock on the ledger.",
        weight=6,
        topic="nw_erp",
        tags=("ERP",),
    ),
    Template(
        "en_account",
        EN,
        "incident",
        ("desktop-support", "application-support"),
        "accounts",
        ("Account locked out", "{en_name} locked out again", "Locked out of Windows and e-mail"),
        "{en_name} from {dept} is locked out since this morning:\n\n> The referenced account "
        "is currently locked out.\n\nThe password was changed on Monday.",
        ((L, H), (M, M), (L, M)),
        ("Unlocked the account and removed the old password cached on the phone.",),
        ask="To confirm identity, please reply with the employee number.",
        answer="Employee number NW-{n}{n}41.",
        weight=4,
        tags=("account",),
    ),
    Template(
        "en_onboarding",
        EN,
        "request",
        ("desktop-support",),
        "onboarding",
        ("New starter: {en_newname} ({dept})", "Onboarding request for {en_newname}"),
        "**{en_newname}** joins {dept} on {start}. Please set up:\n\n1. Windows account and "
        "e-mail\n2. ERP access (read-only)\n3. A laptop ({en_laptop_text})\n\nApproved by the "
        "team manager.",
        ((L, M), (M, M), (L, L)),
        ("Account, mailbox and ERP access ready; laptop imaged and left at reception.",),
        note="HR record checked; laptop taken from stock.",
        weight=4,
        tags=("onboarding",),
        resolution="fulfilled",
    ),
    Template(
        "en_cloud",
        EN,
        "incident",
        ("cloud-operations",),
        None,
        ("Cloud VM {vm} disk usage at {pct}%", "Disk almost full on {vm}"),
        "Monitoring alert from the cloud console:\n\n```\n[warning] {vm} /data usage {pct}% "
        "(threshold 85%)\n```\n\nThe VM runs the tracking portal customers use.",
        ((M, H), (M, M), (H, H)),
        (
            "Expanded the data disk by 100 GB online and set up log retention.",
            "Removed orphaned snapshots and right-sized two idle instances.",
        ),
        note="Snapshot policy kept daily snapshots forever; changed to 14 days.",
        weight=3,
        tags=("cloud",),
    ),
    Template(
        "en_access",
        EN,
        "request",
        ("desktop-support", "application-support"),
        "accounts",
        ("Access to the {en_share} shared drive", "Shared drive access for {en_name}"),
        "Please give {en_name} ({dept}) read/write access to **{en_share}**. Approved by the "
        "team manager.",
        ((L, M), (L, L)),
        ("Access granted; the user confirmed after logging in again.",),
        weight=3,
        tags=("access",),
        resolution="fulfilled",
    ),
    Template(
        "en_install",
        EN,
        "request",
        ("desktop-support",),
        "install",
        ("Please install {en_software}", "Need {en_software} on my laptop"),
        "I need **{en_software}** for work on laptop `{asset}`. We have licences.",
        ((L, L), (L, M)),
        ("Installed through the software centre and licensed.",),
        weight=2,
        tags=("software",),
        resolution="fulfilled",
    ),
]

# Values the templates fill in, per customer.
WORDS: dict[str, dict[str, list[str]]] = {
    "xinghe-bank": {
        "dept": ["财务部", "信贷部", "运营管理部", "风险管理部", "个人金融部", "办公室"],
        "branch": ["朝阳支行", "海淀支行", "浦东支行", "天河支行", "西湖支行"],
        "system": ["核心业务系统", "信贷管理系统", "OA 系统", "柜面系统"],
        "share": ["财务共享", "信贷档案", "风险报告"],
        "sender": ["行长办公室", "总行科技部", "人力资源部"],
    },
    "mingde-university": {
        "dept": ["教务处", "财务处", "图书馆", "计算机学院", "外国语学院", "研究生院"],
        "branch": ["东校区", "西校区", "南校区图书馆", "继续教育学院"],
        "system": ["教务系统", "科研管理系统", "OA 系统", "一卡通系统"],
        "share": ["教务资料", "科研项目", "学院公共"],
        "sender": ["校长办公室", "网络中心", "财务处"],
    },
    "northwind": {
        "dept": ["Finance", "Warehouse", "Customer service", "Fleet", "HR", "Sales"],
        "site": ["Shanghai DC", "Ningbo depot", "Suzhou office", "Pudong warehouse"],
        "zone": ["Zone A", "Zone B", "the cold store", "loading bay 3", "Zone C"],
        "en_share": ["Dispatch", "Finance-Reports", "HR-Confidential", "Fleet-Maintenance"],
    },
}
COMMON_WORDS: dict[str, list[str]] = {
    "printer": ["HP LaserJet M404dn", "理光 MP 2555", "Canon iR-ADV C3520", "Zebra ZT410"],
    "bsod": ["CRITICAL_PROCESS_DIED", "0x0000007E", "IRQL_NOT_LESS_OR_EQUAL", "0x00000124"],
    "vpn_version": ["4.10.07061", "4.9.03047", "5.0.01242"],
    "room": ["301 会议室", "大会议室", "培训教室", "508 会议室", "报告厅"],
    "speed": ["2.3", "0.8", "4.1", "1.5"],
    "erp_error": [
        "ORA-01555: snapshot too old",
        "会话已过期，请重新登录（SESSION_TIMEOUT）",
        "凭证过账失败：期间未打开",
        "ORA-00060: deadlock detected",
    ],
    "erp_action": ["凭证过账", "月末结账", "应付发票录入", "资产折旧计提"],
    "en_erp_error": [
        "ORA-00060: deadlock detected while waiting for resource",
        "Posting period 11 is not open",
        "Record locked by another user (STOCK_LEDGER)",
    ],
    "software": ["Visio 2021", "SPSS 29", "MATLAB R2024b", "Adobe Acrobat Pro", "XMind"],
    "en_software": ["Visio", "Power BI Desktop", "Adobe Acrobat Pro", "7-Zip"],
    "host": ["db-prod-01", "app-erp-02", "fs-01", "log-01", "esxi-07", "k8s-node-03"],
    "job": ["ORACLE_FULL_DAILY", "FS01_INCR", "EXCHANGE_DB_WEEKLY", "VM_SNAPSHOT_NIGHTLY"],
    "folder": ["2026 年度审计", "季度报表", "项目合同", "Q3 底稿"],
    "vm": ["nw-portal-01", "nw-tracking-02", "nw-api-03"],
    "name": ["王芳", "李静", "张伟", "刘磊", "陈晨", "杨洁", "赵敏", "孙浩"],
    "newname": ["林小雨", "何俊", "郭佳怡", "马超", "罗欣", "高远"],
    "en_name": ["Sarah Lin", "James Wu", "Emily Zhang", "Mark Hughes", "Priya Nair"],
    "en_newname": ["Daniel Ho", "Chloe Martin", "Kevin Tan", "Laura Smith"],
}

# What agents and requesters say, whatever the ticket is about.
SAY: dict[str, dict[str, Any]] = {
    ZH: {
        "ack": [
            "您好，我是{agent}，已收到您的工单，正在为您处理。",
            "您好，我们已开始排查，稍后给您反馈进展。",
            "收到，已安排工程师跟进，请保持电话畅通。",
            "您好，已受理。我先远程看一下，有需要会再联系您。",
        ],
        "done": [
            "已处理完毕，请您确认是否恢复正常。",
            "问题已解决，如仍有异常请直接回复本工单。",
            "已经处理好了，麻烦您再试一下，有问题随时联系我们。",
        ],
        "fulfilled": ["申请已办理完成，请查收。", "已按申请开通完成，请您确认。"],
        "request_ack": ["您好，申请已收到，正在走审批流程。", "已收到申请，预计今天内完成。"],
        "thanks": ["好的，已经恢复了，谢谢！", "确认可以了，辛苦了！", "收到，谢谢！"],
        "notes": [
            "已远程协助排查，用户环境无异常，继续观察。",
            "已联系厂商工程师，等待回复。",
            "与用户电话沟通确认了现象，稍后上门处理。",
        ],
        "mention": [
            "@{who} 麻烦协助确认一下，这个是不是和上周的问题一样？",
            "@{who} 请帮忙看一下设备侧的日志，我这边客户端没发现问题。",
        ],
        "forward": [
            "属于基础设施组的处理范围，转交基础设施运维。",
            "服务器/网络侧问题，转基础设施组跟进。",
        ],
        "forward_queue": ["转基础设施运维队列，请值班同事认领。"],
        "stuck": [
            "等待厂商备件到货，预计下周。",
            "需要在变更窗口内处理，已提交变更申请，等待 CAB 审批。",
        ],
        "reopen": ["问题又出现了，麻烦再看一下。", "今天又不行了，和上次一样的现象。"],
        "ask": "为了尽快定位问题，请补充报错截图和问题第一次出现的时间，谢谢。",
        "reopen_reply": ["抱歉给您带来不便，我们重新排查一下。"],
        "duplicate": "与 {ref} 为同一问题，已合并到该工单处理。",
        "split": "已拆分为子工单分别处理：开通账号、准备电脑。",
    },
    EN: {
        "ack": [
            "Hi, this is {agent} — we've got your ticket and are on it.",
            "Thanks for reporting this. Looking into it now; we'll update you shortly.",
            "Hello, picked this up — I'll connect remotely in a few minutes.",
        ],
        "done": [
            "This should be fixed now — could you check and confirm?",
            "All sorted on our side. Please reply here if anything still looks wrong.",
        ],
        "fulfilled": ["Done — everything you asked for is set up.", "Completed; please confirm."],
        "request_ack": ["Request received; waiting for approval.", "Got it — we'll do this today."],
        "thanks": [
            "Working again, thanks!",
            "Confirmed, thanks for the quick help.",
            "Great, thanks.",
        ],
        "notes": [
            "Remote session done; nothing wrong on the client side, keeping an eye on it.",
            "Called the user to confirm the symptoms; desk visit booked.",
            "Vendor case opened, waiting for their reply.",
        ],
        "mention": [
            "@{who} could you check the switch/AP logs for this one? Client side looks clean.",
            "@{who} is this the same thing we saw last week?",
        ],
        "forward": ["Infrastructure issue — handing over to the infrastructure team."],
        "forward_queue": ["Moving to the infrastructure queue; whoever is on call please take it."],
        "stuck": [
            "Waiting for the vendor's replacement part, due next week.",
            "Needs a change window; change request raised, waiting for CAB.",
        ],
        "reopen": ["It's happening again, same as before.", "Still broken this morning, sorry."],
        "ask": "Could you send a screenshot of the error and tell us when it first happened?",
        "reopen_reply": ["Sorry about that — taking another look."],
        "duplicate": "Same issue as {ref}; we're handling it there.",
        "split": "Split into child requests: account set-up and laptop.",
    },
}
SURVEY_GOOD = {
    ZH: ["响应很快，工程师很专业！", "非常满意，谢谢！", "", "", "处理及时，点赞。"],
    EN: ["Quick and friendly, thanks!", "", "", "Sorted within the hour — great."],
}
SURVEY_BAD = {
    ZH: ["处理太慢了，等了很久才有人回复。", "问题反复出现，希望能彻底解决。", "沟通不够及时。"],
    EN: ["Took far too long to get a reply.", "Had to chase twice before anyone looked at it."],
}

# (topic, days ago, creator, language, title, description, analysis, root cause,
#  workaround, known error, outcome: open | resolved | new)
PROBLEMS = [
    (
        "vpn",
        38,
        "infra",
        ZH,
        "VPN 客户端频繁断线（多起事件）",
        "近两周多个客户反映居家办公 VPN 每隔 10–20 分钟断开，涉及星河银行和明德大学。\n\n"
        "需要找出根因，避免类似事件反复发生。",
        "网关日志显示断线均发生在 IKE 重协商时；只影响 UDP 4500 的旧配置文件。",
        "部分家用宽带运营商对 UDP 4500 长连接做了 NAT 老化，IKE 重协商失败。",
        "改用 TCP 443 配置文件（知识库 KB-0207），或升级客户端到 5.0 以上。",
        True,
        "open",
    ),
    (
        "printer",
        44,
        "lead",
        ZH,
        "同型号打印机反复卡纸",
        "HP LaserJet M404dn 本月卡纸事件明显增多，集中在星河银行和明德大学的办公楼。",
        "卡纸集中发生在使用超过 3 万页的机器上。",
        "搓纸轮为易损件，未纳入预防性维护计划。",
        "",
        False,
        "resolved",
    ),
    (
        "mailbox",
        30,
        "lead",
        ZH,
        "邮箱容量策略导致频繁“邮箱已满”",
        "业务部门频繁报告邮箱已满、外部邮件被退回。",
        "2 GB 配额制定于 2019 年，现在业务邮件附件普遍在 10 MB 以上。",
        "配额策略过时。",
        "临时为用户开启在线存档。",
        False,
        "resolved",
    ),
    (
        "erp",
        24,
        "agent",
        ZH,
        "ERP 月末结账报表超时、死锁",
        "月末结账期间 ERP 多次出现 ORA-00060 死锁和报表超时，影响财务结账。",
        "结账报表与夜间接口作业同时运行，争用总账表行锁。",
        "接口作业调度与结账窗口重叠，且报表 SQL 缺少索引。",
        "结账期间暂停夜间接口作业（运维手册 ERP-OPS-12），报表改在 19:00 后运行。",
        True,
        "open",
    ),
    (
        "wifi",
        18,
        "infra",
        ZH,
        "办公区无线 AP 固件缺陷导致信号差、掉线",
        "多个楼层报告 Wi-Fi 信号差、频繁掉线，涉及同一型号 AP。",
        "故障 AP 均为固件 8.10.130，控制器日志显示看门狗重启。",
        "厂商确认固件 8.10.130 存在内存泄漏缺陷（厂商公告 SA-2026-031）。",
        "每晚定时重启受影响 AP；固件升级已提交变更，等待变更窗口。",
        True,
        "open",
    ),
    (
        "disk",
        33,
        "infra",
        ZH,
        "服务器磁盘空间告警反复出现",
        "数据中心多台服务器反复出现 /var 分区使用率告警。",
        "告警服务器都部署了同一应用，应用日志目录未纳入 logrotate。",
        "应用部署模板缺少日志轮转配置。",
        "",
        False,
        "resolved",
    ),
    (
        "nw_erp",
        15,
        "lead",
        EN,
        "Recurring ERP posting failures at Northwind",
        "Several shipments a week fail to post with lock errors, holding up trucks at the depots.",
        "Failures coincide with the 10:00 stock interface run.",
        "The stock interface keeps a session open holding a lock on the stock ledger.",
        "Kill the stale interface session (runbook NW-ERP-3) and re-post; interface moved to "
        "11:30 for now.",
        True,
        "open",
    ),
    (
        "nw_wifi",
        4,
        "infra2",
        EN,
        "Warehouse Wi-Fi drop-outs affecting handheld scanners",
        "Scanners in several warehouse zones lose Wi-Fi repeatedly; looks like a coverage "
        "or roaming problem rather than single faults.",
        "",
        "",
        "",
        False,
        "new",
    ),
]


# --- planning --------------------------------------------------------------------------


@dataclass
class Step:
    at: dt.datetime
    kind: str
    who: str | None = None  # a demo user's e-mail local part; None: the ticket's assignee
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    seq: int
    at: dt.datetime
    lang: str
    type: str
    org: str
    requester: str
    actor: str
    service: str
    category: str | None
    title: str
    description: str
    impact: str = "medium"
    urgency: str = "medium"
    channel: str = "portal"
    tags: tuple[str, ...] = ()
    topic: str = ""
    custom_fields: dict[str, Any] | None = None
    team: str | None = None
    assignee: str | None = None
    steps: list[Step] = field(default_factory=list)

    def add(self, at: dt.datetime, kind: str, **kwargs: Any) -> dt.datetime:
        """Appends a step, never before the previous one."""
        last = self.steps[-1].at if self.steps else self.at
        at = max(at, last + dt.timedelta(minutes=1)).replace(microsecond=0)
        self.steps.append(Step(at, kind, **kwargs))
        return at


class _Blanks(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(text: str, words: dict[str, str]) -> str:
    return text.format_map(_Blanks(words))


def _office(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """`t`, or the next moment in office hours (Mon–Fri 9:00–12:00, 13:30–18:00)."""
    local = t.astimezone(TZ)
    while True:
        clock = local.hour * 60 + local.minute
        if local.weekday() >= 5 or clock >= 18 * 60:
            day = local.date() + dt.timedelta(days=1)
            local = dt.datetime.combine(day, dt.time(9, rng.randint(0, 15)), tzinfo=TZ)
        elif clock < 9 * 60:
            local = local.replace(hour=9, minute=rng.randint(0, 15))
        elif 12 * 60 <= clock < 13 * 60 + 30:
            local = local.replace(hour=13, minute=30 + rng.randint(0, 10))
        else:
            return local


# The newest tickets' states, newest first.
RECENT_FATES = ["new", "assigned", "new", "in_progress", "waiting", "assigned", "in_progress"]


class Planner:
    def __init__(
        self,
        now: dt.datetime,
        subscriptions: dict[str, set[str]],
        targets: dict[tuple[str, str], dict[str, tuple[int, int]]],
    ) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.now = now
        self.cutoff = now - dt.timedelta(minutes=3)
        self.subscriptions = subscriptions
        self.targets = targets
        self.plans: list[Plan] = []
        self.children_done = False
        self.duplicates = 0
        self.related: dict[tuple[str, str], Plan] = {}
        self.related_links = 0

    # helpers
    def _pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(options)

    def _words(self, org: str, at: dt.datetime) -> dict[str, str]:
        rng = self.rng
        words = {key: rng.choice(values) for key, values in COMMON_WORDS.items()}
        words.update({key: rng.choice(values) for key, values in WORDS[org].items()})
        local = at.astimezone(TZ)
        start = local.date() + dt.timedelta(days=rng.randint(3, 10))
        laptop = rng.random() < 0.7
        words.update(
            floor=str(rng.randint(2, 12)),
            n=str(rng.randint(2, 9)),
            asset=f"{'NW' if org == 'northwind' else 'BJ'}-PC-{rng.randint(1000, 4999)}",
            pct=str(rng.randint(86, 97)),
            hhmm=f"{local.hour:02d}:{local.minute:02d}",
            start=start.isoformat(),
            restore_day=(local.date() - dt.timedelta(days=1)).isoformat(),
            shipment=f"SH{rng.randint(100000, 999999)}",
            laptop="1" if laptop else "",
            laptop_text="需要笔记本电脑" if laptop else "使用原有台式机",
            en_laptop_text="laptop needed" if laptop else "existing desktop",
        )
        return words

    def _after(
        self, t: dt.datetime, low: float, high: float, *, office: bool = True
    ) -> dt.datetime:
        later = t + dt.timedelta(seconds=round(self.rng.uniform(low, high) * 60))
        return _office(later, self.rng) if office else later

    def _creation_times(self, count: int) -> list[dt.datetime]:
        rng = self.rng
        today = self.now.astimezone(TZ).date()
        days = [today - dt.timedelta(days=d) for d in range(DAYS)]
        weights = [
            (1.0 if d.weekday() < 5 else 0.12) * (1.3 if i < 7 else 1.15 if i < 21 else 1)
            for i, d in enumerate(days)
        ]
        times: list[dt.datetime] = []
        while len(times) < count:
            day = rng.choices(days, weights)[0]
            if rng.random() < 0.9:
                minute = rng.choice([*range(9 * 60, 12 * 60), *range(13 * 60 + 30, 18 * 60)])
            else:
                minute = rng.randint(0, 24 * 60 - 1)
            at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=TZ)
            if at < self.cutoff - dt.timedelta(minutes=10):
                times.append(at)
        return sorted(times)

    def plan(self) -> list[Plan]:
        times = self._creation_times(GENERIC_TICKETS)
        # The newest tickets are still being worked on, whatever the time of day: every
        # open state shows, however the dice fell.
        fates = {len(times) - 1 - i: fate for i, fate in enumerate(RECENT_FATES)}
        lately = [
            i
            for i, at in enumerate(times)
            if dt.timedelta(days=2.5) < self.now - at < dt.timedelta(days=4.5)
        ]
        for i in lately[:: max(1, len(lately) // 3)][:3]:
            fates.setdefault(i, "resolved")
        for i, at in enumerate(times):
            self._generic(at, fates.get(i, ""))
        self._problems()
        return self.plans

    def _new_plan(self, **fields: Any) -> Plan:
        plan = Plan(seq=len(self.plans), **fields)
        self.plans.append(plan)
        return plan

    # ordinary tickets
    def _generic(self, at: dt.datetime, fate: str) -> None:
        rng = self.rng
        orgs = list(ORG_WEIGHTS)
        org = rng.choices(orgs, [ORG_WEIGHTS[o] for o in orgs])[0]
        lang = EN if org == "northwind" else ZH
        offered = self.subscriptions.get(org, set())
        candidates = [
            (t, next(s for s in t.services if s in offered))
            for t in TEMPLATES
            if t.lang == lang and any(s in offered for s in t.services)
        ]
        template, service = rng.choices(candidates, [t.weight for t, _s in candidates])[0]
        words = self._words(org, at)
        variant = rng.randrange(len(template.titles))
        words["variant"] = str(variant)
        if template.details:
            words["detail"] = _fill(template.details[variant], words)
        impact, urgency = rng.choice(template.levels)
        custom = None
        if template.category == "onboarding":
            custom = {
                "start_date": words["start"],
                "department": rng.choice(DEPARTMENTS),
                "laptop": bool(words["laptop"]),
            }
        elif template.category == "pcs":
            custom = {"asset_tag": words["asset"]}
        requester = REQUESTERS[org]
        by_phone = rng.random() < (0.35 if self.now - at < dt.timedelta(days=2) else 0.15)
        by_phone = {"new": True, "assigned": False}.get(fate, by_phone)
        actor = self._pick(DESK_AGENTS) if by_phone else requester
        plan = self._new_plan(
            at=at,
            lang=lang,
            type=template.type,
            org=org,
            requester=requester,
            actor=actor,
            service=service,
            category=template.category,
            title=_fill(template.titles[int(words["variant"])], words),
            description=_fill(template.body, words),
            impact=impact,
            urgency=urgency,
            channel=rng.choice(["phone", "email"] if by_phone else ["portal"] * 4 + ["email"]),
            tags=template.tags,
            topic=template.topic,
            custom_fields=custom,
        )
        priority = priority_for(impact, urgency)
        self._lifecycle(plan, template, words, priority, by_phone=by_phone, fate=fate)

    def _lifecycle(
        self,
        plan: Plan,
        template: Template,
        words: dict[str, str],
        priority: str,
        *,
        by_phone: bool,
        fate: str = "",
    ) -> None:
        """What happens to an ordinary ticket, timed against its SLA targets: most are
        answered and resolved in time, some late, a few left open. A `fate` (new,
        assigned, in_progress, waiting, resolved) holds it in that state."""
        rng = self.rng
        say = SAY[plan.lang]
        age = self.now - plan.at
        response, resolution = self._targets(plan, priority)
        late = rng.random() < 0.08 and fate != "resolved"
        stuck = age > dt.timedelta(days=5) and rng.random() < 0.1 and not fate
        # 7×24 services have someone on call; the rest waits for office hours.
        office = plan.service not in SEVEN_BY_24
        share = rng.uniform(1.3, 3) if late else rng.uniform(0.1, 0.6)
        t = self._after(plan.at, 2, max(3, response * share), office=office)
        infra_work = plan.service in INFRA_SERVICES and plan.service != "network-operations"
        infra_member = "infra2" if plan.lang == EN else self._pick(INFRA_AGENTS)
        quick = max(2, response * 0.1)
        comments = 0

        if (stuck and rng.random() < 0.2) or fate == "assigned":
            return  # nobody answered yet
        if fate == "new":  # in a team's queue, nobody picked it up yet
            if infra_work:
                plan.add(t, "forward", text=self._pick(say["forward_queue"]))
            else:
                plan.team = "desk"
            return
        if fate == "waiting":  # asked for details, no answer yet
            plan.add(t, "ask", text=_fill(template.ask or say["ask"], words))
            return
        if by_phone and (age < dt.timedelta(days=2) or rng.random() < 0.5) and not infra_work:
            # Logged into the desk's queue: new until somebody picks it up.
            plan.team = "desk"
            if age < dt.timedelta(days=1):
                t = self._after(t, 600, 2000, office=office)  # not picked up yet
            t = plan.add(t, "start", who=self._pick(DESK_AGENTS))
        if infra_work:
            if rng.random() < 0.35:  # to the infrastructure queue, for whoever is free
                t = plan.add(t, "forward", text=self._pick(say["forward_queue"]))
                low, high = (600, 2000) if age < dt.timedelta(days=1) else (1, quick)
                t = plan.add(self._after(t, low, high, office=office), "start", who=infra_member)
            else:
                forward = self._pick(say["forward"])
                t = plan.add(t, "forward", text=forward, extra={"to": infra_member})
            comments += 1
            ack = _fill(self._pick(say["ack"]), words)
            t = plan.add(t + dt.timedelta(minutes=rng.uniform(1, quick)), "reply", text=ack)
            comments += 1
        elif template.ask and rng.random() < 0.25:
            t = plan.add(t, "ask", text=_fill(template.ask, words))
            comments += 1
            if stuck:
                return  # the customer never answered
            t = self._after(t, 10, 4000 if rng.random() < 0.4 else 240)
            t = plan.add(t, "customer", text=_fill(template.answer or say["thanks"][0], words))
            comments += 1
        else:
            if age < dt.timedelta(days=3) or rng.random() < 0.2:
                t = plan.add(t, "start")
            ack = say["request_ack"] if plan.type == "request" else say["ack"]
            t = plan.add(
                t + dt.timedelta(minutes=rng.uniform(1, quick)),
                "reply",
                text=_fill(self._pick(ack), words),
            )
            comments += 1
        if plan.topic:
            t = plan.add(t, "problem")
        if plan.topic in ("wifi", "nw_wifi"):
            earlier = self.related.get((plan.org, plan.topic))
            recent = earlier is not None and plan.at - earlier.at < dt.timedelta(days=10)
            if earlier is not None and recent and self.related_links < 3:
                self.related_links += 1
                t = plan.add(t, "link", extra={"other": earlier.seq, "kind": "related"})
            self.related[(plan.org, plan.topic)] = plan
        share = rng.uniform(1.2, 2.5) if late else rng.uniform(0.15, 0.7)
        budget = resolution * (0.1 if fate == "resolved" else share)  # answer to fix
        if rng.random() < 0.42 or stuck:
            specific = template.note and rng.random() < 0.7
            note = _fill(template.note if specific else self._pick(say["notes"]), words)
            if rng.random() < 0.25:
                who = "infra" if plan.lang == ZH else "infra2"
                if plan.service in INFRA_SERVICES:
                    who = "lead"
                note = _fill(self._pick(say["mention"]), {"who": accounts_demo.email(who)})
            t = self._after(t, 1, budget * 0.3, office=office)
            minutes = rng.choice([10, 15, 20, 30, 45, 60, 90])
            t = plan.add(t, "note", text=note, extra={"minutes": minutes})
            comments += 1
        if fate == "in_progress":
            plan.add(t + dt.timedelta(minutes=2), "start")
            return
        if stuck:
            t = plan.add(t + dt.timedelta(minutes=5), "start")
            plan.add(
                self._after(t, 30, 600, office=office),
                "note",
                text=self._pick(say["stuck"]),
                extra={"minutes": 20},
            )
            return
        t_done = self._after(t, budget * 0.3, budget * 0.7, office=office)
        young = dt.timedelta(days=8) < age < dt.timedelta(days=30)
        onboarding = plan.category == "onboarding" and plan.org == "xinghe-bank"
        if onboarding and young and not self.children_done and comments < 4:
            t = plan.add(
                t + dt.timedelta(minutes=10), "note", text=SAY[ZH]["split"], extra={"minutes": 10}
            )
            comments += 1
            t_done = max(t_done, self._children(plan, words, t) + dt.timedelta(minutes=30))
        if comments < 4 and rng.random() < 0.3:
            done = say["fulfilled"] if plan.type == "request" else say["done"]
            t_done = plan.add(t_done, "reply", text=self._pick(done))
            comments += 1
            if comments < 4 and rng.random() < 0.3:
                t_done = plan.add(
                    self._after(t_done, 3, 120), "customer", text=self._pick(say["thanks"])
                )
                comments += 1
        duplicate = self._maybe_duplicate(plan, template, t_done)
        resolved = plan.add(
            t_done + dt.timedelta(minutes=rng.uniform(1, max(2, budget * 0.3))),
            "resolve",
            extra={"code": template.resolution},
            text=self._fix(template, words),
        )
        if comments <= 2 and rng.random() < 0.05:
            reopened = plan.add(
                self._after(resolved, 60, 1400), "reopen", text=self._pick(say["reopen"])
            )
            t = plan.add(
                self._after(reopened, 2, quick, office=office),
                "reply",
                text=self._pick(say["reopen_reply"]),
            )
            resolved = plan.add(
                self._after(t, 10, max(20, resolution * 0.3), office=office),
                "resolve",
                extra={"code": template.resolution},
                text=self._fix(template, words),
            )
        self._after_resolution(plan, resolved, late=late, close=fate != "resolved")
        if duplicate is not None:
            self._after_resolution(duplicate, duplicate.steps[-1].at, late=False, survey=False)

    def _fix(self, template: Template, words: dict[str, str]) -> str:
        if template.aligned:
            return template.fixes[int(words["variant"])]
        return self._pick(template.fixes)

    def _targets(self, plan: Plan, priority: str) -> tuple[float, float]:
        """The SLA's response and resolution minutes for the ticket (a day each when no
        agreement covers it)."""
        return self.targets.get((plan.service, plan.org), {}).get(priority, (480, 1440))

    def _after_resolution(
        self,
        plan: Plan,
        resolved: dt.datetime,
        *,
        late: bool,
        survey: bool = True,
        close: bool = True,
    ) -> None:
        rng = self.rng
        if survey and rng.random() < 0.62:
            if late and rng.random() < 0.5:
                score = rng.choice([1, 2, 2, 3, 3])
            else:
                score = rng.choices([5, 4, 3, 2, 1], [62, 27, 6, 3, 2])[0]
            pool = SURVEY_BAD if score <= 3 else SURVEY_GOOD
            comment = self._pick(pool[plan.lang]) if score <= 3 or rng.random() < 0.5 else ""
            plan.add(
                self._after(resolved, 10, 900), "survey", extra={"score": score, "comment": comment}
            )
        if not close:
            return  # the requester has not confirmed yet
        if rng.random() < 0.55:
            plan.add(self._after(resolved, 30, 2400), "confirm")
        else:
            auto = resolved + dt.timedelta(days=5, minutes=rng.randint(30, 300))
            plan.add(auto, "autoclose")

    def _maybe_duplicate(self, plan: Plan, template: Template, t_done: dt.datetime) -> Plan | None:
        rng = self.rng
        if self.duplicates >= 3 or template.key not in {"vpn", "erp", "en_printer"}:
            return None
        if self.now - plan.at < dt.timedelta(days=4) or t_done - plan.at < dt.timedelta(hours=2):
            return None
        self.duplicates += 1
        at = plan.at + dt.timedelta(minutes=rng.randint(40, 90))
        again = "Re: " if plan.lang == EN else "再次反馈："
        twin = self._new_plan(
            at=at,
            lang=plan.lang,
            type=plan.type,
            org=plan.org,
            requester=plan.requester,
            actor=plan.requester,
            service=plan.service,
            category=plan.category,
            title=again + plan.title,
            description=(
                "Sent this earlier but haven't heard back — still broken."
                if plan.lang == EN
                else "上午已经报过一次，但还没有人联系我，问题依旧。"
            ),
            impact=plan.impact,
            urgency=plan.urgency,
            channel="email",
            tags=plan.tags,
        )
        t = twin.add(
            self._after(at, 5, 30), "link", extra={"other": plan.seq, "kind": "duplicate_of"}
        )
        twin.add(
            t,
            "resolve",
            extra={"code": "duplicate", "other": plan.seq},
            text=SAY[plan.lang]["duplicate"],
        )
        return twin

    def _children(self, parent: Plan, words: dict[str, str], start: dt.datetime) -> dt.datetime:
        """The onboarding request split into two child requests; returns when both are
        done."""
        self.children_done = True
        rng = self.rng
        finished = start
        for title, category, who, fix in (
            (
                f"为新员工{words['newname']}开通域账号、邮箱和系统权限",
                "accounts",
                "agent",
                "账号、邮箱和系统权限已开通。",
            ),
            (
                f"为新员工{words['newname']}准备笔记本电脑",
                "pcs",
                "agent2",
                "已安装标准镜像和办公软件，电脑已送到工位。",
            ),
        ):
            child = self._new_plan(
                at=start + dt.timedelta(minutes=2),
                lang=ZH,
                type="request",
                org=parent.org,
                requester=parent.requester,
                actor="lead",
                service=parent.service,
                category=category,
                title=title,
                description=f"由 {{ref}} 拆分。{parent.title}",
                impact="low",
                urgency="medium",
                channel="web",
                tags=("入职",),
                team="desk",
                assignee=who,
            )
            child.add(child.at, "parent", extra={"other": parent.seq})
            t = child.add(self._after(child.at, 10, 60), "start")
            t = child.add(self._after(t, 60, 600), "reply", text=fix)
            done = child.add(
                self._after(t, 30, 1200), "resolve", extra={"code": "fulfilled"}, text=fix
            )
            child.add(done + dt.timedelta(days=5, minutes=rng.randint(30, 200)), "autoclose")
            finished = max(finished, done)
        return finished

    # problems
    def _problems(self) -> None:
        rng = self.rng
        today = self.now.astimezone(TZ).date()
        for (
            topic,
            days,
            creator,
            lang,
            title,
            description,
            analysis,
            root_cause,
            workaround,
            known_error,
            outcome,
        ) in PROBLEMS:
            at = _office(
                dt.datetime.combine(today - dt.timedelta(days=days), dt.time(10, 30), tzinfo=TZ),
                rng,
            )
            plan = self._new_plan(
                at=at,
                lang=lang,
                type="problem",
                org="yunwei",
                requester=creator,
                actor=creator,
                service=self._problem_service(topic),
                category={
                    "vpn": "vpn",
                    "printer": "printers",
                    "mailbox": "email",
                    "erp": "erp",
                    "wifi": "wifi",
                    "disk": "servers",
                    "nw_erp": "erp",
                    "nw_wifi": "wifi",
                }[topic],
                title=title,
                description=description,
                impact="medium",
                urgency="low",
                channel="web",
                tags=("问题管理",) if lang == ZH else ("problem management",),
                topic=topic,
                assignee=creator,
            )
            t = plan.add(self._after(at, 10, 60), "gather")
            if outcome == "new":
                continue
            t = plan.add(self._after(t, 20, 120), "start")
            opened = (
                "已立项，开始根因分析。"
                if lang == ZH
                else "Problem opened; root-cause analysis under way."
            )
            t = plan.add(t + dt.timedelta(minutes=2), "reply", text=opened)
            t = plan.add(
                self._after(t, 60, 600),
                "note",
                text=analysis,
                extra={"minutes": rng.choice([60, 90, 120])},
            )
            t = plan.add(
                self._after(t, 600, 3000),
                "analyse",
                extra={
                    "analysis": analysis,
                    "root_cause": root_cause,
                    "workaround": workaround,
                    "known_error": known_error,
                },
            )
            if outcome == "resolved":
                fix = (
                    "已将搓纸轮纳入季度预防性维护计划，并批量更换高使用量机器的搓纸轮。"
                    if topic == "printer"
                    else "已调整配额策略为 10 GB 并开启在线存档。"
                    if topic == "mailbox"
                    else "应用部署模板已加入 logrotate 配置，存量服务器已批量修正。"
                )
                t = plan.add(
                    self._after(t, 1440, 4000),
                    "resolve",
                    extra={"code": "solved", "cascade": True},
                    text=fix,
                )
                plan.add(self._after(t, 1440, 2880), "confirm", who=creator)
                # Its incidents, resolved with it, close when nobody objects in time.
                plan.add(t + dt.timedelta(days=5, hours=1), "close_incidents")

    def _problem_service(self, topic: str) -> str:
        return {
            "vpn": "network-operations",
            "printer": "desktop-support",
            "mailbox": "application-support",
            "erp": "application-support",
            "wifi": "network-operations",
            "disk": "datacentre-servers",
            "nw_erp": "application-support",
            "nw_wifi": "network-operations",
        }[topic]


# --- carrying the plans out ----------------------------------------------------------


class Runner:
    def __init__(self) -> None:
        self.users = {
            local: User.objects.get(email=accounts_demo.email(local))
            for local, *_rest in accounts_demo.PEOPLE
        }
        self.teams = {
            "desk": Team.objects.get(name=catalog_demo.DESK),
            "infra": Team.objects.get(name=catalog_demo.INFRA),
        }
        self.by_id = {user.pk: user for user in self.users.values()}
        self.services = {s.code: s for s in Service.objects.all()}
        self.organizations = {o.code: o for o in Organization.objects.all()}
        self.categories: dict[str, Category] = {}
        # Plan seq → the ticket as the last action returned it: the steps read its state
        # from here rather than from the database (see `_refresh` for the exceptions).
        self.tickets: dict[int, Ticket] = {}
        self.seq_of: dict[int, int] = {}  # ticket id → plan seq
        self.topics: dict[str, list[int]] = defaultdict(list)  # topic → incident ids
        self.problems: dict[str, int] = {}  # topic → the problem's plan seq

    def run(self, plans: list[Plan], cutoff: dt.datetime) -> int:
        events: list[tuple[dt.datetime, int, int, Callable[[], None]]] = []
        for plan in plans:
            if plan.at > cutoff:
                continue
            events.append((plan.at, plan.seq, -1, partial(self._create, plan)))
            for index, step in enumerate(plan.steps):
                if step.at <= cutoff:
                    events.append((step.at, plan.seq, index, partial(self._step, plan, step)))
        events.sort(key=lambda event: event[:3])
        for _at, _seq, _index, perform in events:
            perform()
        return len(self.tickets)

    def _create(self, plan: Plan) -> None:
        description = plan.description
        if "{ref}" in description:
            parent = self._ticket(plan.steps[0].extra["other"])
            description = description.replace("{ref}", parent.reference)
        ticket = actions.create_ticket(
            actor=self.users[plan.actor],
            title=plan.title,
            service=self.services[plan.service],
            type=plan.type,
            description=description,
            requester=self.users[plan.requester],
            category=self.categories.get(plan.category or ""),
            impact=plan.impact,
            urgency=plan.urgency,
            channel=plan.channel,
            team=self.teams[plan.team] if plan.team else None,
            assignee=self.users[plan.assignee] if plan.assignee else None,
            tags=plan.tags,
            custom_fields=plan.custom_fields,
            at=plan.at,
        )
        self.tickets[plan.seq] = ticket
        self.seq_of[ticket.pk] = plan.seq
        if plan.topic and plan.type == "incident":
            self.topics[plan.topic].append(ticket.pk)

    def _agent(self, ticket: Ticket, who: str | None) -> User:
        """The agent taking a step: the one named, else the assignee, else someone of
        the ticket's team (the same User objects throughout, so their permissions are
        read once)."""
        if who:
            return self.users[who]
        if ticket.assignee_id is not None:
            return self.by_id[ticket.assignee_id]
        if ticket.team_id == self.teams["infra"].pk:
            return self.users["infra"]
        return self.users["agent"]

    def _ticket(self, seq: int) -> Ticket:
        return self.tickets[seq]

    def _keep(self, ticket: Ticket) -> None:
        self.tickets[self.seq_of[ticket.pk]] = ticket

    def _refresh(self, tickets: Any) -> None:
        """Re-reads tickets an action moved on its own (a customer's reply ends the wait,
        a resolved problem resolves its incidents)."""
        for ticket in tickets:
            self._keep(ticket)

    def _step(self, plan: Plan, step: Step) -> None:
        if plan.seq not in self.tickets:
            return
        kind = step.kind
        if kind == "problem" and plan.topic not in self.problems:
            return
        if kind in ("link", "parent") and step.extra["other"] not in self.tickets:
            return
        ticket = self.tickets[plan.seq]
        handler = getattr(self, f"_{kind}")
        handler(ticket, step, plan)

    # One method per kind of step: skipped when the ticket moved on meanwhile (a problem
    # resolved its incidents, a customer's reply took it off waiting…).

    def _start(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.state in (TicketState.NEW, TicketState.ASSIGNED):
            agent = self._agent(ticket, step.who)
            self._keep(
                actions.transition_ticket(ticket, actor=agent, to=workflow.IN_PROGRESS, at=step.at)
            )

    def _reply(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.is_open:
            agent = self._agent(ticket, step.who)
            body = step.text.replace("{agent}", agent.name.split(" ")[0])
            actions.add_comment(ticket, actor=agent, body=body, at=step.at)

    def _note(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.is_open:
            actions.add_comment(
                ticket,
                actor=self._agent(ticket, step.who),
                body=step.text,
                public=False,
                time_spent_minutes=step.extra.get("minutes", 0),
                at=step.at,
            )

    def _ask(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.state in (TicketState.NEW, TicketState.ASSIGNED, TicketState.IN_PROGRESS):
            ticket = actions.transition_ticket(
                ticket,
                actor=self._agent(ticket, step.who),
                to=workflow.WAITING_ON_CUSTOMER,
                note=step.text,
                at=step.at,
            )
            self._keep(ticket)

    def _customer(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.is_open:
            actions.add_comment(
                ticket, actor=self.by_id[ticket.requester_id], body=step.text, at=step.at
            )
            if ticket.state == TicketState.WAITING_ON_CUSTOMER:
                self._refresh(Ticket.objects.filter(pk=ticket.pk))

    def _forward(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.is_open:
            target = step.extra.get("to")
            ticket = actions.transition_ticket(
                ticket,
                actor=self._agent(ticket, step.who),
                to=workflow.ASSIGNED,
                team=self.teams["infra"],
                assignee=self.users[target] if target else None,
                note=step.text,
                at=step.at,
            )
            self._keep(ticket)

    def _resolve(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if not ticket.is_open:
            return
        note = step.text
        if "other" in step.extra:
            note = note.replace("{ref}", self._ticket(step.extra["other"]).reference)
        cascade = step.extra.get("cascade", False)
        ticket = actions.transition_ticket(
            ticket,
            actor=self._agent(ticket, step.who),
            to=workflow.RESOLVED,
            resolution=step.extra["code"],
            note=note,
            resolve_incidents=cascade,
            at=step.at,
        )
        self._keep(ticket)
        if cascade:
            self._refresh(ticket.incidents.all())

    def _confirm(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.state == TicketState.RESOLVED:
            actor = self.users[step.who] if step.who else self.by_id[ticket.requester_id]
            self._keep(
                actions.transition_ticket(ticket, actor=actor, to=workflow.CLOSED, at=step.at)
            )

    def _autoclose(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.state == TicketState.RESOLVED:
            self._keep(
                actions.transition_ticket(ticket, actor=None, to=workflow.CLOSED, at=step.at)
            )

    def _reopen(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if ticket.state in (TicketState.RESOLVED, TicketState.CLOSED):
            ticket = actions.transition_ticket(
                ticket,
                actor=self.by_id[ticket.requester_id],
                to=workflow.REOPENED,
                note=step.text,
                at=step.at,
            )
            self._keep(ticket)

    def _survey(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        if Survey.objects.filter(ticket=ticket, answered_at__isnull=True).exists():
            actions.answer_survey(
                ticket,
                actor=self.by_id[ticket.requester_id],
                score=step.extra["score"],
                comment=step.extra["comment"],
            )

    def _problem(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        problem = self.tickets[self.problems[plan.topic]]
        if problem.is_open and problem.incidents.count() < 12:
            agent = self._agent(ticket, step.who)
            self._keep(actions.update_ticket(ticket, actor=agent, problem=problem))

    def _link(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        other = self._ticket(step.extra["other"])
        agent = self._agent(ticket, step.who)
        actions.link_tickets(ticket, other, actor=agent, kind=step.extra["kind"])

    def _parent(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        parent = self._ticket(step.extra["other"])
        agent = self._agent(ticket, step.who)
        self._keep(actions.update_ticket(ticket, actor=agent, parent=parent))

    def _gather(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        """A new problem takes in the incidents of its topic seen so far."""
        topic = plan.topic
        self.problems[topic] = plan.seq
        agent = self._agent(ticket, step.who)
        for incident in Ticket.objects.filter(pk__in=self.topics[topic][-8:]):
            self._keep(actions.update_ticket(incident, actor=agent, problem=ticket))

    def _close_incidents(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        for incident in ticket.incidents.filter(state=TicketState.RESOLVED):
            self._keep(
                actions.transition_ticket(incident, actor=None, to=workflow.CLOSED, at=step.at)
            )

    def _analyse(self, ticket: Ticket, step: Step, plan: Plan) -> None:
        changes = {name: value for name, value in step.extra.items() if value}
        agent = self._agent(ticket, step.who)
        self._keep(actions.update_ticket(ticket, actor=agent, **changes))


# --- loading ---------------------------------------------------------------------------


def _configure(admin: User, lead: User) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for key, (parent, name_zh, name_en, types, fields) in CATEGORIES.items():
        parent_category = categories.get(parent) if parent else None
        categories[key] = Category.objects.filter(
            name_en=name_en, parent=parent_category
        ).first() or actions.create_category(
            actor=admin,
            parent=parent_category,
            name_zh=name_zh,
            name_en=name_en,
            ticket_types=types,
            fields=fields,
        )
    for title, body, team in CANNED:
        if not CannedResponse.objects.filter(title=title).exists():
            actions.create_canned_response(
                actor=lead,
                title=title,
                body=body,
                team=Team.objects.filter(name=team).first() if team else None,
            )
    for name, order, service, team, method in RULES:
        if not AssignmentRule.objects.filter(name=name).exists():
            actions.create_assignment_rule(
                actor=admin,
                name=name,
                order=order,
                service=Service.objects.filter(code=service).first() if service else None,
                team=Team.objects.get(name=team),
                method=method,
            )
    return categories


def _targets(
    organizations: Iterable[Organization],
) -> dict[tuple[str, str], dict[str, tuple[int, int]]]:
    """(service code, organization code) → priority → (response, resolution) minutes of
    the agreement that applies, so that the demo is mostly on time."""
    targets: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for organization in organizations:
        for service in Service.objects.all():
            agreement = Agreement.objects.applicable(service.pk, organization.pk)
            if agreement is not None:
                targets[(service.code, organization.code)] = {
                    target.priority: (target.response_minutes, target.resolution_minutes)
                    for target in agreement.targets.all()
                }
    return targets


def _breaches() -> None:
    """What the worker would do at once: mark the targets that passed while the demo was
    being written as breached."""
    from yunwei.sla.jobs import sweep_sla_records

    sweep_sla_records()


@transaction.atomic
def load(now: dt.datetime | None = None) -> int:
    """Creates the configuration that is missing and, when there are no tickets yet, the
    demo tickets; returns how many tickets there are."""
    now = now or timezone.now()
    runner = Runner()
    runner.categories = _configure(runner.users["admin"], runner.users["lead"])
    if Ticket.objects.exists():
        return Ticket.objects.count()
    subscriptions = {
        org.code: set(org.services.values_list("code", flat=True))
        for org in runner.organizations.values()
    }
    planner = Planner(now, subscriptions, _targets(runner.organizations.values()))
    # Hundreds of actions in one transaction: seal their audit entries once, at the end.
    with audit.sealing_deferred():
        runner.run(planner.plan(), planner.cutoff)
        _breaches()
    return Ticket.objects.count()
