# The ISO-TP link on real kernel CAN: vcan, can-isotp and can-raw in a qemu
# guest running Debian's kernel, can-utils as the independent peer, tshark
# decoding the candump log on the host. Root only (apt, /boot); skipped (77) otherwise.
add_executable(isotp_driver ${CMAKE_CURRENT_LIST_DIR}/isotp_driver.cpp)
target_link_libraries(isotp_driver PRIVATE conduit_bl_isotp conduit_diag_client) # transportErrorName
set_target_properties(isotp_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
add_test(NAME bootloader.isotp_qemu COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/isotp_qemu.sh $<TARGET_FILE:isotp_driver>)
set_tests_properties(bootloader.isotp_qemu PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL ON)
