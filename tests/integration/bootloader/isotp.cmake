# The ISO-TP link on real kernel CAN: vcan, can-isotp and can-raw in a qemu
# guest running Debian's kernel, can-utils as the independent peer, tshark
# decoding the candump log on the host. Root only (apt, /boot); skipped (77) otherwise.
add_executable(isotp_driver ${CMAKE_CURRENT_LIST_DIR}/isotp_driver.cpp)
target_link_libraries(isotp_driver PRIVATE conduit_bl_isotp conduit_diag_client) # transportErrorName
set_target_properties(isotp_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
add_test(NAME bootloader.isotp_qemu COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/isotp_qemu.sh $<TARGET_FILE:isotp_driver>)
set_tests_properties(bootloader.isotp_qemu PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL ON)

# The bootloader agent over ISO-TP on real kernel CAN (same guest): conduit-ecusim's
# ISO-TP front, agentstep through the C ABI, tshark decoding UDS inside ISO-TP.
# With the benchmarks built, the run also measures TransferData against its floor (isotp_pingpong).
add_test(NAME bootloader.isotp_agent_qemu COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/isotp_agent_qemu.sh
  $<TARGET_FILE:conduit-ecusim> $<TARGET_FILE:bootloader> $<TARGET_FILE:conduit-seedkey-example> $<TARGET_FILE:agentstep>
  $<$<BOOL:${CONDUIT_BUILD_BENCH}>:$<TARGET_FILE:isotp_pingpong>>)
set_tests_properties(bootloader.isotp_agent_qemu PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL ON)
