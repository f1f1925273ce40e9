#!/usr/bin/env python3
"""Reference trajectories for the built-in environments (tests/check_env.c).

An independent implementation, with the Python standard library only, of
the published equations: Gymnasium's cartpole.py, acrobot.py ("book"
dynamics, rk4), mountain_car.py and pendulum.py, Sutton & Barto's short
corridor (Example 13.1) and bsuite's Catch. The library's random streams
(xoshiro256** seeded through SplitMix64, pg__mix64) are re-implemented here
so that resets match too: episode k of an env with seed s is reset with
seed mix64(s, k), and each task draws its start state from stream 0 of that
seed with numpy's uniform formula low + (high - low) * u.

Each case plays a few episodes with a fixed action sequence (random, or a
simple controller whose actions are then recorded) and writes the actions,
every observation (rounded to float32 as Gymnasium returns them), rewards
and flags. Run:  python3 tests/data/gen_env_refs.py > tests/data/env_refs.h
"""
import math
import random
import struct

M64 = (1 << 64) - 1


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


# ---- the library's RNG ------------------------------------------------------
def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def mix64(a, b):
    x = a ^ ((b * 0xD1342543DE82EF95 + 0x2545F4914F6CDD1D) & M64)
    x, _ = splitmix64(x)
    _, r = splitmix64(x)
    return r


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    def __init__(self, seed, stream):
        x = mix64(seed, stream)
        self.s = []
        for _ in range(4):
            x, v = splitmix64(x)
            self.s.append(v)
        if not any(self.s):
            self.s[0] = 1

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform01(self):
        return (self.next() >> 11) * 2.0**-53

    def uniform(self, low, high):
        return low + (high - low) * self.uniform01()

    def below(self, n):
        m = (self.next() >> 32) * n
        low = m & 0xFFFFFFFF
        if low < n:
            threshold = ((1 << 32) - n) % n
            while low < threshold:
                m = (self.next() >> 32) * n
                low = m & 0xFFFFFFFF
        return m >> 32


# ---- tasks --------------------------------------------------------------------
class ShortCorridor:
    name, obs_size, action_len, max_steps = "ShortCorridor", 1, 1, 1000

    def reset(self, rng):
        self.pos = 0
        return [1.0]

    def step(self, a):
        move = 1 if a == 1 else -1
        if self.pos == 1:
            move = -move
        self.pos = max(0, self.pos + move)
        return [1.0], -1.0, self.pos == 3


class CartPole:
    name, obs_size, action_len, max_steps = "CartPole-v1", 4, 1, 500
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    continuous = False

    def reset(self, rng):
        self.state = [rng.uniform(-0.05, 0.05) for _ in range(4)]
        return list(self.state)

    def step(self, a):
        x, x_dot, theta, theta_dot = self.state
        if self.continuous:
            force = min(max(a, -1.0), 1.0) * self.force_mag
        else:
            force = self.force_mag if a == 1 else -self.force_mag
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        thr = 12 * 2 * math.pi / 360
        term = x < -2.4 or x > 2.4 or theta < -thr or theta > thr
        return list(self.state), 1.0, term


class CartPoleContinuous(CartPole):
    name = "CartPoleContinuous-v1"
    continuous = True


