#!/usr/bin/env bash
# README command 1: set up a fresh Debian machine, build, and run the
# headline demo (PAAC learning CartPole-v1 with progress, then an evaluation).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build/configure.log 2>&1 || { cat build/configure.log; exit 1; }
cmake --build build -j "$(nproc)"
./build/examples/demo "$@"
