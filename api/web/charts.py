"""Geometry for the server-rendered SVG charts of the 督办 dashboard and the 统计报表 screen (presentation only)."""

from typing import Any

from workflows.read.reports import Statistics

PALETTE = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da", "#57606a"]


def bars(stats: Statistics) -> dict[str, Any]:
    """Cases by month stacked by dispute type (the most frequent type at the bottom), and one bar per
    stage for the median days spent in it."""
    types = sorted(stats.by_type_month, key=lambda t: -sum(stats.by_type_month[t].values()))
    colors = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}
    totals = {m: sum(stats.by_type_month[t].get(m, 0) for t in types) for m in stats.months}
    top = max([*totals.values(), 1])
    months = []
    for i, m in enumerate(stats.months):
        y, stack = 180.0, []
        for t in types:
            n = stats.by_type_month[t].get(m, 0)
            if n:
                h = 150 * n / top
                y -= h
                stack.append({"t": t, "n": n, "y": round(y, 1), "h": round(h, 1), "color": colors[t]})
        months.append({"m": m, "x": 50 + i * 70, "stack": stack, "total": totals[m]})
    med = list(stats.median_days.items())
    med_top = max([v or 0 for _, v in med] + [1])
    stages = [
        {"s": s, "v": v, "w": round(300 * (v or 0) / med_top, 1), "y": 10 + i * 34} for i, (s, v) in enumerate(med)
    ]
    return {"types": types, "colors": colors, "months": months, "top": top, "stages": stages}


def hbars(rows: list[tuple[str, float | None]], *, width: float = 260, step: int = 30) -> dict[str, Any]:
    """One horizontal bar per (label, value), scaled to the largest (the 统计报表 charts): each with its
    y, its width and its colour; `height` is the whole chart's."""
    top = max([v or 0 for _, v in rows] + [1])
    bars_ = [
        {
            "label": label,
            "v": v,
            "w": round(width * (v or 0) / top, 1),
            "y": 8 + i * step,
            "color": PALETTE[i % len(PALETTE)],
        }
        for i, (label, v) in enumerate(rows)
    ]
    return {"bars": bars_, "height": 16 + len(rows) * step, "top": top}


def stage_bars(stages: list[Any], *, width: float = 260) -> dict[str, Any]:
    """Per stage two bars, the median and the 90th percentile of its days, on one scale."""
    top = max([s.p90_days or 0 for s in stages] + [s.median_days or 0 for s in stages] + [1])
    rows = [
        {
            "label": s.label,
            "median": s.median_days,
            "p90": s.p90_days,
            "runs": s.runs,
            "wm": round(width * (s.median_days or 0) / top, 1),
            "wp": round(width * (s.p90_days or 0) / top, 1),
            "y": 8 + i * 44,
        }
        for i, s in enumerate(stages)
    ]
    return {"rows": rows, "height": 16 + len(stages) * 44}
