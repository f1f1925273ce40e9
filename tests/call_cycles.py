#!/usr/bin/env python3
"""Fails when the files of lib/ call each other in a circle.

A coarse static call graph: a file depends on another when it names a pg_ /
pg__ function (or pg__algo_ops table) that the other defines; comments and
string literals are ignored. Any strongly connected group of two or more
files is an error, printed with the names that close it (docs/ARCHITECTURE.md
lists the intended layers). Standard library only.

usage: call_cycles.py [repo root]
"""
import glob
import os
import re
import sys


def clean(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def graph(root):
    files = sorted(glob.glob(os.path.join(root, "lib", "*", "*.c")))
    text = {f: clean(open(f, encoding="utf-8").read()) for f in files}
    defs = {}
    for f, s in text.items():
        for m in re.finditer(r"^[a-z_][\w \*]*?\b(pg_{1,2}\w+)\s*\([^;]*?\)\s*\{", s, re.M):
            defs[m.group(1)] = f
        for m in re.finditer(r"^const pg__algo_ops (pg__\w+)", s, re.M):
            defs[m.group(1)] = f
    edges = {f: {} for f in files}
    for f, s in text.items():
        for name in set(re.findall(r"\b(pg_{1,2}\w+)\b", s)):
            g = defs.get(name)
            if g and g != f:
                edges[f].setdefault(g, []).append(name)
    return files, edges


def cycles(files, edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    files, edges = graph(root)
    found = cycles(files, edges)
    rel = lambda f: os.path.relpath(f, root)
    for comp in found:
        print("call cycle: " + ", ".join(sorted(rel(f) for f in comp)))
        for a in comp:
            for b, names in sorted(edges[a].items()):
                if b in comp:
                    print("  %s -> %s: %s" % (rel(a), rel(b), ", ".join(sorted(names))))
    print("call_cycles: %d files in lib/, %d cycle(s)" % (len(files), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
