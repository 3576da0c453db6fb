# The ISO-TP link on Linux CAN_ISOTP sockets (included by CMakeLists.txt here).
add_library(conduit_bl_isotp STATIC ${CMAKE_CURRENT_LIST_DIR}/isotplink.cpp)
target_include_directories(conduit_bl_isotp PUBLIC ${CMAKE_CURRENT_LIST_DIR})
set_target_properties(conduit_bl_isotp PROPERTIES POSITION_INDEPENDENT_CODE ON
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
