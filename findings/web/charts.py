"""Small server-rendered SVG charts (no script, no inline style: safe under the app's CSP)."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
W, H, PAD_L, PAD_B, PAD_T = 640, 220, 40, 40, 10


def _frame(body: list[str], legend: list[str], title: str, height: int = H) -> Markup:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height + 20 * len(legend)}"'
             f' class="chart" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             *body]
    for i, name in enumerate(legend):
        y = height + 14 + 20 * i
        parts.append(f'<rect x="{PAD_L}" y="{y - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{PAD_L + 18}" y="{y}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _axes(days: list[str], top: int) -> list[str]:
    plot_h = H - PAD_B - PAD_T
    out = [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - 5}" y2="{H - PAD_B}" stroke="#888"/>',
           f'<text x="{PAD_L - 4}" y="{PAD_T + 10}" font-size="11" text-anchor="end">{top}</text>',
           f'<text x="{PAD_L - 4}" y="{PAD_T + plot_h}" font-size="11" text-anchor="end">0</text>']
    step = max(1, len(days) // 6)
    for i in range(0, len(days), step):
        x = PAD_L + (i + 0.5) * (W - PAD_L - 5) / max(1, len(days))
        out.append(f'<text x="{x:.1f}" y="{H - PAD_B + 16}" font-size="11" text-anchor="middle">'
                   f'{escape(days[i][5:])}</text>')
    return out


def stacked_bars(series: dict[str, dict[str, int]], days: list[str], title: str) -> Markup:
    """Stacked bars per day, one colour per series (e.g. decisions per analyst)."""
    totals = [sum(s.get(d, 0) for s in series.values()) for d in days]
    top = max(totals, default=0) or 1
    plot_h, slot = H - PAD_B - PAD_T, (W - PAD_L - 5) / max(1, len(days))
    body = _axes(days, top)
    for i, day in enumerate(days):
        y = H - PAD_B
        for j, (name, values) in enumerate(series.items()):
            h = plot_h * values.get(day, 0) / top
            if h:
                y -= h
                body.append(f'<rect x="{PAD_L + i * slot + 1:.1f}" y="{y:.1f}" width="{max(1, slot - 2):.1f}"'
                            f' height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                            f'<title>{escape(day)} {escape(name)}: {values.get(day, 0)}</title></rect>')
    return _frame(body, list(series), title)


def lines(series: dict[str, dict[str, int]], days: list[str], title: str) -> Markup:
    """One polyline per series over days (e.g. flagged listings per platform)."""
    top = max((v for s in series.values() for v in s.values()), default=0) or 1
    plot_h, slot = H - PAD_B - PAD_T, (W - PAD_L - 5) / max(1, len(days))
    body = _axes(days, top)
    for j, values in enumerate(series.values()):
        points = " ".join(f"{PAD_L + (i + 0.5) * slot:.1f},{H - PAD_B - plot_h * values.get(d, 0) / top:.1f}"
                          for i, d in enumerate(days))
        body.append(f'<polyline points="{points}" fill="none" stroke-width="2"'
                    f' stroke="{PALETTE[j % len(PALETTE)]}"/>')
    return _frame(body, list(series), title)


def precision_bars(rows: list[tuple[str, float, int]], title: str) -> Markup:
    """Horizontal bars of precision (0..1) with the number of decided items beside each."""
    height = 22 * len(rows) + 10
    label_w, bar_w = 220, W - 220 - 90
    body = []
    for i, (name, value, count) in enumerate(rows):
        y = 5 + 22 * i
        body.append(f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">{escape(name)}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="16" fill="#eee"/>'
                    f'<rect x="{label_w}" y="{y}" width="{bar_w * value:.1f}" height="16" fill="{PALETTE[0]}"/>'
                    f'<text x="{label_w + bar_w + 6}" y="{y + 13}" font-size="12">{value:.0%} of {count}</text>')
    return _frame(body, [], title, height=height)
