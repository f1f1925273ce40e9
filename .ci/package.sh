#!/usr/bin/env bash
# Builds the Debian packages with CPack and checks them without installing
# them into the system: names, Depends and contents (dpkg-deb -f / -c), then
# extracts them all (dpkg -x) into a scratch root and builds and runs
# tests/consumer/prog.c against the extracted tree with pkg-config and with
# find_package, and imports the Python and Lua modules from it.
#   PG_PACKAGE_BUILD_DIR  build folder (default build-deb)
# Needs dpkg-dev (dpkg-shlibdeps) and file; .ci/setup.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${PG_PACKAGE_BUILD_DIR:-build-deb}
jobs=$(nproc)
fail() { echo "package check: $*" >&2; exit 1; }

mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=Release -DPG_WERROR=ON \
  -DPG_BUILD_STATIC=ON -DPG_BUILD_TESTS=OFF -DPG_BUILD_EXAMPLES=OFF -DPG_BUILD_BENCH=OFF \
  -DPG_WITH_PYTHON=ON -DPG_WITH_LUAJIT=ON > "$dir/package-configure.log" 2>&1 \
  || { cat "$dir/package-configure.log"; exit 1; }
cmake --build "$dir" -j "$jobs"
rm -f "$dir"/*.deb
(cd "$dir" && cpack -G DEB)

version=$(sed -n 's/^#define PG_VERSION_STRING "\(.*\)"$/\1/p' include/policygrad.h)
major_minor=${version%.*}
runtime=libpolicygrad$major_minor
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg --print-architecture)
libdir=usr/lib/$multiarch
soname=libpolicygrad.so.$major_minor

deb() { # package name -> its .deb
  local f="$dir/${1}_${version}_${arch}.deb"
  [ -f "$f" ] || fail "no $f (made: $(cd "$dir" && echo ./*.deb))"
  echo "$f"
}
expect_depends() { # package, expected Depends (a regular expression)
  local got
  got=$(dpkg-deb -f "$(deb "$1")" Depends)
  [[ $got =~ ^$2$ ]] || fail "$1: Depends '$got', expected /$2/"
  echo "$1: Depends: $got"
}
expect_files() { # package, files it must hold (paths without ./)
  local pkg=$1 listing; shift
  listing=$(dpkg-deb -c "$(deb "$pkg")" | awk '{print $6}')
  for f in "$@"; do
    grep -qx "./$f" <<< "$listing" || fail "$pkg: no $f in\n$listing"
  done
  echo "$pkg: $# files present"
}

same="$runtime \\(= ${version//./\\.}\\)"
expect_depends "$runtime" 'libc6 \(>= [0-9.]+\)'
expect_depends libpolicygrad-dev "$same"
expect_depends python3-policygrad "$same, python3"
expect_depends lua-policygrad "$same, luajit"
expect_files "$runtime" "$libdir/$soname" "$libdir/libpolicygrad.so.$version"
expect_files libpolicygrad-dev usr/include/policygrad.h "$libdir/libpolicygrad.so" \
  "$libdir/libpolicygrad.a" "$libdir/pkgconfig/policygrad.pc" \
  "$libdir/cmake/policygrad/policygradConfig.cmake" \
  "$libdir/cmake/policygrad/policygradConfigVersion.cmake" \
  "$libdir/cmake/policygrad/policygradTargets.cmake"
expect_files python3-policygrad usr/lib/python3/dist-packages/policygrad.py
expect_files lua-policygrad usr/share/lua/5.1/policygrad.lua
# The MPI component, when this machine has MPI (cmake/PolicygradMPI.cmake).
if [ -f "$dir/libpolicygrad-mpi_${version}_${arch}.deb" ]; then
  expect_depends libpolicygrad-mpi "$same, libpolicygrad-dev \\(= ${version//./\\.}\\), libopenmpi-dev"
  expect_files libpolicygrad-mpi usr/include/policygrad_mpi.h "$libdir/libpolicygrad_mpi.so" \
    "$libdir/libpolicygrad_mpi.so.$major_minor" "$libdir/pkgconfig/policygrad-mpi.pc" \
    "$libdir/cmake/policygrad/policygradMpiTargets.cmake"
fi
# The runtime package alone has the shared library; the link is in -dev.
if dpkg-deb -c "$(deb "$runtime")" | awk '{print $6}' | grep -qx "./$libdir/libpolicygrad.so"; then
  fail "$runtime holds the development link libpolicygrad.so"
fi
dpkg-deb -I "$(deb "$runtime")" shlibs | grep -qx "libpolicygrad $major_minor $runtime (>= $version)" \
  || fail "$runtime: shlibs file missing or wrong"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
for p in "$runtime" libpolicygrad-dev python3-policygrad lua-policygrad; do
  dpkg -x "$(deb "$p")" "$root"
done
# The modules record the packaged library path, not the build tree's.
grep -qx "_INSTALLED_LIBRARY = \"/$libdir/$soname\"" "$root/usr/lib/python3/dist-packages/policygrad.py" \
  || fail "policygrad.py does not record /$libdir/$soname"
grep -qx "local INSTALLED_LIBRARY = \"/$libdir/$soname\"" "$root/usr/share/lua/5.1/policygrad.lua" \
  || fail "policygrad.lua does not record /$libdir/$soname"

# Programs against the extracted tree; the extracted library is not where
# the loader looks, hence LD_LIBRARY_PATH (an installed package needs none).
export LD_LIBRARY_PATH="$root/$libdir"
work="$root/work"
mkdir -p "$work"
read -ra flags <<< "$(PKG_CONFIG_PATH="$root/$libdir/pkgconfig" PKG_CONFIG_LIBDIR='' \
  pkg-config --cflags --libs policygrad)"
cc tests/consumer/prog.c "${flags[@]}" -o "$work/prog_pkgconfig"
"$work/prog_pkgconfig"
cmake -S tests/consumer -B "$work/cmake" -DCMAKE_PREFIX_PATH="$root/usr" > "$work/cmake.log" 2>&1 \
  || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake" > /dev/null
"$work/cmake/prog"
(cd "$work" && env -u POLICYGRAD_LIB /usr/bin/python3 -c "
import sys; sys.path.insert(0, '$root/usr/lib/python3/dist-packages')
import policygrad as pg
assert pg.__file__.startswith('$root'), pg.__file__
print('python3-policygrad: import ok,', pg.version(), 'from', pg.library_path)")
(cd "$work" && env -u POLICYGRAD_LIB -u POLICYGRAD_HEADER luajit -e "
package.path = '$root/usr/share/lua/5.1/?.lua;' .. package.path
local pg = require('policygrad')
assert(pg.header_path:find('^%(embedded in $root'), pg.header_path)
print('lua-policygrad: require ok, ' .. pg.version() .. ' from ' .. pg.library_path)")
echo "package check: ok (${dir}/*.deb)"
