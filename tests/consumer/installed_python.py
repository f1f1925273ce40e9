"""Run by tests/install_consumers.cmake from a folder outside the source tree:
the installed module must load the installed library by the path the install
step recorded (no POLICYGRAD_LIB), and train.

With RULE (cmake/pg_python_install_dir.py), also: the folder that rule gives
for this interpreter's own prefix (and /usr/local for a Debian /usr one) is
on sys.path, so that an install into such a standard prefix imports as is.

usage: python3 installed_python.py MODULE_DIR LIBRARY [RULE]
"""
import os
import subprocess
import sys

module_dir, library = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:
    for prefix in [sys.prefix] + (["/usr/local"] if sys.prefix == "/usr" else []):
        d = subprocess.check_output([sys.executable, sys.argv[3], prefix],
                                    universal_newlines=True).strip()
        d = d if os.path.isabs(d) else os.path.join(prefix, d)
        if d not in sys.path:
            sys.exit("an install into %s puts the module in %s, not on sys.path %s"
                     % (prefix, d, sys.path))
        print("prefix %s: module folder %s is on sys.path" % (prefix, d))
assert "POLICYGRAD_LIB" not in os.environ and "LD_LIBRARY_PATH" not in os.environ
sys.path.insert(0, module_dir)
import policygrad as pg  # noqa: E402

if os.path.dirname(os.path.abspath(pg.__file__)) != os.path.abspath(module_dir):
    sys.exit("imported %s, not the installed module in %s" % (pg.__file__, module_dir))
if os.path.realpath(pg.library_path) != os.path.realpath(library):
    sys.exit("loaded %s, not the installed %s" % (pg.library_path, library))
with pg.Context(seed=1) as ctx:
    env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
    agent = pg.Agent.for_env(ctx, "reinforce_baseline", env, hidden_units=16)
    agent.train(env, 2000)
    steps = agent.stat("total_steps")
assert steps >= 2000, steps
print("python %s: policygrad %s from %s, CartPole-v1 %d steps"
      % (sys.version.split()[0], pg.version(), pg.library_path, steps))
