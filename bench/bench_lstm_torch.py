#!/usr/bin/env python3
"""The segment of `bench_lstm time` in PyTorch on one thread, for
comparison: torch.nn.LSTM(256, 256) over t = 5 and 20 steps of 32
sequences from a zero state, then a value head (Linear(256, 1)); forward,
then backward of the mean squared value loss, best of 20, in CPU time of
this thread (as bench_lstm). Run it separately: python3
bench/bench_lstm_torch.py. Exits 0 with a note when torch is not installed
(Debian: apt-get install python3-torch)."""
import sys
import time

try:
    import torch
except ImportError:
    print("bench_lstm_torch: skipped, torch is not installed (Debian: python3-torch)")
    sys.exit(0)

BATCH, UNITS, IN = 32, 256, 256


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(IN, UNITS)
    head = torch.nn.Linear(UNITS, 1)
    print("bench_lstm_torch (torch %s, %d thread)" % (torch.__version__, torch.get_num_threads()))
    for steps in (5, 20):
        rows = BATCH * steps
        x = (torch.arange(rows * IN, dtype=torch.float32).reshape(steps, BATCH, IN) * 7919
             % 1000) / 1000.0 - 0.5
        ret = (torch.arange(rows) % 3).float().reshape(steps, BATCH) - 1.0
        best_f = best_b = float("inf")
        for _ in range(20):
            lstm.zero_grad()
            head.zero_grad()
            t0 = time.thread_time()
            y, _ = lstm(x)
            v = head(y).squeeze(2)
            t1 = time.thread_time()
            loss = ((v - ret) ** 2).mean()
            loss.backward()
            t2 = time.thread_time()
            best_f, best_b = min(best_f, t1 - t0), min(best_b, t2 - t1)
        print("torch lstm batch %d units %d input %d t %d: forward %.3f ms, backward %.3f ms, "
              "total %.3f ms (best of 20, one thread)"
              % (BATCH, UNITS, IN, steps, 1e3 * best_f, 1e3 * best_b, 1e3 * (best_f + best_b)))


if __name__ == "__main__":
    main()
