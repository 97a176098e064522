#!/usr/bin/env python3
"""pictures.py - SVG drawings of the kernel's own dumps (make pictures).

    scripts/pictures.py [--check] LOG OUTDIR

LOG is the serial console of a demo booted with the word "pictures": its
"dump <tag> ..." lines (core/dump.c: pt_kzone_dump_raw, pt_vm_dump_raw) are
drawn as
    OUTDIR/kzone-fullest.svg  the kernel zone at the fullest point of part 1
    OUTDIR/kzone-end.svg      the kernel zone at the end of part 1
    OUTDIR/process.svg        a process's address space and its block
With --check, each file written is read back with xml.etree and what it
draws is counted against the dump (blocks and items of the kernel zone;
pages and tables of the block); one line per failing check, then
"kernel-pictures: N passed, M failed", and a non-zero exit on a failure.
Python 3 from Debian, its standard library only.
"""
import os
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

CELL = 6          # pixels a page of the kernel zone takes
COLS = 128        # pages a row: 512 KiB
MARGIN = 80       # room for the addresses on the left
TOP = 50
ENTRIES = 1024    # entries of a directory or a table
BAR = 512         # pixels the 1024 entries of a table take
BOX_W, BOX_H = 250, 54

KIND_COLOURS = {
    "other": "#9e9e9e", "metadata": "#37474f", "swap-metadata": "#6d4c41",
    "trackers": "#000000", "free": "#ffffff",
}
KIND_WORDS = {
    "other": "kernel image, stacks, other allocations", "metadata": "frame allocator metadata",
    "swap-metadata": "swap slot metadata", "trackers": "tracker page",
    "block": "page-table block (a colour per address space)", "free": "free",
}
FLAG_COLOURS = {"ur--": "#1e88e5", "urw-": "#43a047", "ur-c": "#fb8c00", "urwc": "#fb8c00"}


def read_dumps(path):
    """{tag: [fields of each dump line]} from the serial log."""
    dumps = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            words = line.strip().split()
            if len(words) >= 3 and words[0] == "dump":
                dumps.setdefault(words[1], []).append(words[2:])
    return dumps


def block_colour(owner):
    if owner == 0:
        return "#880e4f"  # the kernel master table
    return "hsl(%d,70%%,%d%%)" % (owner * 137.508 % 360, 45 + owner % 3 * 10)


def svg(width, height, body):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="monospace" font-size="11">\n'
            '<rect width="100%%" height="100%%" fill="#fafafa"/>\n%s</svg>\n'
            % (width, height, "\n".join(body)))


def text(x, y, s, extra=""):
    return '<text x="%d" y="%d"%s>%s</text>' % (x, y, extra, escape(s))


# ---- the kernel zone ----------------------------------------------------

def parse_kzone(lines):
    zone, items, counts = None, [], None
    for w in lines:
        if w[0] == "kzone":
            zone = (int(w[1], 16), int(w[2], 16))
        elif w[0] == "item":
            items.append((w[1], int(w[2], 16), int(w[3]), int(w[4])))
        elif w[0] == "end":
            counts = (int(w[1]), int(w[3]))
    if zone is None or counts is None:
        raise ValueError("no whole kernel-zone dump")
    return zone, items, counts


def item_rects(index, item, first):
    """The rectangles of one item, a row of COLS pages at a time."""
    kind, start, pages, owner = item
    page = (start - first) // 4096
    fill = block_colour(owner) if kind == "block" else KIND_COLOURS[kind]
    attrs = ' class="%s" data-i="%d"' % (kind, index)
    if kind == "block":
        attrs += ' data-owner="%d"' % owner
    rects = []
    while pages > 0:
        row, col = divmod(page, COLS)
        n = min(pages, COLS - col)
        rects.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"%s/>'
                     % (MARGIN + col * CELL, TOP + row * CELL, n * CELL, CELL, fill, attrs))
        page, pages = page + n, pages - n
    return rects


