#!/usr/bin/env python3
"""The nips network of bench/bench_conv.c in PyTorch on one thread, for
comparison: 84x84x4 -> 16 8x8/4 -> 32 4x4/2 -> dense 256 -> 6 logits + value
(ReLU), batch 32 and 160, forward (no_grad) and forward + backward + RMSprop
step, in frames/s and GFLOP/s (the same flop count as bench_conv). Run it
separately: python3 bench/bench_conv_torch.py. Exits 0 with a note when
torch is not installed (Debian: apt-get install python3-torch)."""
import sys
import time

try:
    import torch
except ImportError:
    print("bench_conv_torch: skipped, torch is not installed (Debian: python3-torch)")
    sys.exit(0)

FWD_MACS = 400 * 16 * 256 + 81 * 32 * 256 + 2592 * 256 + 256 * 7
FIRST = 400 * 16 * 256


class Nips(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(4, 16, 8, stride=4)
        self.c2 = torch.nn.Conv2d(16, 32, 4, stride=2)
        self.fc = torch.nn.Linear(2592, 256)
        self.pi = torch.nn.Linear(256, 6)
        self.v = torch.nn.Linear(256, 1)

    def forward(self, x):
        h = torch.relu(self.c2(torch.relu(self.c1(x))))
        h = torch.relu(self.fc(h.flatten(1)))
        return self.pi(h), self.v(h).squeeze(1)


def best_time(fn, seconds=0.5, rounds=3):
    # CPU time of this thread, as bench_conv (one intra-op thread: the caller)
    best = float("inf")
    for _ in range(rounds):
        reps, t0 = 0, time.thread_time()
        while True:
            fn()
            reps += 1
            t = time.thread_time() - t0
            if t >= seconds:
                break
        best = min(best, t / reps)
    return best


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1)
    net = Nips()
    opt = torch.optim.RMSprop(net.parameters(), lr=7e-4, alpha=0.99, eps=1e-5)
    print("bench_conv_torch (torch %s, %d thread)" % (torch.__version__, torch.get_num_threads()))
    for n in (32, 160):
        x = torch.rand(n, 4, 84, 84)
        actions = torch.arange(n) % 6
        adv = torch.full((n,), 0.5)

        def forward():
            with torch.no_grad():
                net(x)

        def train():
            logits, v = net(x)
            logp = torch.log_softmax(logits, 1)
            ent = -(logp.exp() * logp).sum(1)
            loss = (-(adv * logp.gather(1, actions[:, None]).squeeze(1)) - 0.01 * ent
                    + 0.5 * (adv - v) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()

        tf, tt = best_time(forward), best_time(train)
        print("nips 84x84x4 batch %3d  forward %8.2f ms %7.0f frames/s %6.2f GFLOP/s  |  "
              "fwd+bwd+RMSprop %8.2f ms %7.0f frames/s %6.2f GFLOP/s"
              % (n, tf * 1e3, n / tf, 2 * FWD_MACS * n / tf * 1e-9, tt * 1e3, n / tt,
                 2 * (3 * FWD_MACS - FIRST) * n / tt * 1e-9))


if __name__ == "__main__":
    main()
