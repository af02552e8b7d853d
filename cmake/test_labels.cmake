# cairn_discover_tests(TARGET LABELS label...): catch_discover_tests with every label given.
# Catch's PROPERTIES cannot carry a list: its discovery script splits "kafka;unit" into LABELS
# kafka and a stray property, so a second label was silently lost. The labels are set instead by
# a small file that ctest reads after the discovered tests.
function(cairn_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LABELS")
  catch_discover_tests(${target} TEST_PREFIX "${target}: ")
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  file(WRITE ${labels_file}
       "foreach(test IN LISTS ${target}_TESTS)\n"
       "  set_tests_properties(\"\${test}\" PROPERTIES LABELS \"${arg_LABELS}\")\n"
       "endforeach()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()