def legend(y):
    body = []
    for i, kind in enumerate(["block", "trackers", "metadata", "swap-metadata", "other", "free"]):
        x = MARGIN + (i % 3) * 260
        yy = y + (i // 3) * 18
        fill = block_colour(7) if kind == "block" else KIND_COLOURS[kind]
        body.append('<rect x="%d" y="%d" width="12" height="12" fill="%s" stroke="#444"/>'
                    % (x, yy - 10, fill))
        body.append(text(x + 18, yy, KIND_WORDS[kind]))
    return body


def draw_kzone(lines, when):
    (first, end), items, (nitems, nblocks) = parse_kzone(lines)
    rows = -(-((end - first) // 4096) // COLS)
    free = sum(p for k, _, p, _ in items if k == "free")
    trackers = sum(1 for k, _, _, _ in items if k == "trackers")
    body = [text(10, 18, "the kernel zone %s: %08x-%08x, %d blocks, %d tracker pages, "
                 "%d free pages" % (when, first, end, nblocks, trackers, free), ' font-size="13"'),
            text(10, 36, "one square a page, %d pages (%d KiB) a row, addresses on the left"
                 % (COLS, COLS * 4))]
    for row in range(0, rows, 8):
        body.append(text(4, TOP + row * CELL + CELL, "%08x" % (first + row * COLS * 4096)))
    for i, item in enumerate(items):
        body += item_rects(i, item, first)
    body.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>'
                % (MARGIN, TOP, COLS * CELL, rows * CELL))
    body += legend(TOP + rows * CELL + 24)
    return svg(MARGIN + COLS * CELL + 20, TOP + rows * CELL + 70, body)


def check_kzone(path, lines):
    _, _, (nitems, nblocks) = parse_kzone(lines)
    rects = ET.parse(path).getroot().findall("{http://www.w3.org/2000/svg}rect")
    items = {r.get("data-i") for r in rects if r.get("data-i") is not None}
    blocks = {r.get("data-owner") for r in rects if r.get("class") == "block"}
    problems = []
    if len(items) != nitems:
        problems.append("%d items drawn, the dump has %d" % (len(items), nitems))
    if len(blocks) != nblocks:
        problems.append("%d blocks drawn, the dump has %d" % (len(blocks), nblocks))
    return problems


# ---- a process --------------------------------------------------------------

def parse_space(lines):
    space, ranges, tables = None, [], []
    for w in lines:
        if w[0] == "space":
            space = (int(w[1]), int(w[2], 16), int(w[3]), int(w[4]))
        elif w[0] == "range":
            start, end = (int(a, 16) for a in w[1].split("-"))
            ranges.append((start, end, w[3]))
        elif w[0] == "table":
            tables.append((int(w[1]), int(w[2], 16), int(w[3]), int(w[4])))
    if space is None:
        raise ValueError("no address-space dump")
    return space, ranges, tables


def entry_runs(ranges, pdi):
    """(first entry, entries, flags) of the table of PDE pdi, neighbours of one kind merged."""
    base, runs = pdi << 22, []
    for start, end, flags in ranges:
        lo, hi = max(start, base), min(end, base + (1 << 22))
        if lo >= hi:
            continue
        first, n = (lo - base) >> 12, (hi - lo) >> 12
        if runs and runs[-1][2] == flags and runs[-1][0] + runs[-1][1] == first:
            runs[-1] = (runs[-1][0], runs[-1][1] + n, flags)
        else:
            runs.append((first, n, flags))
    return runs


def page_box(slot, y, label, lines, cls):
    body = ['<rect class="%s" x="20" y="%d" width="%d" height="%d" fill="%s" stroke="#333"/>'
            % (cls, y, BOX_W, BOX_H - 6, "#eceff1" if cls != "table" else "#fffde7")]
    body.append(text(28, y + 15, "page %d: %s" % (slot, label), ' font-weight="bold"'))
    body += [text(28, y + 29 + 12 * i, s) for i, s in enumerate(lines)]
    return body


def table_bar(y, runs):
    x0 = 20 + BOX_W + 60
    body = ['<rect x="%d" y="%d" width="%d" height="16" fill="#fff" stroke="#333"/>'
            % (x0, y + 8, BAR)]
    for first, n, flags in runs:
        body.append('<rect class="entries" x="%.1f" y="%d" width="%.1f" height="16" fill="%s">'
                    '<title>entries %d-%d: %s</title></rect>'
                    % (x0 + first * BAR / ENTRIES, y + 8, max(n * BAR / ENTRIES, 1),
                       FLAG_COLOURS.get(flags, "#8e24aa"), first, first + n - 1, flags))
    body.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>'
                % (20 + BOX_W, y + 16, x0, y + 16))
    body.append(text(x0, y + 40, "entry 0" + " " * 62 + "entry 1023"))
    return body


def draw_space(lines):
    (asid, block, pages, ntables), ranges, tables = parse_space(lines)
    body = [text(10, 18, "address space %d, a process's: its block at %08x, %d pages: the "
                 "directory, %d tables in order of first use, %d spare"
                 % (asid, block, pages, ntables, pages - 1 - ntables), ' font-size="13"'),
            text(10, 36, "left: the block page by page; right: the 1024 entries of each table, "
                 "coloured where they map a page")]
    y = TOP
    pdes = ", ".join("%d -> page %d" % (pdi, slot) for slot, _, pdi, _ in tables)
    body += page_box(0, y, "directory", ["%08x" % block, "user PDEs: " + pdes], "page")
    for slot, addr, pdi, live in tables:
        y += BOX_H
        body += page_box(slot, y, "table of PDE %d" % pdi,
                         ["%08x-%08x" % (pdi << 22, (pdi + 1) << 22), "%d entries live" % live],
                         "table")
        body += table_bar(y, entry_runs(ranges, pdi))
    for slot in range(1 + ntables, pages):
        y += BOX_H
        body += page_box(slot, y, "spare", ["%08x" % (block + slot * 4096)], "page")
    y += BOX_H + 10
    for i, (flags, words) in enumerate([("ur--", "read-only: code"),
                                        ("urw-", "writable: data, heap, stack"),
                                        ("urwc", "copy-on-write")]):
        body.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>'
                    % (20 + i * 250, y, FLAG_COLOURS[flags]))
        body.append(text(38 + i * 250, y + 10, "%s %s" % (flags, words)))
    return svg(20 + BOX_W + 60 + BAR + 30, y + 30, body)


