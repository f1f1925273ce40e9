#!/usr/bin/env bash
# Installs the Debian packages the build, the whole test suite and the demos
# need, if missing. Extra package names given as arguments are installed too.
#   required: the compilers, CMake, Check, pkg-config, python3, luajit
#   optional (the suite also builds and passes without them, see README):
#     libopenblas-dev  bench_nn's OpenBLAS comparison
#     python3-numpy    the Python binding's tests with numpy arrays
#     gnuplot-nox, python3-matplotlib
#                      the two backends of examples/plot_curves.py (plot tests)
set -euo pipefail
pkgs=(cmake make gcc clang libclang-rt-14-dev pkg-config check libsubunit-dev
      python3 luajit binutils)
pkgs+=(libopenblas-dev python3-numpy)
pkgs+=(gnuplot-nox python3-matplotlib)
pkgs+=("$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
