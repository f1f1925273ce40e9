#!/usr/bin/env python3
"""The plotting test: a short training run writes two CSV logs
(tests/train_log_writer.c), examples/plot_curves.py draws them with one
backend, and a non-empty PNG must appear. Exits 77 (ctest: skipped) with a
message when that backend is not installed.

usage: check_plot_curves.py --backend gnuplot|matplotlib --writer PROGRAM
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
    p.add_argument("--writer", required=True)
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
    for algo, steps in (("paac", "40000"), ("reinforce_baseline", "20000")):
        path = os.path.join(a.work, "%s.csv" % algo)
        if os.path.exists(path):
            os.remove(path)
        subprocess.run([a.writer, algo, steps, path], check=True)
        with open(path, encoding="utf-8") as f:
            rows = f.read().splitlines()
        assert rows[0].startswith("steps,episodes,mean_return_100,"), rows[0]
        assert len(rows) >= 20, "%s: %d lines" % (path, len(rows))
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
