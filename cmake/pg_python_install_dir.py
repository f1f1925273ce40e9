"""Prints where a pure-Python module goes under an install prefix, for the
interpreter that runs this script (its own sysconfig), relative to the
prefix when it lies inside it.

usage: python3 pg_python_install_dir.py PREFIX

- Debian and Ubuntu interpreters (the deb_system scheme exists): prefix /usr
  is the distribution's own tree, lib/python3/dist-packages; any other prefix
  takes the layout of Debian's posix_local scheme, which is meant for
  /usr/local (lib/pythonX.Y/dist-packages, on /usr/bin/python3's sys.path
  for /usr/local).
- Older Debian interpreters without those schemes (dist-packages on
  sys.path): the same two rules, by hand.
- Any other interpreter (pyenv, a venv, a distribution without patches):
  its default scheme's purelib with the prefix as base
  (lib/pythonX.Y/site-packages).
Standard library only; run by the CMake install step.
"""
import os
import sys
import sysconfig


def _with_base(scheme, base):
    v = {"base": base, "platbase": base, "installed_base": base, "installed_platbase": base}
    return sysconfig.get_path("purelib", scheme, vars=v)


def module_dir(prefix):
    prefix = os.path.normpath(prefix)
    schemes = sysconfig.get_scheme_names()
    version = "python%d.%d" % sys.version_info[:2]
    debian_paths = any(p.endswith("dist-packages") for p in sys.path)
    if "deb_system" in schemes and "posix_local" in schemes:
        if prefix == "/usr":
            return _with_base("deb_system", prefix)
        local = _with_base("posix_local", "/usr")  # /usr/local/lib/pythonX.Y/dist-packages
        return os.path.join(prefix, os.path.relpath(local, "/usr/local"))
    if debian_paths and sys.prefix == sys.base_prefix:
        if prefix == "/usr":
            return os.path.join(prefix, "lib", "python3", "dist-packages")
        return os.path.join(prefix, "lib", version, "dist-packages")
    if hasattr(sysconfig, "get_default_scheme"):
        scheme = sysconfig.get_default_scheme()
    else:  # Python < 3.10
        scheme = sysconfig._get_default_scheme()  # pylint: disable=protected-access
    return _with_base(scheme, prefix)


def main(argv):
    if len(argv) != 2 or not argv[1]:
        sys.stderr.write("usage: pg_python_install_dir.py PREFIX\n")
        return 2
    prefix = os.path.normpath(os.path.abspath(argv[1]))
    path = os.path.normpath(module_dir(prefix))
    rel = os.path.relpath(path, prefix)
    print(path if rel.startswith("..") else rel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
