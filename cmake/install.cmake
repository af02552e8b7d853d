# Install rules: the SDK's public headers and static libraries with the Cairn CMake package
# (find_package(Cairn) → Cairn::client, Cairn::es, ...), a pkg-config file for the client, and the
# programs that were built. CPack (cmake/package.cmake) splits them into Debian packages by
# component: dev (libcairn-dev), broker (cairn-broker), tools (cairn-tools).
include(CMakePackageConfigHelpers)

set(CAIRN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Cairn)

get_property(cairn_libraries GLOBAL PROPERTY CAIRN_INSTALLED_LIBRARIES)
install(TARGETS ${cairn_libraries}
        EXPORT CairnTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Every public header lives under a cairn/ directory of one of these include roots; nothing under
# them includes a private or generated header (tests/install checks each one alone).
foreach(root base/include eventstore/lmdb/include protocol/include sdk/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${root}/cairn
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
          FILES_MATCHING PATTERN "*.h")
endforeach()
install(EXPORT CairnTargets NAMESPACE Cairn:: DESTINATION ${CAIRN_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/CairnConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/CairnConfig.cmake
                              INSTALL_DESTINATION ${CAIRN_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/CairnConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/CairnConfig.cmake ${PROJECT_BINARY_DIR}/CairnConfigVersion.cmake
        DESTINATION ${CAIRN_CMAKE_DIR} COMPONENT dev)

# pkg-config for the client library alone (cairn.pc), for builds that do not use CMake.
# Relocatable: the prefix is found from the file's own place, so the same file serves an install
# prefix, the Debian package (/usr) and a package extracted anywhere.
file(RELATIVE_PATH CAIRN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/cairn.pc.in ${PROJECT_BINARY_DIR}/cairn.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cairn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)

if(TARGET cairn-broker)
  install(TARGETS cairn-broker RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT broker)
endif()
foreach(tool cairn cairn-perf)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
  endif()
endforeach()
