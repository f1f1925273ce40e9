#!/usr/bin/env python3
"""Learning curves from libpolicygrad training logs (CSV) as a PNG.

    python3 examples/plot_curves.py demo_log.csv -o curve.png
    python3 examples/plot_curves.py paac.csv a3c.csv --label PAAC --label A3C -o cmp.png

Each log is one line: steps on the x axis, the mean return of the last 100
episodes on the y axis (other columns with --x / --y), labelled with the
file name (or --label, once per log, in order). The logs are those written
by pg_agent_set_log_file / pg_agent_set_log_callback (Python:
Agent.set_log_file or train(..., log=path); Lua: the same methods);
docs/AGENTS.md, "Training logs", lists the columns. Rows whose x or y field
is empty or not a finite number (no finished episode yet) are left out.

Backends: matplotlib when it can be imported, else gnuplot (Debian:
gnuplot-nox); --backend picks one. Standard library only otherwise.
Exit status: 0 written, 1 bad input, 2 usage, 3 the backend is missing.
"""
import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile

AXIS_LABELS = {
    "steps": "environment steps",
    "episodes": "episodes",
    "mean_return_100": "mean return (last 100 episodes)",
    "last_return": "return of the last episode",
    "policy_loss": "policy loss",
    "value_loss": "value loss",
    "entropy": "policy entropy",
    "learning_rate": "learning rate",
    "steps_per_second": "steps per second",
    "wall_seconds": "wall time (s)",
}

EXIT_INPUT, EXIT_NO_BACKEND = 1, 3


class InputError(Exception):
    pass


class NoBackend(Exception):
    pass