class Acrobot:
    name, obs_size, action_len, max_steps = "Acrobot-v1", 6, 1, 500
    dt = 0.2
    m1 = m2 = l1 = 1.0
    lc1 = lc2 = 0.5
    I1 = I2 = 1.0
    max_vel_1, max_vel_2 = 4 * math.pi, 9 * math.pi

    def reset(self, rng):
        self.s = [f32(rng.uniform(-0.1, 0.1)) for _ in range(4)]
        return self.obs()

    def obs(self):
        s = self.s
        return [math.cos(s[0]), math.sin(s[0]), math.cos(s[1]), math.sin(s[1]), s[2], s[3]]

    def dsdt(self, sa):
        m1, m2, l1, lc1, lc2, I1, I2, g = (self.m1, self.m2, self.l1, self.lc1, self.lc2,
                                           self.I1, self.I2, 9.8)
        theta1, theta2, dtheta1, dtheta2, a = sa
        pi = math.pi
        d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * math.cos(theta2)) + I1 + I2
        d2 = m2 * (lc2**2 + l1 * lc2 * math.cos(theta2)) + I2
        phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - pi / 2.0)
        phi1 = (-m2 * l1 * lc2 * dtheta2**2 * math.sin(theta2)
                - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
                + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - pi / 2) + phi2)
        ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * math.sin(theta2)
                    - phi2) / (m2 * lc2**2 + I2 - d2**2 / d1)
        ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]

    def rk4(self, y0):
        dt = 0.2 - 0.0
        dt2 = dt / 2.0
        k1 = self.dsdt(y0)
        k2 = self.dsdt([y + dt2 * k for y, k in zip(y0, k1)])
        k3 = self.dsdt([y + dt2 * k for y, k in zip(y0, k2)])
        k4 = self.dsdt([y + dt * k for y, k in zip(y0, k3)])
        return [y + dt / 6.0 * (a + 2 * b + 2 * c + d)
                for y, a, b, c, d in zip(y0, k1, k2, k3, k4)][:4]

    @staticmethod
    def wrap(x, m, M):
        diff = M - m
        while x > M:
            x = x - diff
        while x < m:
            x = x + diff
        return x

    def step(self, a):
        torque = [-1.0, 0.0, 1.0][a]
        ns = self.rk4(self.s + [torque])
        ns[0] = self.wrap(ns[0], -math.pi, math.pi)
        ns[1] = self.wrap(ns[1], -math.pi, math.pi)
        ns[2] = min(max(ns[2], -self.max_vel_1), self.max_vel_1)
        ns[3] = min(max(ns[3], -self.max_vel_2), self.max_vel_2)
        self.s = ns
        term = -math.cos(ns[0]) - math.cos(ns[1] + ns[0]) > 1.0
        return self.obs(), (0.0 if term else -1.0), term


class MountainCar:
    name, obs_size, action_len, max_steps = "MountainCar-v0", 2, 1, 200

    def reset(self, rng):
        self.state = [rng.uniform(-0.6, -0.4), 0.0]
        return list(self.state)

    def step(self, a):
        position, velocity = self.state
        velocity += (a - 1) * 0.001 + math.cos(3 * position) * (-0.0025)
        velocity = min(max(velocity, -0.07), 0.07)
        position += velocity
        position = min(max(position, -1.2), 0.6)
        if position == -1.2 and velocity < 0:
            velocity = 0
        term = position >= 0.5 and velocity >= 0
        self.state = [position, velocity]
        return list(self.state), -1.0, term


class Pendulum:
    name, obs_size, action_len, max_steps = "Pendulum-v1", 3, 1, 200

    def reset(self, rng):
        self.th = rng.uniform(-math.pi, math.pi)
        self.thdot = rng.uniform(-1.0, 1.0)
        return self.obs()

    def obs(self):
        return [math.cos(self.th), math.sin(self.th), self.thdot]

    def step(self, u):
        g, m, l, dt = 10.0, 1.0, 1.0, 0.05
        u = min(max(u, -2.0), 2.0)
        an = ((self.th + math.pi) % (2 * math.pi)) - math.pi
        costs = an**2 + 0.1 * self.thdot**2 + 0.001 * (u**2)
        newthdot = self.thdot + (3 * g / (2 * l) * math.sin(self.th) + 3.0 / (m * l**2) * u) * dt
        newthdot = min(max(newthdot, -8.0), 8.0)
        self.th = self.th + newthdot * dt
        self.thdot = newthdot
        return self.obs(), -costs, False


class Catch:
    name, obs_size, action_len, max_steps = "Catch", 50, 1, 0
    rows, cols = 10, 5

    def reset(self, rng):
        self.ball_x = rng.below(self.cols)
        self.ball_y = 0
        self.paddle_x = self.cols // 2
        return self.obs()

    def obs(self):
        o = [0.0] * (self.rows * self.cols)
        o[self.ball_y * self.cols + self.ball_x] = 1.0
        o[(self.rows - 1) * self.cols + self.paddle_x] = 1.0
        return o

    def step(self, a):
        self.paddle_x = min(max(self.paddle_x + a - 1, 0), self.cols - 1)
        self.ball_y += 1
        term = self.ball_y == self.rows - 1
        r = 0.0 if not term else (1.0 if self.paddle_x == self.ball_x else -1.0)
        return self.obs(), r, term


# ---- policies (their actions are recorded; C replays them) ---------------------
def random_policy(choices=None, low=None, high=None, p=None):
    def act(rnd, obs):
        if p is not None:
            return 1 if rnd.random() < p else 0
        if choices is not None:
            return rnd.randrange(choices)
        return f32(rnd.uniform(low, high))
    return act


