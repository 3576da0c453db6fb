# conduit_add_agent(<target>
#     ID <reverse-dns id> VERSION <version> DEVICE_TYPES <type>...
#     SOURCES <file>... [ABI <major.minor>] [OUTPUT_DIRECTORY <dir>]
#     [HEADERS <dir>] [DEVICE_NODES <path>...] [DATA_CLASSES <class>...]
#     [NEEDS <json object>])
#
# Builds an agent plugin as a shared module that exports only
# conduit_agent_entry, and writes its manifest <target>.json beside it.
#
# ABI defaults to the version of the agent.h it is built against (read from
# CONDUIT_ABI_VERSION_MAJOR/MINOR), so the manifest always says what the
# library was built for.
#
# DEVICE_NODES (manifest "devices") names the device nodes the agent's
# runner needs (e.g. /dev/video0), for its compartment; DATA_CLASSES
# (manifest "data_classes") the classes of data it captures (e.g. camera),
# for the driver's consent. Both are left out of the manifest when not given.
#
# NEEDS (manifest "needs") is the JSON object of the agent's declared needs:
# paths, network, capabilities, limits (docs/plugin-abi.md#declared-needs),
# best given as a bracket argument: NEEDS [=[{"network": {"access": "host"}}]=].
#
# HEADERS builds against <dir>/conduit/agent.h instead of this SDK's header
# (which is then not on the include path): the host's tests keep a frozen
# copy of an older agent.h to prove that plugins built against it still work.

# Reads CONDUIT_ABI_VERSION_MAJOR/MINOR of `header` into `out` ("1.0").
function(conduit_agent_header_abi header out)
  file(STRINGS ${header} abi_lines REGEX "^#define CONDUIT_ABI_VERSION_(MAJOR|MINOR) ")
  string(REGEX REPLACE ".*MAJOR ([0-9]+).*" "\\1" abi_major "${abi_lines}")
  string(REGEX REPLACE ".*MINOR ([0-9]+).*" "\\1" abi_minor "${abi_lines}")
  if(NOT "${abi_major}.${abi_minor}" MATCHES "^[0-9]+\\.[0-9]+$")
    message(FATAL_ERROR "ConduitAgentHelpers: cannot read the ABI version from ${header}")
  endif()
  set(${out} "${abi_major}.${abi_minor}" PARENT_SCOPE)
endfunction()

# The header beside this file: in the source tree, or in an installed SDK
# (<prefix>/lib[/<arch>]/cmake/ConduitAgent -> <prefix>/include).
foreach(candidate ${CMAKE_CURRENT_LIST_DIR}/../include/conduit/agent.h
                  ${CMAKE_CURRENT_LIST_DIR}/../../../include/conduit/agent.h
                  ${CMAKE_CURRENT_LIST_DIR}/../../../../include/conduit/agent.h)
  if(EXISTS ${candidate})
    conduit_agent_header_abi(${candidate} abi)
    set(CONDUIT_AGENT_HEADER_ABI "${abi}" CACHE INTERNAL "ABI version of conduit/agent.h")
    break()
  endif()
endforeach()
if(NOT CONDUIT_AGENT_HEADER_ABI)
  message(FATAL_ERROR "ConduitAgentHelpers: no conduit/agent.h near ${CMAKE_CURRENT_LIST_DIR}")
endif()

# "a", "b" from a CMake list, for the manifest.
function(conduit_agent_json_list out items)
  set(json "")
  foreach(t IN LISTS items)
    if(json)
      string(APPEND json ", ")
    endif()
    string(APPEND json "\"${t}\"")
  endforeach()
  set(${out} "${json}" PARENT_SCOPE)
endfunction()

function(conduit_add_agent target)
  cmake_parse_arguments(A "" "ID;VERSION;ABI;OUTPUT_DIRECTORY;HEADERS;NEEDS" "DEVICE_TYPES;SOURCES;DEVICE_NODES;DATA_CLASSES" ${ARGN})
  if(NOT A_ID OR NOT A_VERSION OR NOT A_DEVICE_TYPES OR NOT A_SOURCES)
    message(FATAL_ERROR "conduit_add_agent(${target}): ID, VERSION, DEVICE_TYPES and SOURCES are required")
  endif()
  add_library(${target} MODULE ${A_SOURCES})
  if(A_HEADERS)
    target_include_directories(${target} PRIVATE ${A_HEADERS})
    if(NOT A_ABI)
      conduit_agent_header_abi(${A_HEADERS}/conduit/agent.h A_ABI)
    endif()
  else()
    target_link_libraries(${target} PRIVATE Conduit::AgentApi)
  endif()
  if(NOT A_ABI)
    set(A_ABI "${CONDUIT_AGENT_HEADER_ABI}")
  endif()
  set_target_properties(${target} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--version-script=${CONDUIT_AGENT_VERSION_SCRIPT}"
    "LINKER:--no-undefined")
  if(A_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${A_OUTPUT_DIRECTORY})
  endif()
  conduit_agent_json_list(types "${A_DEVICE_TYPES}")
  set(extra "")
  if(A_DEVICE_NODES)
    conduit_agent_json_list(nodes "${A_DEVICE_NODES}")
    string(APPEND extra "  \"devices\": [${nodes}],\n")
  endif()
  if(A_DATA_CLASSES)
    conduit_agent_json_list(classes "${A_DATA_CLASSES}")
    string(APPEND extra "  \"data_classes\": [${classes}],\n")
  endif()
  if(A_NEEDS)
    string(APPEND extra "  \"needs\": ${A_NEEDS},\n")
  endif()
  file(GENERATE OUTPUT $<TARGET_FILE_DIR:${target}>/${target}.json CONTENT
"{
  \"id\": \"${A_ID}\",
  \"version\": \"${A_VERSION}\",
  \"abi\": \"${A_ABI}\",
  \"device_types\": [${types}],
${extra}  \"library\": \"$<TARGET_FILE_NAME:${target}>\"
}
")
endfunction()
