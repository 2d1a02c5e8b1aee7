"""A class diagram of the ontology as SVG, laid out here (no external tool).

Layout: each top-level class heads a column, its subclasses hang below it as an indented tree; relations
between columns are drawn as arcs above the columns (the higher the arc, the wider it spans, so arcs never
share a level where their labels would overlap), relations inside a column as brackets on its right side.
Datatype properties are listed inside the box of their domain, as UML attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

FONT = 13
CHAR = 7.6  # average advance of a character at FONT px in a sans-serif face, erring wide
BOLD = 1.16  # bold text is wider
PORT_GAP = 18  # room between two arrow ends on the top edge of a box
BOX_H = 30
ATTR_H = 16
ROW_GAP = 12
INDENT = 20
COL_GAP = 36
LEVEL_H = 22
PAD = 16


@dataclass
class Node:
    key: str
    label: str
    href: str
    parents: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    title: str = ""


@dataclass
class Edge:
    source: str
    target: str
    label: str
    href: str
    dashed: bool = False
    title: str = ""


@dataclass
class _Box:
    node: Node
    column: int
    depth: int
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0


def _text_width(text: str, size: float = FONT) -> float:
    return len(text) * CHAR * size / FONT


def _roots(nodes: dict[str, Node]) -> dict[str, str]:
    """Each node's column: its first ancestor that has no parent among the nodes."""
    root: dict[str, str] = {}
    for key in nodes:
        seen = {key}
        current = key
        while True:
            parents = [p for p in nodes[current].parents if p in nodes and p not in seen]
            if not parents:
                break
            current = sorted(parents)[0]
            seen.add(current)
        root[key] = current
    return root


