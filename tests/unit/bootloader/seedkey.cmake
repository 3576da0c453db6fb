# The OEM seed/key interface: loading libraries (the example one and broken
# ones) and the example algorithm; security access on a scripted link.
foreach(fixture PLAIN WRONG_NAME VERSION_ZERO)
  string(TOLOWER ${fixture} f)
  string(REPLACE _ - f ${f})
  add_library(seedkey-fixture-${f} MODULE ${CMAKE_CURRENT_LIST_DIR}/seedkey-fixture.c)
  target_compile_definitions(seedkey-fixture-${f} PRIVATE SEEDKEY_FIXTURE_${fixture})
  target_link_libraries(seedkey-fixture-${f} PRIVATE Conduit::AgentApi)
  set_target_properties(seedkey-fixture-${f} PROPERTIES C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endforeach()
conduit_qt_test(bootloader seedkey LIBS conduit_bl_seedkey)
add_dependencies(tst_seedkey conduit-seedkey-example seedkey-fixture-plain seedkey-fixture-wrong-name
  seedkey-fixture-version-zero)
target_compile_definitions(tst_seedkey PRIVATE
  SEEDKEY_EXAMPLE="$<TARGET_FILE:conduit-seedkey-example>"
  SEEDKEY_PLAIN="$<TARGET_FILE:seedkey-fixture-plain>"
  SEEDKEY_WRONG_NAME="$<TARGET_FILE:seedkey-fixture-wrong-name>"
  SEEDKEY_VERSION_ZERO="$<TARGET_FILE:seedkey-fixture-version-zero>")
conduit_qt_test(bootloader securityaccess LIBS conduit_bl_seedkey)
add_dependencies(tst_securityaccess conduit-seedkey-example)
target_compile_definitions(tst_securityaccess PRIVATE SEEDKEY_EXAMPLE="$<TARGET_FILE:conduit-seedkey-example>")
