#!/usr/bin/env bash
# The whole test suite, as README command 2 and CI run it:
#   1. gcc, -Werror, optimised build (+ static library): ctest
#   2. clang, -Werror: build, ctest
#   2b. gcc, -Werror, every optional dependency forced off (as on a machine
#       without them, whatever this one has): build everything, ctest
#   2c. Debian packages (cpack -G DEB), checked without installing them
#       (.ci/package.sh)
#   2d. Doxygen: the API reference from include/policygrad.h, warnings as errors
#   3. gcc AddressSanitizer + UndefinedBehaviorSanitizer: ctest
#   4. clang ThreadSanitizer: the tests labelled "threads"
#   5. libFuzzer on the checkpoint loader and the API-sequence fuzzer for
#      PG_FUZZ_SECONDS each (default 30; four loader targets and fuzz_api)
#   6. the ABI against the committed baseline (abidiff on stage 1's library)
#   7. coverage: gcc --coverage build (RelWithDebInfo: the learning tests keep
#      their time limits, export_c its bit-exact comparison), ctest, gcovr on
#      lib/ (fails below PG_COVERAGE_LINES = 95 % of lines or
#      PG_COVERAGE_BRANCHES = 88 % of branches, issue 20's bar); measured 96.5 % and 88.3 %
#      (87.3 % when the stage was added); report in $PG_CI_BUILD_DIR/coverage/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
out=${PG_CI_BUILD_DIR:-build-ci}

step() { echo; echo "==== $*"; }
build() { # dir, cmake args...
  local dir=$1; shift
  cmake -S . -B "$out/$dir" -DPG_WERROR=ON "$@" > "$out/$dir.configure.log" 2>&1 \
    || { cat "$out/$dir.configure.log"; exit 1; }
  grep "PG_WITH_" "$out/$dir.configure.log" || true
  cmake --build "$out/$dir" -j "$jobs"
}
mkdir -p "$out"

step "gcc release build, -Werror"
build gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_BUILD_STATIC=ON
(cd "$out/gcc" && ctest -j "$jobs")

step "clang release build, -Werror"
build clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_BUILD_BENCH=OFF
(cd "$out/clang" && ctest -j "$jobs")

step "gcc -Werror, every optional dependency forced off (PG_ALL_OPTIONAL_OFF)"
build without -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_ALL_OPTIONAL_OFF=ON
(cd "$out/without" && ctest -j "$jobs")

step "Debian packages: cpack -G DEB, contents, Depends, a consumer against the extracted tree"
PG_PACKAGE_BUILD_DIR="$out/deb" bash .ci/package.sh

step "Doxygen API reference (target docs, every warning is an error)"
cmake -S . -B "$out/doxygen" -DPG_WITH_DOXYGEN=ON -DPG_BUILD_TESTS=OFF -DPG_BUILD_EXAMPLES=OFF \
  -DPG_BUILD_BENCH=OFF > "$out/doxygen.configure.log" 2>&1 || { cat "$out/doxygen.configure.log"; exit 1; }
cmake --build "$out/doxygen" --target docs
cmake --build "$out/doxygen" -j "$jobs" # the library, for the install check
cmake --install "$out/doxygen" --prefix "$out/doxygen/prefix" > /dev/null
test -s "$out/doxygen/prefix/share/doc/policygrad/html/index.html" \
  || { echo "ci: the API reference was not installed to share/doc/policygrad/html"; exit 1; }

step "gcc AddressSanitizer + UndefinedBehaviorSanitizer"
build asan -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug "-DPG_SANITIZE=address;undefined" \
  -DPG_BUILD_BENCH=OFF -DPG_BUILD_EXAMPLES=OFF
(cd "$out/asan" && ctest -j "$jobs")

step "clang ThreadSanitizer (threaded tests)"
build tsan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_SANITIZE=thread \
  -DPG_BUILD_BENCH=OFF -DPG_BUILD_EXAMPLES=OFF
(cd "$out/tsan" && TSAN_OPTIONS="halt_on_error=1 exitcode=66" ctest -j "$jobs" -L threads --no-tests=ignore)

step "libFuzzer: checkpoint loaders and API sequences, ${PG_FUZZ_SECONDS:-30} s each"
PG_FUZZ_BUILD_DIR="$out/fuzz" bash .ci/fuzz.sh

step "ABI baseline: abidiff against abi/libpolicygrad.abi"
cmake -DABIDIFF="$(command -v abidiff)" -DLIB="$(readlink -f "$out/gcc/libpolicygrad.so")" \
  -DBASELINE=abi/libpolicygrad.abi -DHEADERS=include -P tests/abi_check.cmake

step "coverage: gcc --coverage, ctest, gcovr on lib/"
build cov -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=--coverage \
  -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
  -DPG_BUILD_BENCH=OFF -DPG_BUILD_EXAMPLES=OFF
(cd "$out/cov" && ctest -j "$jobs" -LE "slow|mpi")
mkdir -p "$out/coverage"
gcovr --root . --filter 'lib/' --exclude 'lib/mpi/' --object-directory "$out/cov" \
  --gcov-ignore-parse-errors --print-summary --txt "$out/coverage/summary.txt" \
  --html-details "$out/coverage/index.html" \
  --fail-under-line "${PG_COVERAGE_LINES:-95}" --fail-under-branch "${PG_COVERAGE_BRANCHES:-88}" \
  || { cat "$out/coverage/summary.txt"; echo "ci: coverage of lib/ below the thresholds" \
       "(report: $out/coverage/index.html)"; exit 1; }
echo "coverage report: $out/coverage/index.html"

echo
echo "ci: all stages passed"
