# conduit_add_agent(<target>
#     ID <reverse-dns id> VERSION <version> DEVICE_TYPES <type>...
#     SOURCES <file>... [ABI <major.minor>] [OUTPUT_DIRECTORY <dir>])
#
# Builds an agent plugin as a shared module that exports only
# conduit_agent_entry, and writes its manifest <target>.json beside it.
function(conduit_add_agent target)
  cmake_parse_arguments(A "" "ID;VERSION;ABI;OUTPUT_DIRECTORY" "DEVICE_TYPES;SOURCES" ${ARGN})
  if(NOT A_ID OR NOT A_VERSION OR NOT A_DEVICE_TYPES OR NOT A_SOURCES)
    message(FATAL_ERROR "conduit_add_agent(${target}): ID, VERSION, DEVICE_TYPES and SOURCES are required")
  endif()
  if(NOT A_ABI)
    set(A_ABI "1.0")
  endif()
  add_library(${target} MODULE ${A_SOURCES})
  target_link_libraries(${target} PRIVATE Conduit::AgentApi)
  set_target_properties(${target} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--version-script=${CONDUIT_AGENT_VERSION_SCRIPT}"
    "LINKER:--no-undefined")
  if(A_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${A_OUTPUT_DIRECTORY})
  endif()
  set(types "")
  foreach(t IN LISTS A_DEVICE_TYPES)
    if(types)
      string(APPEND types ", ")
    endif()
    string(APPEND types "\"${t}\"")
  endforeach()
  file(GENERATE OUTPUT $<TARGET_FILE_DIR:${target}>/${target}.json CONTENT
"{
  \"id\": \"${A_ID}\",
  \"version\": \"${A_VERSION}\",
  \"abi\": \"${A_ABI}\",
  \"device_types\": [${types}],
  \"library\": \"$<TARGET_FILE_NAME:${target}>\"
}
")
endfunction()