def _order_columns(roots: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """Place the best-connected column in the middle and its neighbours around it, alternating sides."""
    weight: dict[tuple[str, str], int] = {}
    for a, b in edges:
        if a != b:
            key = (min(a, b), max(a, b))
            weight[key] = weight.get(key, 0) + 1
    degree = {r: sum(w for (a, b), w in weight.items() if r in (a, b)) for r in roots}
    remaining = sorted(roots, key=lambda r: (-degree[r], r))
    if not remaining:
        return []
    order = [remaining.pop(0)]
    right = True
    while remaining:

        def links(r: str) -> int:
            return sum(weight.get((min(r, o), max(r, o)), 0) for o in order)

        best = max(remaining, key=lambda r: (links(r), degree[r], [-ord(c) for c in r]))
        remaining.remove(best)
        if links(best) == 0:
            order.append(best)  # unconnected classes go to the right, in turn
            continue
        if right:
            order.append(best)
        else:
            order.insert(0, best)
        right = not right
    return order


def render(nodes: list[Node], edges: list[Edge], *, title: str = "Class diagram") -> str:
    """The SVG document of the diagram of ``nodes`` and ``edges`` (keys of nodes)."""
    by_key = {n.key: n for n in nodes}
    root = _roots(by_key)
    edges = [e for e in edges if e.source in by_key and e.target in by_key]
    columns = _order_columns(sorted({root[k] for k in by_key}), [(root[e.source], root[e.target]) for e in edges])

    # Boxes: one column per root, subclasses in depth-first order below.
    boxes: dict[str, _Box] = {}
    column_boxes: list[list[_Box]] = []
    for ci, r in enumerate(columns):
        members: list[_Box] = []

        def visit(key: str, depth: int, ci: int = ci, members: list[_Box] = members) -> None:
            if key in boxes:
                return
            box = _Box(by_key[key], ci, depth)
            boxes[key] = box
            members.append(box)
            children = sorted(
                (k for k, n in by_key.items() if root[k] == root[key] and key in n.parents),
                key=lambda k: by_key[k].label,
            )
            for child in children:
                visit(child, depth + 1)

        visit(r, 0)
        column_boxes.append(members)
    arcs = [e for e in edges if root[e.source] != root[e.target] or e.source == e.target == root[e.source]]
    arcs += [e for e in edges if e.source == e.target and e.source != root[e.source]]
    inner = [e for e in edges if e not in arcs and root[e.source] == root[e.target]]
    port_count: dict[str, int] = {}
    for e in arcs:
        for end in (root[e.source], root[e.target]):
            port_count[end] = port_count.get(end, 0) + 1
    for box in boxes.values():
        node = box.node
        box.w = max(
            [_text_width(node.label, FONT + 1) * BOLD + 22, (port_count.get(node.key, 0) + 1) * PORT_GAP]
            + [_text_width(a, FONT - 1) + 16 for a in node.attributes]
        )
        box.h = BOX_H + (len(node.attributes) * ATTR_H + 6 if node.attributes else 0)

    # Inner brackets: levels per column, and the room they need on the right of the column.
    inner_level: dict[int, int] = {}
    col_extra: dict[int, float] = {}
    placed_inner: list[tuple[int, float, float, int]] = []

    # Column x positions need box y positions for inner brackets; y positions do not depend on x.
    col_width = [max(b.depth * INDENT + b.w for b in members) for members in column_boxes]

    # Arc levels (above the columns) are assigned after x positions are known.
    def layout_x() -> list[float]:
        xs, x = [], PAD
        for ci, w in enumerate(col_width):
            xs.append(x)
            x += w + COL_GAP + col_extra.get(ci, 0)
        return xs

    # First pass for y inside columns.
    for members in column_boxes:
        y = 0.0
        for b in members:
            b.y = y
            y += b.h + ROW_GAP
    for i, e in enumerate(inner):
        s, t = boxes[e.source], boxes[e.target]
        top, bottom = sorted((s.y + s.h / 2, t.y + t.h / 2))
        level = 1 + max((lv for ci, a, b, lv in placed_inner if ci == s.column and a < bottom and top < b), default=0)
        placed_inner.append((s.column, top, bottom, level))
        inner_level[i] = level
        col_extra[s.column] = max(col_extra.get(s.column, 0), level * 12 + _text_width(e.label, FONT - 1) + 12)
    xs = layout_x()
    for b in boxes.values():
        b.x = xs[b.column] + b.depth * INDENT

    # Arcs: endpoints on the top edge of the column heads, levels so that overlapping arcs never share one.
    heads = {columns[ci]: boxes[columns[ci]] for ci in range(len(columns))}

    def head_of(key: str) -> _Box:
        return heads[root[key]]

    ends: dict[str, list[tuple[float, int, str]]] = {}
    for i, e in enumerate(arcs):
        s, t = head_of(e.source), head_of(e.target)
        ends.setdefault(s.node.key, []).append((t.x + t.w / 2 if s is not t else s.x + s.w / 2, i, "s"))
        ends.setdefault(t.node.key, []).append((s.x + s.w / 2 if s is not t else s.x + s.w / 2 + 1, i, "t"))
    port: dict[tuple[int, str], float] = {}
    for key, items in ends.items():
        box = heads[key]
        items.sort(key=lambda it: (it[0], it[1], it[2]))
        for j, (_, i, role) in enumerate(items):
            port[(i, role)] = box.x + box.w * (j + 1) / (len(items) + 1)
    levels: dict[int, int] = {}
    spans: list[tuple[float, float, int]] = []
    for i in sorted(range(len(arcs)), key=lambda i: abs(port[(i, "s")] - port[(i, "t")])):
        a, b = sorted((port[(i, "s")], port[(i, "t")]))
        mid, half = (a + b) / 2, _text_width(arcs[i].label, FONT - 1) / 2 + 6
        lo, hi = min(a, mid - half), max(b, mid + half)
        level = 1 + max((lv for x0, x1, lv in spans if x0 < hi and lo < x1), default=0)
        spans.append((lo, hi, level))
        levels[i] = level
    top = PAD + 28 + max(levels.values(), default=0) * LEVEL_H + 10
    for b in boxes.values():
        b.y += top
    width = max((xs[ci] + col_width[ci] + col_extra.get(ci, 0) for ci in range(len(columns))), default=0) + PAD
    height = max((b.y + b.h for b in boxes.values()), default=top) + PAD + 24

    out: list[str] = []
    w = out.append
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-labelledby="diagram-title" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif" font-size="{FONT}">'
    )
    w(f'<title id="diagram-title">{escape(title)}</title>')
    w(
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#0b7a75"/></marker>'
        '<marker id="inherit" viewBox="0 0 12 12" refX="6" refY="1" markerWidth="11" markerHeight="11" orient="0">'
        '<path d="M6,1 L11,10 L1,10 z" fill="#fff" stroke="#5a6578"/></marker>'
        "</defs>"
    )
    w('<rect width="100%" height="100%" fill="#fff"/>')
    w(
        f'<g font-size="{FONT - 1}" fill="#5a6578"><text x="{PAD}" y="{PAD + 10}">'
        "Boxes: classes (attributes: datatype properties). Indented below a class: its subclasses. "
        "Arrows: object properties, from domain to range; dashed: range as used in the data.</text></g>"
    )

    # Subclass trees.
    w('<g stroke="#8792a2" fill="none" stroke-width="1.2">')
    for box in boxes.values():
        children = [b for b in boxes.values() if box.node.key in b.node.parents and b.column == box.column]
        if not children:
            continue
        trunk = box.x + 10
        last = max(c.y + BOX_H / 2 for c in children)
        w(f'<path d="M{trunk:.1f},{last:.1f} L{trunk:.1f},{box.y + box.h + 1:.1f}" marker-end="url(#inherit)"/>')
        for c in children:
            cy = c.y + BOX_H / 2
            w(f'<path d="M{trunk:.1f},{cy:.1f} L{c.x:.1f},{cy:.1f}"/>')
    w("</g>")

    # Arcs above the columns; their labels are drawn after every line, so no line crosses a label.
    labels: list[str] = []
    for i, e in enumerate(arcs):
        x1, x2 = port[(i, "s")], port[(i, "t")]
        s, t = head_of(e.source), head_of(e.target)
        y_top = top - levels[i] * LEVEL_H
        dash = ' stroke-dasharray="5 4"' if e.dashed else ""
        r = 6
        if abs(x2 - x1) < 2 * r:
            x2 = x1 + 2 * r
        d = 1 if x2 > x1 else -1
        path = (
            f"M{x1:.1f},{s.y:.1f} L{x1:.1f},{y_top + r:.1f} Q{x1:.1f},{y_top:.1f} {x1 + d * r:.1f},{y_top:.1f} "
            f"L{x2 - d * r:.1f},{y_top:.1f} Q{x2:.1f},{y_top:.1f} {x2:.1f},{y_top + r:.1f} L{x2:.1f},{t.y - 1:.1f}"
        )
        mid = (x1 + x2) / 2
        tw = _text_width(e.label, FONT - 1)
        w(f'<a href="{escape(e.href)}"><g class="edge">')
        if e.title:
            w(f"<title>{escape(e.title)}</title>")
        w(f'<path d="{path}" fill="none" stroke="#0b7a75" stroke-width="1.4"{dash} marker-end="url(#arrow)"/></g></a>')
        labels.append(
            f'<a href="{escape(e.href)}"><rect x="{mid - tw / 2 - 4:.1f}" y="{y_top - 9:.1f}" width="{tw + 8:.1f}" '
            'height="17" rx="3" fill="#fff"/>'
            f'<text x="{mid:.1f}" y="{y_top + 4:.1f}" text-anchor="middle" font-size="{FONT - 1}" '
            f'fill="#0a5f5b">{escape(e.label)}</text></a>'
        )

    # Brackets inside columns.
    for i, e in enumerate(inner):
        s, t = boxes[e.source], boxes[e.target]
        ci = s.column
        xb = xs[ci] + col_width[ci] + 8 + inner_level[i] * 12
        ys, yt = s.y + BOX_H / 2 - 4, t.y + BOX_H / 2 + 4
        dash = ' stroke-dasharray="5 4"' if e.dashed else ""
        path = f"M{s.x + s.w:.1f},{ys:.1f} L{xb:.1f},{ys:.1f} L{xb:.1f},{yt:.1f} L{t.x + t.w + 1:.1f},{yt:.1f}"
        w(f'<a href="{escape(e.href)}"><g class="edge">')
        if e.title:
            w(f"<title>{escape(e.title)}</title>")
        w(f'<path d="{path}" fill="none" stroke="#0b7a75" stroke-width="1.4"{dash} marker-end="url(#arrow)"/>')
        w(
            f'<text x="{xb + 5:.1f}" y="{(ys + yt) / 2 + 4:.1f}" font-size="{FONT - 1}" '
            f'fill="#0a5f5b">{escape(e.label)}</text></g></a>'
        )

    out.extend(labels)

    # Class boxes last, on top.
    for box in boxes.values():
        node = box.node
        head = box.depth == 0
        fill, stroke = ("#153b50", "#153b50") if head else ("#f3fbfa", "#0b7a75")
        ink = "#fff" if head else "#153b50"
        w(f'<a href="{escape(node.href)}"><g class="class">')
        if node.title:
            w(f"<title>{escape(node.title)}</title>")
        w(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" rx="5" '
            f'fill="{fill}" stroke="{stroke}"/>'
        )
        w(
            f'<text x="{box.x + 10:.1f}" y="{box.y + 20:.1f}" font-size="{FONT + 1}" font-weight="600" '
            f'fill="{ink}">{escape(node.label)}</text>'
        )
        if node.attributes:
            sep = box.y + BOX_H
            w(
                f'<rect x="{box.x + 0.5:.1f}" y="{sep:.1f}" width="{box.w - 1:.1f}" height="{box.h - BOX_H - 0.5:.1f}" '
                'fill="#fff"/>'
            )
            w(f'<path d="M{box.x:.1f},{sep:.1f} h{box.w:.1f}" stroke="{stroke}"/>')
            for k, attr in enumerate(node.attributes):
                w(
                    f'<text x="{box.x + 8:.1f}" y="{sep + 15 + k * ATTR_H:.1f}" font-size="{FONT - 1}" '
                    f'fill="#1c2430">{escape(attr)}</text>'
                )
        w("</g></a>")
    w("</svg>")
    return "\n".join(out)
