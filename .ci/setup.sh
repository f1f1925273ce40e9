#!/usr/bin/env bash
# Installs the Debian packages the build, the whole test suite and the demos
# need, if missing. Extra package names given as arguments are installed too.
#   required: the compilers, CMake, Check, pkg-config, python3, luajit;
#             dpkg-dev and file for the Debian packages (.ci/package.sh)
#   optional (the suite also builds and passes without them, see README):
#     libopenblas-dev  bench_nn's OpenBLAS comparison
#     python3-numpy    the Python binding's tests with numpy arrays
#     python3-pip python3-setuptools python3-wheel
#                      the offline pip install of examples/python (install_consumers)
#     doxygen          the HTML API reference (target docs; CI builds it)
#     gnuplot-nox, python3-matplotlib
#                      the two backends of examples/plot_curves.py (plot tests)
#     libmujoco-dev    the MuJoCo examples, their smoke tests, bench_sims
#     libbox2d-dev g++ the Box2D lunar lander (C++ behind a C shim), its smoke
#                      test, bench_sims
#     libopenmpi-dev openmpi-bin
#                      the MPI component libpolicygrad_mpi and its tests (label mpi)
#     abigail-tools    abidiff against the committed ABI baseline (abi/; abi_check)
#     gcovr            the coverage stage of .ci/test.sh (line/branch thresholds on lib/)
set -euo pipefail
pkgs=(cmake make gcc clang libclang-rt-14-dev pkg-config check libsubunit-dev
      python3 luajit binutils dpkg-dev file)
pkgs+=(libopenblas-dev python3-numpy python3-pip python3-setuptools python3-wheel doxygen)
pkgs+=(gnuplot-nox python3-matplotlib)
pkgs+=(libmujoco-dev libbox2d-dev g++)
pkgs+=(libopenmpi-dev openmpi-bin)
pkgs+=(abigail-tools gcovr)
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
