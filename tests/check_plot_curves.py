#!/usr/bin/env python3
"""The plotting test: the demo (examples/demo.c, PAAC on CartPole-v1, seeds 1
and 2) writes two CSV logs and names them in its last line with the command
that plots them; examples/plot_curves.py draws both with one backend, and a
non-empty PNG must appear. Exits 77 (ctest: skipped) with a message when
that backend is not installed.

usage: check_plot_curves.py --backend gnuplot|matplotlib --demo PROGRAM
                            --script plot_curves.py --work DIR [--gnuplot EXE]
"""
import argparse
import os
import shutil
import subprocess
import sys

SKIP = 77
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", required=True, choices=["gnuplot", "matplotlib"])
    p.add_argument("--demo", required=True)
    p.add_argument("--script", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--gnuplot", default="gnuplot")
    a = p.parse_args()
    if a.backend == "gnuplot" and not shutil.which(a.gnuplot):
        print("skipped: gnuplot is not installed (Debian: gnuplot-nox; .ci/setup.sh installs it)")
        return SKIP
    if a.backend == "matplotlib":
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("skipped: %s cannot import matplotlib (Debian: python3-matplotlib)"
                  % sys.executable)
            return SKIP
    os.makedirs(a.work, exist_ok=True)
    logs = []
    for seed in ("1", "2"):
        path = os.path.join(a.work, "seed%s_log.csv" % seed)
        if os.path.exists(path):
            os.remove(path)
        # the exit status says whether the evaluation reached 475: not checked
        run = subprocess.run([a.demo, seed, path], capture_output=True, text=True)
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        want = "training log: %s; plot it: python3 " % path
        if not last.startswith(want) or "plot_curves.py %s -o " % path not in last:
            print("FAIL: the demo's last line is %r, expected %r..." % (last, want))
            sys.stderr.write(run.stderr)
            return 1
        with open(path, encoding="utf-8") as f:
            rows = f.read().splitlines()
        if not rows[0].startswith("steps,episodes,mean_return_100,") or len(rows) < 4:
            print("FAIL: %s: %d lines, header %r" % (path, len(rows), rows[0]))
            return 1
        logs.append(path)
    png = os.path.join(a.work, "curves.png")
    if os.path.exists(png):
        os.remove(png)
    cmd = [sys.executable, a.script, "--backend", a.backend, "--gnuplot", a.gnuplot,
           "-o", png, "--title", "plot test"] + logs
    run = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        print("FAIL: %s exited %d" % (" ".join(cmd), run.returncode))
        return 1
    with open(png, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_SIGNATURE) or len(data) < 2000:
        print("FAIL: %s is not a PNG of a plot (%d bytes)" % (png, len(data)))
        return 1
    # bad input is an error with a message, not a traceback
    bad = os.path.join(a.work, "bad.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("a,b\n1,2\n")
    run = subprocess.run([sys.executable, a.script, "--backend", a.backend, "-o", png, bad],
                         capture_output=True, text=True)
    if run.returncode != 1 or "no column steps" not in run.stderr:
        print("FAIL: a CSV without the columns gave %d: %s" % (run.returncode, run.stderr))
        return 1
    print("ok: %s, %d bytes, from %d logs with %s" % (png, len(data), len(logs), a.backend))
    return 0


if __name__ == "__main__":
    sys.exit(main())
