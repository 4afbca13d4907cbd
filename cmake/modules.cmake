# One static library per module of src/, each allowed to see only the modules it lists.
#
# A module's headers are reachable as "<module>/file.hpp" only through an include directory
# of its own (build/modules/<module>, holding one link to src/<module>), which the module
# passes on to the modules that list it. So a file in src/store that includes "http/types.hpp"
# does not compile: store does not list http. tests/boundaries checks that this holds.
#
#   gd_module(NAME [USES module...] [LIBS target...] [PRIVATE_LIBS target...] [SOURCES file...])
#
# USES are modules (PUBLIC: their headers may appear in this module's headers), LIBS are
# external libraries seen by users of this module's headers, PRIVATE_LIBS are external
# libraries only this module's .cpp files include.
function(gd_module name)
  cmake_parse_arguments(M "" "" "USES;LIBS;PRIVATE_LIBS;SOURCES" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cpp)
  add_library(gd_${name} STATIC ${sources} ${M_SOURCES})
  set(include_root ${CMAKE_BINARY_DIR}/modules/${name})
  file(MAKE_DIRECTORY ${include_root})
  if(NOT EXISTS ${include_root}/${name})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${name} ${include_root}/${name} SYMBOLIC)
  endif()
  target_include_directories(gd_${name} PUBLIC ${include_root})
  foreach(dep IN LISTS M_USES)
    if(NOT TARGET gd_${dep})
      message(FATAL_ERROR "module ${name} uses ${dep}, which is not declared before it: "
                          "modules are declared bottom-up, so a use up the layers fails here")
    endif()
    target_link_libraries(gd_${name} PUBLIC gd_${dep})
  endforeach()
  target_link_libraries(gd_${name} PUBLIC ${M_LIBS} PRIVATE ${M_PRIVATE_LIBS})
endfunction()
