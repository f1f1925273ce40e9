# Helpers for files that are completed at build or install time (script
# mode: included by cmake -P scripts and by install(CODE) rules).
#
#   pg_substitute_line(IN OUT LINE REPLACEMENT)
#       writes IN to OUT with the one line equal to LINE replaced by
#       REPLACEMENT; fails when LINE is not a whole line of IN exactly once
#       (a renamed marker must break the build, not ship a module that
#       silently lost its recorded path).
#   pg_install_substituted(FILE LINE REPLACEMENT DESTINATION STAGING)
#       at install time: FILE with that line substituted (written under the
#       folder STAGING of the build tree), installed into DESTINATION
#       (absolute, or relative to CMAKE_INSTALL_PREFIX) with file(INSTALL),
#       so DESTDIR and the install manifest are honoured.
#   pg_install_module(FILE LINE REPLACEMENT LIBDIR SONAME DESTINATION STAGING)
#       pg_install_substituted with @LIBRARY@ in REPLACEMENT replaced by the
#       absolute path the installed SONAME file has for this install's
#       prefix (LIBDIR/SONAME): what a front end records to find the library.
#   pg_install_pkgconfig(PCFILE LIBDIR STAGING)
#       at install time: the .pc into LIBDIR/pkgconfig; its Libs line gets
#       -Wl,-rpath,${libdir} unless LIBDIR (for this install's prefix) is
#       one the dynamic loader searches without ldconfig's cache
#       (/lib, /usr/lib, their 32/64 and <multiarch> variants), so that
#       programs linked with it run without ldconfig or LD_LIBRARY_PATH.
#   pg_python_module_dir(PYTHON SCRIPT DIR OUT)
#       at install time: OUT = DIR, or when DIR is empty what SCRIPT
#       (cmake/pg_python_install_dir.py) run by PYTHON says for this
#       install's prefix; notes when the result is not on PYTHON's sys.path.
#   pg_installed_path(DIR OUT)
#       OUT = DIR when absolute, else CMAKE_INSTALL_PREFIX/DIR (the prefix
#       of this install, e.g. `cmake --install --prefix`, /usr under cpack).

function(pg_substitute_line in out line replacement)
  file(READ "${in}" _text)
  string(FIND "\n${_text}" "\n${line}\n" _first)
  string(FIND "\n${_text}" "\n${line}\n" _last REVERSE)
  if(_first EQUAL -1)
    message(FATAL_ERROR "${in}: no line '${line}' to substitute")
  endif()
  if(NOT _first EQUAL _last)
    message(FATAL_ERROR "${in}: the line '${line}' appears more than once")
  endif()
  string(LENGTH "${line}" _len)
  string(SUBSTRING "${_text}" 0 ${_first} _head)
  math(EXPR _tail_at "${_first} + ${_len}")
  string(SUBSTRING "${_text}" ${_tail_at} -1 _tail)
  file(WRITE "${out}" "${_head}${replacement}${_tail}")
endfunction()

function(pg_installed_path dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

function(pg_install_substituted file line replacement destination staging)
  pg_installed_path("${destination}" _dest)
  # One staging folder per destination: installs into several prefixes
  # may run at the same time from one build tree (ctest -j).
  string(MD5 _key "$ENV{DESTDIR}|${_dest}")
  get_filename_component(_name "${file}" NAME)
  set(_stage "${staging}/${_key}/${_name}")
  pg_substitute_line("${file}" "${_stage}" "${line}" "${replacement}")
  file(INSTALL DESTINATION "${_dest}" TYPE FILE FILES "${_stage}")
endfunction()

function(pg_install_pkgconfig pcfile libdir staging)
  pg_installed_path("${libdir}" _abs)
  set(_libs [[Libs: -L${libdir} -lpolicygrad]])
  if(_abs MATCHES "^/(usr/)?lib(32|64)?(/[^/]+-linux-[^/]+)?/?$")
    set(_new "${_libs}")
  else()
    set(_new "${_libs} -Wl,-rpath,\${libdir}")
  endif()
  pg_install_substituted("${pcfile}" "${_libs}" "${_new}" "${libdir}/pkgconfig" "${staging}")
endfunction()

function(pg_python_module_dir python script dir out)
  if(dir)
    set(${out} "${dir}" PARENT_SCOPE)
    return()
  endif()
  execute_process(COMMAND "${python}" "${script}" "${CMAKE_INSTALL_PREFIX}"
    OUTPUT_VARIABLE _dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(_rc OR NOT _dir)
    message(FATAL_ERROR "${python} cannot say where Python modules go under "
      "${CMAKE_INSTALL_PREFIX} (${_rc}); set PG_PYTHON_INSTALL_DIR")
  endif()
  pg_installed_path("${_dir}" _abs)
  execute_process(COMMAND "${python}" -c
      "import sys; sys.exit(0 if sys.argv[1] in sys.path else 1)" "${_abs}"
    RESULT_VARIABLE _off_path)
  if(_off_path AND "$ENV{DESTDIR}" STREQUAL "")
    message(STATUS "Note: ${_abs} is not on the sys.path of ${python}: add it to "
      "PYTHONPATH, or install into that interpreter's prefix")
  endif()
  set(${out} "${_dir}" PARENT_SCOPE)
endfunction()

function(pg_install_module file line replacement libdir soname destination staging)
  pg_installed_path("${libdir}" _libdir)
  string(REPLACE "@LIBRARY@" "${_libdir}/${soname}" _line "${replacement}")
  pg_install_substituted("${file}" "${line}" "${_line}" "${destination}" "${staging}")
endfunction()