def check_space(path, lines):
    (_, _, pages, ntables), _, _ = parse_space(lines)
    root = ET.parse(path).getroot()
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    tables = sum(1 for r in rects if r.get("class") == "table")
    boxes = sum(1 for r in rects if r.get("class") in ("table", "page"))
    problems = []
    if tables != ntables:
        problems.append("%d tables drawn, the dump has %d" % (tables, ntables))
    if boxes != pages:
        problems.append("%d block pages drawn, the dump has %d" % (boxes, pages))
    return problems


# ---- all of it ----------------------------------------------------------------

PICTURES = [
    ("kzone-fullest.svg", "fullest", lambda l: draw_kzone(l, "at the fullest point of demo part 1"),
     check_kzone),
    ("kzone-end.svg", "end", lambda l: draw_kzone(l, "at the end of demo part 1"), check_kzone),
    ("process.svg", "process", draw_space, check_space),
]


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) != 2:
        sys.stderr.write("usage: pictures.py [--check] LOG OUTDIR\n")
        return 2
    dumps = read_dumps(args[0])
    os.makedirs(args[1], exist_ok=True)
    passed = failed = 0
    for name, tag, draw, verify in PICTURES:
        path = os.path.join(args[1], name)
        try:
            with open(path, "w", encoding="utf-8") as out:
                out.write(draw(dumps.get(tag, [])))
            problems = verify(path, dumps[tag]) if check else []
        except (ValueError, ET.ParseError, KeyError) as e:
            problems = [str(e) or "no dump"]
        if problems:
            failed += 1
            print("FAIL kernel-pictures/%s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1
            print("pictures: %s" % path) if not check else None
    if check:
        print("kernel-pictures: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
