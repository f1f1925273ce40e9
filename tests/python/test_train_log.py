"""Training logs from Python: Agent.set_log_file / set_log_callback and
train(..., log=...). Standard library only.

Run: POLICYGRAD_LIB=build/libpolicygrad.so python3 tests/python/test_train_log.py
"""
import csv
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))
import policygrad as pg  # noqa: E402

COLUMNS = ["steps", "episodes", "mean_return_100", "last_return", "policy_loss", "value_loss",
           "entropy", "learning_rate", "steps_per_second", "wall_seconds"]


def paac(ctx, interval=1000):
    env = pg.Env.builtin(ctx, "CartPole-v1", seed=1)
    agent = pg.Agent.for_env(ctx, "paac", env, hidden_units=16)
    agent.set_param("report_interval", interval)
    return env, agent


class TrainLog(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "run.csv")

    def tearDown(self):
        self.dir.cleanup()

    def test_file_rows_match_stats(self):
        with pg.Context(seed=1) as ctx:
            env, agent = paac(ctx)
            agent.set_log_file(self.path)
            seen = []

            def progress(a):
                with open(self.path, newline="") as f:  # on disk already
                    rows = list(csv.DictReader(f))
                self.assertEqual(len(rows), len(seen) + 1)
                row = rows[-1]
                self.assertEqual(int(row["steps"]), a.stat("total_steps"))
                self.assertEqual(int(row["episodes"]), a.stat("episodes"))
                self.assertAlmostEqual(float(row["mean_return_100"]), a.stat("mean_return_100"),
                                       places=5)
                self.assertAlmostEqual(float(row["learning_rate"]), a.stat("learning_rate"))
                seen.append(row)
            agent.train(env, 10000, progress=progress)
            self.assertGreaterEqual(len(seen), 9)
            agent.close()  # closes the file
            with open(self.path, newline="") as f:
                reader = csv.reader(f)
                self.assertEqual(next(reader), COLUMNS)
                self.assertTrue(all(len(r) == len(COLUMNS) for r in reader))

    def test_train_log_argument(self):
        with pg.Context(seed=1) as ctx:
            env, agent = paac(ctx)
            agent.train(env, 5000, log=self.path)
            with open(self.path) as f:
                n = len(f.readlines())
            self.assertGreaterEqual(n, 1 + 4)
            agent.train(env, 5000)  # the log= of a call ends with it
            with open(self.path) as f:
                self.assertEqual(len(f.readlines()), n)
            lines = []
            agent.train(env, 3000, log=lines.append)
            self.assertEqual(lines[0], ",".join(COLUMNS))
            self.assertGreaterEqual(len(lines), 1 + 2)
            self.assertTrue(all(not line.endswith("\n") for line in lines))

    def test_callback_stop_and_exception(self):
        with pg.Context(seed=1) as ctx:
            env, agent = paac(ctx, interval=320)
            lines = []
            agent.set_log_callback(lambda line: lines.append(line) or len(lines) == 3)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.train(env, 100000)
            self.assertEqual(cm.exception.status, pg.PG_ERR_CALLBACK)
            self.assertIn("log callback", str(cm.exception))
            self.assertEqual(len(lines), 3)

            def boom(line):
                if line[0].isdigit():
                    raise ValueError("log sink full")
            agent.set_log_callback(boom)
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.train(env, 100000)
            self.assertIsInstance(cm.exception.__cause__, ValueError)
            agent.set_log_callback(None)
            agent.train(env, 1000)  # usable, no log

    def test_bad_path_and_worker(self):
        with pg.Context(seed=1) as ctx:
            env, agent = paac(ctx)
            bad = os.path.join(self.dir.name, "no-such-folder", "run.csv")
            with self.assertRaises(pg.PolicygradError) as cm:
                agent.set_log_file(bad)
            self.assertEqual(cm.exception.status, pg.PG_ERR_IO)
            self.assertIn(bad, str(cm.exception))
            a3c = pg.Agent.for_env(ctx, "a3c", env, hidden_units=8)
            w = a3c.create_worker()
            with self.assertRaises(pg.PolicygradError) as cm:
                w.set_log_file(self.path)
            self.assertEqual(cm.exception.status, pg.PG_ERR_UNSUPPORTED)
            self.assertIn("parent", str(cm.exception))
            w.close()
            a3c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
