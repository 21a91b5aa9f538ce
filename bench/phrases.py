"""The phrase bank of the benchmarks: IT service-desk tickets in Chinese and English, as
users and engineers write them (bench/ticket_search.py and the data generator).

Each issue: weight; titles (zh, en); description sentences (zh, en); public replies
(zh, en); internal notes (zh, en).  Some sentences are there on purpose:
  因特网络 - jieba cuts 因特网|络: LIKE '%网络%' matches, the word 网络 is not there;
  OpenVPN  - one word, openvpn: LIKE '%vpn%' matches, the word vpn is not there;
  ＶＰＮ    - full-width, folded to vpn by search (NFKC); LIKE '%VPN%' does not match.
"""

from __future__ import annotations

from typing import Any

Texts = tuple[list[str], list[str]]


def _issue(
    weight: float,
    kind: str,
    titles: Texts,
    details: Texts,
    replies: Texts,
    notes: Texts,
) -> dict[str, Any]:
    return {
        "weight": weight,
        "type": kind,
        "titles": titles,
        "details": details,
        "replies": replies,
        "notes": notes,
    }


ISSUES = [
    _issue(
        14,
        "incident",
        (
            [
                "网络中断",
                "办公室网络断了",
                "无线网络不稳定",
                "网络很慢，网页打不开",
                "会议室连不上无线",
            ],
            [
                "Network outage",
                "Wi-Fi keeps dropping",
                "Network very slow",
                "No network in room 305",
            ],
        ),
        (
            [
                "从早上开始整个楼层的网络都断了。",
                "无线网络时断时续，视频会议经常掉线。",
                "网络连接超时，内部系统都打不开。",
                "网线已经重新插过，还是没有网络。",
                "因特网络访问异常，但是内网系统正常。",
                "笔记本连上无线后没有分配到地址。",
            ],
            [
                "The whole floor lost network access this morning.",
                "Wi-Fi drops every few minutes during video calls.",
                "Internal systems time out, external sites are fine.",
                "Cable re-plugged, still no network.",
            ],
        ),
        (
            ["已重启楼层交换机，网络已恢复，请确认。", "请忘记该无线网络后重新连接再试。"],
            ["The floor switch was restarted, the network is back: please confirm."],
        ),
        (
            ["接入交换机端口出现环路，已关闭该端口。", "怀疑运营商线路故障，已向运营商报障。"],
            ["Loop on the access switch, port shut down.", "ISP ticket opened for the uplink."],
        ),
    ),
    _issue(
        10,
        "incident",
        (
            ["打印机卡纸", "打印机无法打印", "彩色打印机缺墨", "网络打印机离线"],
            ["Printer jam", "Cannot print", "Printer offline on floor 3"],
        ),
        (
            [
                "三楼的打印机一直卡纸，取出纸后还是报错。",
                "打印任务卡在队列里，什么都打印不出来。",
                "打印出来的文件是空白的。",
                "打印纸用完了，需要补充。",
                "复印打印一体机显示缺粉。",
            ],
            [
                "The printer on floor 3 keeps jamming.",
                "Print jobs are stuck in the queue.",
                "Printed pages come out blank.",
            ],
        ),
        (
            ["已清理卡纸并更换搓纸轮。", "已清空打印队列，请重新打印。"],
            ["Jam cleared and pickup roller replaced.", "Queue cleared, please print again."],
        ),
        (
            ["硒鼓寿命已到，需要采购。", "驱动版本过旧，已推送新驱动。"],
            ["Toner at end of life, order raised.", "Old driver, pushed the new one."],
        ),
    ),
    _issue(
        8,
        "incident",
        (
            [
                "VPN 无法连接",
                "VPN连接超时",
                "在家无法登录 VPN",
                "ＶＰＮ连不上",
                "在家连不上公司内网",
            ],
            ["VPN cannot connect", "VPN connection times out", "VPN drops every hour"],
        ),
        (
            [
                "出差时 VPN 一直连接超时。",
                "VPN 客户端提示证书过期。",
                "OpenVPN 客户端报错，无法建立隧道。",
                "VPN 连上以后访问不了内部系统。",
                "ＶＰＮ客户端一直转圈。",
            ],
            [
                "The VPN client times out when connecting from home.",
                "The VPN says the certificate has expired.",
                "Connected to the VPN but internal sites do not load.",
            ],
        ),
        (
            ["已重新下发 VPN 证书，请重启客户端。", "请升级客户端到最新版本后重试。"],
            ["A new VPN certificate was issued; please restart the client."],
        ),
        (
            ["VPN 网关并发数已满，需要扩容许可证。", "用户家里宽带丢包严重。"],
            ["VPN concentrator at its licence limit.", "Heavy packet loss on the home line."],
        ),
    ),
    _issue(
        6,
        "incident",
        (
            ["邮箱已满", "无法发送邮件，提示邮箱已满", "收不到外部邮件"],
            ["Mailbox full", "Cannot send e-mail: quota exceeded"],
        ),
        (
            ["邮箱容量已满，收不到新邮件。", "Outlook 同步超时，邮件一直收不下来。"],
            ["My mailbox is full and new mail bounces.", "Outlook keeps asking for a password."],
        ),
        (["已将邮箱容量扩大到 10GB。"], ["Your mailbox quota is now 10 GB."]),
        (["该用户邮箱 49GB，建议归档。"], ["Mailbox at 49 GB, suggested an archive policy."]),
    ),
    _issue(
        6,
        "incident",
        (
            ["ERP 报错", "ERP 登录失败", "ERP 报表查询超时"],
            ["ERP error on login", "ERP report times out"],
        ),
        (
            ["月底结账时 ERP 报错：数据库连接超时。", "ERP 提交采购单时报错 ORA-01555。"],
            ["ERP shows an error when posting an invoice.", "The month-end ERP report never ends."],
        ),
        (["已重启 ERP 应用服务器，请重试。"], ["The ERP application server was restarted."]),
        (["数据库锁等待，已结束阻塞会话。", "需联系 ERP 供应商。"], ["Blocking session killed."]),
    ),
    _issue(
        8,
        "request",
        (
            ["密码重置", "账号被锁定", "域账号密码过期"],
            ["Password reset", "Account locked out", "Password expired"],
        ),
        (
            ["输错密码多次，账号被锁定了。", "忘记域账号密码，无法登录电脑。"],
            ["I forgot my password and cannot log in.", "Locked out after too many attempts."],
        ),
        (["已重置密码，首次登录请修改。"], ["Password reset: please change it at first login."]),
        (["已核实身份（工号和手机号）。"], ["Identity checked by phone."]),
    ),
    _issue(
        6,
        "incident",
        (
            ["电脑蓝屏", "电脑开机很慢", "显示器没有信号"],
            ["Laptop blue screen", "PC very slow to start", "No signal on the monitor"],
        ),
        (
            ["电脑频繁蓝屏，错误代码 0x0000007E。", "显示器黑屏，主机指示灯正常。"],
            ["Blue screen twice a day since the update.", "The monitor stays black."],
        ),
        (["已更新显卡驱动并检测硬盘。"], ["Graphics driver updated, disk checked."]),
        (["硬盘 SMART 报警，准备更换。"], ["Disk SMART warning, replacement ordered."]),
    ),
    _issue(
        6,
        "request",
        (
            ["软件安装申请", "申请安装 Visio", "需要安装 Python 开发环境"],
            ["Software install request", "Please install Visio"],
        ),
        (
            ["工作需要，申请安装正版软件。", "请帮忙安装开发环境和常用工具。"],
            ["I need Visio for the network diagrams.", "Need Python and Git on my laptop."],
        ),
        (["软件已远程安装完成。"], ["Installed remotely, please check."]),
        (["需部门经理审批许可证。"], ["Licence needs the manager's approval."]),
    ),
    _issue(
        5,
        "request",
        (
            ["新员工入职开通账号", "新员工需要电脑和邮箱"],
            ["New starter: accounts and laptop"],
        ),
        (
            ["下周一有两名新员工入职，需要开通域账号、邮箱和 VPN。", "请准备一台笔记本电脑。"],
            ["Two new starters on Monday: domain accounts, e-mail and VPN please."],
        ),
        (["账号已开通，初始密码已发送给部门负责人。"], ["Accounts created, laptop ready."]),
        (["电脑从备机库领用。"], ["Laptop taken from the spare pool."]),
    ),
    _issue(
        5,
        "request",
        (
            ["共享盘权限申请", "文件服务器访问缓慢"],
            ["Access to the finance share", "File server very slow"],
        ),
        (
            ["打开共享盘文件很慢，有时网络连接超时。", "申请财务共享目录的只读权限。"],
            ["Opening files on the share takes minutes.", "Read access to the finance share."],
        ),
        (["权限已添加，请注销后重新登录。"], ["Access granted, please log off and on."]),
        (["文件服务器磁盘队列过长。"], ["File server disk queue is long."]),
    ),
    _issue(
        4,
        "incident",
        (
            ["服务器磁盘空间不足", "数据库备份失败"],
            ["Server disk almost full", "Backup job failed"],
        ),
        (
            ["监控告警：服务器磁盘使用率超过 90%。", "夜间备份任务超时失败。"],
            ["Monitoring: disk above 90% on the app server.", "Last night's backup failed."],
        ),
        (["已清理日志，释放 200GB 空间。"], ["Old logs removed, 200 GB free."]),
        (["备份网络带宽不足，改到凌晨执行。"], ["Backup window moved to 02:00."]),
    ),
    _issue(
        4,
        "incident",
        (
            ["会议室投影仪无信号", "视频会议卡顿"],
            ["Projector shows no signal", "Video call keeps freezing"],
        ),
        (
            ["视频会议卡顿，怀疑网络带宽不够。", "投影仪连接笔记本后没有画面。"],
            ["The video call freezes every minute.", "The projector shows no input."],
        ),
        (["已更换 HDMI 线。"], ["HDMI cable replaced."]),
        (["会议室交换机需要升级。"], ["Meeting room switch needs an upgrade."]),
    ),
    # Rare: about 0.15% of all tickets, most of them in Chinese.
    _issue(
        0.15,
        "incident",
        (
            ["机房空调漏水", "机房地板下发现漏水"],
            ["Water leak in the server room"],
        ),
        (
            ["机房精密空调漏水，地板下有积水。", "楼上卫生间漏水渗到机房。"],
            ["Water under the raised floor near rack A3."],
        ),
        (["已关闭空调并清理积水，设备未受影响。"], ["Water removed, no equipment damaged."]),
        (["已联系物业检查楼上管道，漏水点已找到。"], ["Facilities found the leaking pipe."]),
    ),
]

OPENERS: Texts = (
    ["您好，", "用户反映：", "领导急用，", "", ""],
    ["Hi, ", "Since this morning: ", "Urgent: ", "", ""],
)
IMPACTS: Texts = (
    [
        "影响整个部门的工作。",
        "只有我一个人有这个问题。",
        "请尽快处理，谢谢。",
        "今天下午之前需要解决。",
    ],
    ["It affects the whole team.", "Only my machine seems affected.", "Please fix it soon."],
)
PLACES: Texts = (
    ["【财务部】", "【三楼】", "【上海分公司】", "【销售部】", "", "", ""],
    ["[Finance] ", "[Floor 3] ", "[Shanghai office] ", "", "", ""],
)
GENERIC_REPLIES: Texts = (
    [
        "您好，已收到您的请求，工程师会尽快联系您。",
        "请问问题是否已经解决？",
        "已远程协助处理，请确认。",
    ],
    ["Thanks, an engineer will contact you shortly.", "Could you send a screenshot?"],
)
GENERIC_NOTES: Texts = (
    ["已电话联系用户。", "等待用户回复。", "转交二线支持。"],
    ["Called the user, no answer.", "Escalated to second line."],
)
