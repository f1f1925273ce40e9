#!/usr/bin/env python3
"""Fails when include/policygrad.h and the Python / Lua front ends disagree.

For every PG_API function between PG_CDEF_BEGIN and PG_CDEF_END:
- Python (examples/python/policygrad.py): the _SIGNATURES table must hold
  it with the same return and argument types (normalised C types), and the
  module must wrap it (call lib.<name>) or list it in RAW_ONLY with a reason;
  every enumerator of the header must exist in the module with its number;
  the table must not declare functions the header does not have.
- Lua (examples/lua/policygrad.lua): its cdef is generated from the header
  at load time, so declarations cannot drift; the module must wrap the
  function (call C.<name>) or list it in M.RAW_ONLY with a reason.
Standard library only; does not load the shared library.

usage: check_bindings_drift.py [repo root]
"""
import ast
import os
import re
import sys


def normalise(t):
    t = re.sub(r"\bconst\b", " ", t)
    t = re.sub(r"\s*\*\s*", "*", t)
    return " ".join(t.split()).replace(" *", "*")


def header_block(path):
    text = open(path, encoding="utf-8").read()
    body = text.split("/* PG_CDEF_BEGIN */", 1)[1].split("/* PG_CDEF_END */", 1)[0]
    body = re.sub(r"/\*.*?\*/", " ", body, flags=re.S)
    return re.sub(r"//[^\n]*", " ", body)


def header_functions(body):
    out = {}
    for m in re.finditer(r"PG_API\s+([^;(]*?)\b(pg_\w+)\s*\(([^)]*)\)\s*;", body, flags=re.S):
        ret, name, args = m.groups()
        params = []
        a = " ".join(args.split())
        if a and a != "void":
            for p in a.split(","):
                p = p.strip()
                mm = re.match(r"^(.*?[\s*])(\w+)$", p)
                params.append(normalise(mm.group(1) if mm else p))
        out[name] = (normalise(ret), tuple(params))
    return out


def header_enums(body):
    out = {}
    for m in re.finditer(r"typedef\s+enum\s+\w+\s*\{(.*?)\}", body, flags=re.S):
        for k, v in re.findall(r"(\w+)\s*=\s*(\w+)", m.group(1)):
            if not k.endswith("FORCE_INT"):
                out[k] = int(v, 0)
    return out


def python_module(path):
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src)
    sigs, raw, consts = None, None, {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name == "_SIGNATURES":
                sigs = ast.literal_eval(node.value)
            elif name == "RAW_ONLY":
                raw = ast.literal_eval(node.value)
            elif name.startswith("PG_") and isinstance(node.value, ast.Constant):
                consts[name] = node.value.value
    table = {}
    for line in sigs.strip().splitlines():
        head, args = line.split("(", 1)
        ret, name = head.rsplit(" ", 1)
        args = args.rstrip(")").strip()
        table[name] = (normalise(ret), tuple(normalise(a) for a in args.split(",")) if args else ())
    used = set(re.findall(r"\blib\.(pg_\w+)\b", src))
    return table, raw, consts, used


def lua_module(path):
    src = open(path, encoding="utf-8").read()
    m = re.search(r"M\.RAW_ONLY\s*=\s*\{(.*?)\n\}", src, flags=re.S)
    raw = dict(re.findall(r"\[?\"?(pg_\w+)\"?\]?\s*=\s*\"([^\"]+)\"", m.group(1))) if m else None
    used = set(re.findall(r"\bC\.(pg_\w+)\b", src))
    generated = "cdef_from_header" in src and "PG_CDEF_BEGIN" in src
    return raw, used, generated


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    body = header_block(os.path.join(root, "include", "policygrad.h"))
    funcs, enums = header_functions(body), header_enums(body)
    problems = []

    table, raw, consts, used = python_module(os.path.join(root, "examples", "python", "policygrad.py"))
    if raw is None:
        problems.append("python: no RAW_ONLY dict")
        raw = {}
    for name, sig in funcs.items():
        if name not in table:
            problems.append("python: %s is in the header but not in _SIGNATURES" % name)
        elif table[name] != sig:
            problems.append("python: %s: table says %s, header says %s" % (name, table[name], sig))
        if name not in used and name not in raw:
            problems.append("python: %s is neither wrapped (lib.%s) nor in RAW_ONLY" % (name, name))
    for name in table:
        if name not in funcs:
            problems.append("python: _SIGNATURES has %s, which the header does not declare" % name)
    for name, reason in raw.items():
        if not str(reason).strip():
            problems.append("python: RAW_ONLY[%s] needs a reason" % name)
    for k, v in enums.items():
        if consts.get(k) != v:
            problems.append("python: enumerator %s = %s missing or different (module: %s)"
                            % (k, v, consts.get(k)))

    lraw, lused, generated = lua_module(os.path.join(root, "examples", "lua", "policygrad.lua"))
    if not generated:
        problems.append("lua: the cdef is not generated from the header")
    if lraw is None:
        problems.append("lua: no M.RAW_ONLY table")
        lraw = {}
    for name in funcs:
        if name not in lused and name not in lraw:
            problems.append("lua: %s is neither wrapped (C.%s) nor in M.RAW_ONLY" % (name, name))

    for p in problems:
        print("DRIFT:", p)
    print("check_bindings_drift: %d functions, %d enumerators in the header; %d problem(s)"
          % (len(funcs), len(enums), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