def cartpole_controller(rnd, o):
    return 1 if o[2] + 0.5 * o[3] + 0.02 * o[0] + 0.1 * o[1] > 0 else 0


def acrobot_pump(rnd, o):
    return 2 if o[5] > 0 else 0


def mountain_car_pump(rnd, o):
    return 2 if o[1] >= 0 else 0


def always_left(rnd, o):
    return 0


def play(env, seed, policies, rnd):
    rows = []
    for k, policy in enumerate(policies):
        rng = Rng(mix64(seed, k), 0)
        obs = [f32(v) for v in env.reset(rng)]
        ep = {"reset": obs, "steps": []}
        t = 0
        while True:
            a = policy(rnd, obs)
            o, r, term = env.step(a)
            t += 1
            obs = [f32(v) for v in o]
            trunc = env.max_steps and t >= env.max_steps
            ep["steps"].append((a, obs, f32(r), int(bool(term)), int(bool(trunc))))
            if term or trunc:
                break
        rows.append(ep)
    return rows


CASES = [
    ("short_corridor", ShortCorridor(), 3, [random_policy(p=0.6), always_left]),
    ("cartpole", CartPole(), 42, [random_policy(2)] * 3),
    ("cartpole_balance", CartPole(), 8, [cartpole_controller]),
    ("cartpole_continuous", CartPoleContinuous(), 5, [random_policy(low=-1.5, high=1.5)] * 2),
    ("acrobot", Acrobot(), 11, [acrobot_pump, random_policy(3)]),
    ("mountain_car", MountainCar(), 13, [random_policy(3), mountain_car_pump]),
    ("pendulum", Pendulum(), 17, [random_policy(low=-3.0, high=3.0)]),
    ("catch", Catch(), 19, [random_policy(3)] * 4),
]


def fmt(values):
    out, line = [], []
    for v in values:
        line.append("%.9g" % v if isinstance(v, float) else str(v))
        if len(line) == 8:
            out.append("  " + ", ".join(line) + ",")
            line = []
    if line:
        out.append("  " + ", ".join(line) + ",")
    return "\n".join(out)


def main():
    rnd = random.Random(2024)
    print("/* Generated by tests/data/gen_env_refs.py: do not edit. */")
    print("#ifndef PG_ENV_REFS_H\n#define PG_ENV_REFS_H\n")
    print("typedef struct env_ref {\n  const char *env;\n  unsigned long long seed;\n"
          "  int episodes;\n  const int *ep_len;  /* steps per episode */\n"
          "  int obs_size;\n  const float *actions;  /* one per step */\n"
          "  const float *obs;  /* per episode: reset row, then one row per step */\n"
          "  const float *rewards;\n  const int *flags;  /* terminated + 2 * truncated */\n"
          "} env_ref;\n")
    table = []
    for tag, env, seed, policies in CASES:
        eps = play(env, seed, policies, rnd)
        acts, obs, rews, flags = [], [], [], []
        for ep in eps:
            obs += ep["reset"]
            for a, o, r, te, tr in ep["steps"]:
                acts.append(float(a))
                obs += o
                rews.append(r)
                flags.append(te + 2 * tr)
        lens = [len(ep["steps"]) for ep in eps]
        print("/* %s, seed %d: episode lengths %s, last flags %s */" %
              (env.name, seed, lens, [ep["steps"][-1][3] + 2 * ep["steps"][-1][4] for ep in eps]))
        print("static const int ref_%s_len[] = {%s};" % (tag, ", ".join(map(str, lens))))
        for nm, ty, vals in (("actions", "float", acts), ("obs", "float", obs),
                             ("rewards", "float", rews), ("flags", "int", flags)):
            print("static const %s ref_%s_%s[] = {\n%s\n};" % (ty, tag, nm, fmt(vals)))
        table.append('  {"%s", %dULL, %d, ref_%s_len, %d, ref_%s_actions, ref_%s_obs, '
                     "ref_%s_rewards, ref_%s_flags}," %
                     (env.name, seed, len(eps), tag, env.obs_size, tag, tag, tag, tag))
    print("\nstatic const env_ref env_refs[] = {\n%s\n};\n" % "\n".join(table))
    print("#endif")


if __name__ == "__main__":
    main()