def read_curve(path, x, y):
    """(xs, ys) of the rows of a log where both fields are finite numbers."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in (x, y) if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError("%s: no column %s (columns: %s)"
                                 % (path, ", ".join(missing), ", ".join(reader.fieldnames or [])))
            xs, ys = [], []
            for row in reader:
                try:
                    vx, vy = float(row[x]), float(row[y])
                except (TypeError, ValueError):
                    continue
                if math.isfinite(vx) and math.isfinite(vy):
                    xs.append(vx)
                    ys.append(vy)
            return xs, ys
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror or e))


def plot_matplotlib(curves, args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise NoBackend("matplotlib cannot be imported (%s); Debian: apt-get install "
                        "python3-matplotlib, or use --backend gnuplot" % e)
    fig, ax = plt.subplots(figsize=(args.width / 100.0, args.height / 100.0), dpi=100)
    for label, xs, ys in curves:
        ax.plot(xs, ys, label=label, linewidth=1.8)
    ax.set_xlabel(AXIS_LABELS.get(args.x, args.x))
    ax.set_ylabel(AXIS_LABELS.get(args.y, args.y))
    if args.title:
        ax.set_title(args.title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc=args.legend)
    fig.tight_layout()
    fig.savefig(args.output)
    plt.close(fig)


def gnuplot_string(s):
    """A gnuplot single-quoted string (a quote is written twice)."""
    return "'" + s.replace("'", "''") + "'"


GNUPLOT_KEYS = {"lower right": "bottom right", "upper left": "top left",
                "lower left": "bottom left", "upper right": "top right"}


def plot_gnuplot(curves, args):
    exe = shutil.which(args.gnuplot)
    if not exe:
        raise NoBackend("gnuplot not found (%s); Debian: apt-get install gnuplot-nox, or use "
                        "--backend matplotlib" % args.gnuplot)
    with tempfile.TemporaryDirectory(prefix="plot_curves_") as tmp:
        plots = []
        for i, (label, xs, ys) in enumerate(curves):
            data = os.path.join(tmp, "curve%d.dat" % i)
            with open(data, "w", encoding="utf-8") as f:
                for vx, vy in zip(xs, ys):
                    f.write("%r %r\n" % (vx, vy))
            plots.append("%s using 1:2 with lines linewidth 2 title %s"
                         % (gnuplot_string(data), gnuplot_string(label)))
        lines = [
            "set output %s" % gnuplot_string(os.path.abspath(args.output)),
            "set xlabel %s" % gnuplot_string(AXIS_LABELS.get(args.x, args.x)),
            "set ylabel %s" % gnuplot_string(AXIS_LABELS.get(args.y, args.y)),
            "set title %s" % gnuplot_string(args.title or ""),
            "set key %s box opaque" % GNUPLOT_KEYS.get(args.legend, "bottom right"),
            "set grid",
            "set format x '%.0f'",
            "plot " + ", \\\n     ".join(plots),
        ]
        errors = []
        # pngcairo draws anti-aliased lines; png (libgd) is the fallback.
        for terminal in ("pngcairo noenhanced size %d,%d font 'sans,11'",
                         "png noenhanced size %d,%d"):
            script = "set terminal " + terminal % (args.width, args.height) + "\n" + \
                     "\n".join(lines) + "\n"
            run = subprocess.run([exe], input=script, capture_output=True, text=True)
            if run.returncode == 0 and os.path.getsize(args.output) > 0:
                return
            errors.append(run.stderr.strip())
        raise InputError("gnuplot failed:\n" + "\n".join(errors))


BACKENDS = {"matplotlib": plot_matplotlib, "gnuplot": plot_gnuplot}


def main(argv=None):
    p = argparse.ArgumentParser(description="Learning curves (PNG) from libpolicygrad CSV logs.")
    p.add_argument("logs", nargs="+", metavar="LOG.csv", help="training logs, one line each")
    p.add_argument("-o", "--output", default="learning_curve.png", help="PNG to write "
                   "(default: learning_curve.png)")
    p.add_argument("--backend", choices=["auto", "matplotlib", "gnuplot"], default="auto",
                   help="auto: matplotlib if it can be imported, else gnuplot")
    p.add_argument("--label", action="append", default=[],
                   help="legend text of a log, once per log in order (default: file name)")
    p.add_argument("--x", default="steps", help="column on the x axis (default: steps)")
    p.add_argument("--y", default="mean_return_100",
                   help="column on the y axis (default: mean_return_100)")
    p.add_argument("--title", default="", help="title above the plot")
    p.add_argument("--legend", default="lower right",
                   choices=["lower right", "upper left", "lower left", "upper right"],
                   help="legend position (default: lower right)")
    p.add_argument("--width", type=int, default=900, help="pixels (default: 900)")
    p.add_argument("--height", type=int, default=540, help="pixels (default: 540)")
    p.add_argument("--gnuplot", default="gnuplot", help="the gnuplot program (default: gnuplot)")
    args = p.parse_args(argv)
    if len(args.label) > len(args.logs):
        p.error("%d --label for %d logs" % (len(args.label), len(args.logs)))
    try:
        curves = []
        for i, path in enumerate(args.logs):
            label = args.label[i] if i < len(args.label) else \
                os.path.splitext(os.path.basename(path))[0]
            xs, ys = read_curve(path, args.x, args.y)
            if not xs:
                print("plot_curves: %s: no row with both %s and %s (yet)" % (path, args.x, args.y),
                      file=sys.stderr)
            curves.append((label, xs, ys))
        if not any(xs for _, xs, _ in curves):
            raise InputError("nothing to plot: no log has a row with both %s and %s"
                             % (args.x, args.y))
        backend = args.backend
        if backend == "auto":
            try:
                import matplotlib  # noqa: F401
                backend = "matplotlib"
            except ImportError:
                backend = "gnuplot"
        BACKENDS[backend](curves, args)
    except InputError as e:
        print("plot_curves: %s" % e, file=sys.stderr)
        return EXIT_INPUT
    except NoBackend as e:
        print("plot_curves: %s" % e, file=sys.stderr)
        return EXIT_NO_BACKEND
    print("plot_curves: wrote %s (%s, %d log%s)"
          % (args.output, backend, len(curves), "" if len(curves) == 1 else "s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
