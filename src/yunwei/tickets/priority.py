"""Impact × urgency → priority (§5.2): the default matrix, overridden cell by cell by
`PriorityCell` rows that administrators edit."""

from __future__ import annotations

from yunwei.tickets.models import PriorityCell

DEFAULT_MATRIX: dict[tuple[str, str], str] = {
    ("high", "high"): "urgent",
    ("high", "medium"): "important",
    ("high", "low"): "general",
    ("medium", "high"): "important",
    ("medium", "medium"): "general",
    ("medium", "low"): "unimportant",
    ("low", "high"): "general",
    ("low", "medium"): "unimportant",
    ("low", "low"): "unimportant",
}


def matrix() -> dict[tuple[str, str], str]:
    cells = dict(DEFAULT_MATRIX)
    for impact, urgency, priority in PriorityCell.objects.values_list(
        "impact", "urgency", "priority"
    ):
        cells[(impact, urgency)] = priority
    return cells


def priority_for(impact: str, urgency: str) -> str:
    cell = PriorityCell.objects.filter(impact=impact, urgency=urgency).first()
    return cell.priority if cell else DEFAULT_MATRIX[(impact, urgency)]
