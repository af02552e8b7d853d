# Debian packages by CPack (scripts/package runs `cpack -G DEB`), one per install component:
#   cairn-broker   the broker, its systemd unit, /etc/cairn/broker.conf, the `cairn` system user
#                  and /var/lib/cairn (packaging/broker/)
#   cairn-tools    the `cairn` command-line client and `cairn-perf`
#   libcairn-dev   the SDK: headers, static libraries, the CMake package and cairn.pc
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cairn)
set(CPACK_PACKAGE_VENDOR "Cairn")
set(CPACK_PACKAGE_CONTACT "Cairn maintainers <maintainers@cairn.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "event-sourcing platform")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL broker tools dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://cairn.invalid/")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# The programs' library dependencies come from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_BROKER_PACKAGE_NAME cairn-broker)
set(CPACK_DEBIAN_BROKER_PACKAGE_SECTION net)
set(CPACK_COMPONENT_BROKER_DESCRIPTION
    "Cairn broker: a Kafka-model commit log with event streams\n\
cairn-broker stores topics of partitioned, replicated logs (Kafka's record\n\
format, Raft replication), consumer groups and per-aggregate event streams\n\
with expected-version appends. It runs as the systemd service cairn-broker,\n\
as the system user cairn, with its data in /var/lib/cairn.")
set(CPACK_DEBIAN_BROKER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_BROKER_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME cairn-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "Cairn command-line client and load generator\n\
cairn creates and inspects topics, groups and clusters, produces, consumes\n\
and appends to event streams; cairn-perf measures produce and end-to-end\n\
throughput and latency against a Cairn broker.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libcairn-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "Cairn C++ SDK: client, aggregates, projections, handlers\n\
Headers, static libraries, the CMake package (find_package(Cairn)) and a\n\
pkg-config file for Cairn's C++20 client and its event-sourcing layer:\n\
aggregates and repositories, read models in LMDB, event handlers and process\n\
managers.")
# What a user's build of the headers and static libraries needs (cmake/CairnConfig.cmake.in).
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libboost1.81-dev, libboost-json1.81-dev, libcapnp-dev, liblmdb-dev, \
libfmt-dev, pkg-config, zlib1g-dev, libsnappy-dev, liblz4-dev, libzstd-dev, libssl-dev")

# Files CPack adds to a package's documentation and manual pages are compressed at build time, as
# Debian policy wants them (gzip -n: no timestamp, so the packages are reproducible).
function(cairn_gzipped_file source output)
  add_custom_command(OUTPUT ${output}
                     COMMAND gzip -n -9 -c ${source} > ${output}
                     DEPENDS ${source})
  file(RELATIVE_PATH name ${PROJECT_BINARY_DIR} ${output})
  string(MAKE_C_IDENTIFIER "cairn_${name}" name)
  add_custom_target(${name} ALL DEPENDS ${output})
endfunction()

# Each package carries its copyright file and Debian changelog (Debian policy 12.5 and 12.7).
foreach(component broker tools dev)
  string(TOUPPER ${component} upper)
  set(package ${CPACK_DEBIAN_${upper}_PACKAGE_NAME})
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
  set(changelog ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.Debian)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/changelog.Debian.in ${changelog} @ONLY)
  cairn_gzipped_file(${changelog} ${changelog}.gz)
  install(FILES ${changelog}.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package}
          COMPONENT ${component})
  # These packages are built from the source tree, not uploaded to Debian, so there is no bug for
  # the first changelog entry to close: lintian's initial-upload-closes-no-bugs does not apply.
  set(overrides ${PROJECT_BINARY_DIR}/packaging/${package}/lintian-overrides)
  file(WRITE ${overrides} "${package}: initial-upload-closes-no-bugs\n")
  install(FILES ${overrides} DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
          RENAME ${package} COMPONENT ${component})
endforeach()

# CPack strips the programs (CPACK_STRIP_FILES); the static libraries lose their debug sections
# the same way Debian's dh_strip treats them (--strip-debug keeps the symbols a linker needs).
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    file(GLOB archives \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libcairn_*.a\")
    foreach(archive \${archives})
      execute_process(COMMAND ${CMAKE_STRIP} --strip-debug \${archive} COMMAND_ERROR_IS_FATAL ANY)
    endforeach()
  endif()" COMPONENT dev)

foreach(page broker/cairn-broker.8 tools/cairn.1 tools/cairn-perf.1)
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${name})
  set(component broker)
  if(page MATCHES "^tools/")
    set(component tools)
  endif()
  cairn_gzipped_file(${PROJECT_SOURCE_DIR}/packaging/${page} ${PROJECT_BINARY_DIR}/packaging/${name}.gz)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/${name}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${component})
endforeach()

# The broker as a system service: its unit and its configuration (a conffile); the postinst makes
# the `cairn` user and /var/lib/cairn. They go to absolute system paths, so they are left out of a
# plain `cmake --install` (EXCLUDE_FROM_ALL), which never writes outside its prefix; CPack installs
# by component, which includes them.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/broker/cairn-broker.service
        DESTINATION /lib/systemd/system COMPONENT broker EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/broker/broker.conf
        DESTINATION /etc/cairn COMPONENT broker EXCLUDE_FROM_ALL)
set(CPACK_DEBIAN_BROKER_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/broker/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/broker/postinst
    ${PROJECT_SOURCE_DIR}/packaging/broker/prerm
    ${PROJECT_SOURCE_DIR}/packaging/broker/postrm)

include(CPack)
