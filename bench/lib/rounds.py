"""Medians of interleaved benchmark rounds: bench/lib/rounds.py RESULTS NAME...

RESULTS has one line per run: `ROUND GROUP VARIANT WALL_S V1 V2 ...`, where every group has a
variant named `untraced` (the workload alone) and NAMEs name the columns V1, V2... (integers,
or `-` where a variant has none). Prints, per group and variant in the order first seen: the
median wall time, the added time of that median over the untraced median, the ratio (the median
of each round's wall time over the same round's untraced run, the figure to read on a noisy
machine), and the median of each named column.
"""
import collections
import statistics
import sys


def main(path, names):
    rows = collections.defaultdict(list)
    walls = {}
    for line in open(path):
        f = line.split()
        if len(f) != 4 + len(names):
            sys.exit(f"{path}: {line.strip()!r}: expected {4 + len(names)} fields")
        rnd, group, var, wall = f[0], f[1], f[2], float(f[3])
        rows[(group, var)].append((wall, rnd, f[4:]))
        walls[(group, var, rnd)] = wall
    print("(added_%: the median wall time against the untraced median; ratio: the median of each")
    print(" round's wall time over the same round's untraced run)")
    head = f"{'group':8} {'variant':18} {'wall_s':>8} {'added_%':>8} {'ratio':>6}"
    print(head + "".join(f" {n:>10}" for n in names))
    for group in dict.fromkeys(g for g, _ in rows):
        base = rows.get((group, "untraced"))
        if not base:
            sys.exit(f"{path}: group {group} has no untraced run")
        base_med = statistics.median(w for w, *_ in base)
        for var in dict.fromkeys(v for g, v in rows if g == group):
            rs = rows[(group, var)]
            wall = statistics.median(w for w, *_ in rs)
            ratio = statistics.median(w / walls[(group, "untraced", r)] for w, r, _ in rs)
            cols = []
            for i in range(len(names)):
                vals = [int(x[i]) for _, _, x in rs if x[i] != "-"]
                cols.append(f"{statistics.median(vals):g}" if vals else "-")
            line = f"{group:8} {var:18} {wall:8.3f} {100 * (wall / base_med - 1):+7.1f}% x{ratio:5.2f}"
            print(line + "".join(f" {c:>10}" for c in cols))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
