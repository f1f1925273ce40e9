# CPACK_PROJECT_CONFIG_FILE: read by cpack before it packages. Debian
# packages install into /usr, and the library belongs in /usr/lib/<multiarch>,
# which GNUInstallDirs chooses only when the build is configured for /usr.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_PG_CONFIGURED_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "Debian packages: this build is configured for "
    "CMAKE_INSTALL_PREFIX=${CPACK_PG_CONFIGURED_PREFIX}; configure it with "
    "-DCMAKE_INSTALL_PREFIX=/usr (the library then goes to lib/<multiarch>)")
endif()
