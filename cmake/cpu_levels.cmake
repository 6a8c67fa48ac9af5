# The CPU kernels (engine/cpu/cpu_backend.cpp) compiled once per instruction-set level, in one
# library; engine/cpu/dispatch.cpp picks the best level the running CPU supports, once, at start-up
# (docs/backends.md, "Choosing the CPU kernels"). The rest of the library is compiled for the
# baseline.
#
# Each level is its own object file, whose every symbol but its entry point,
# ebm::cpu::<level>::backend(), is made local: the templates and inline functions it instantiates
# (Eigen's, the standard library's, ours) are compiled with that level's instructions, and must
# not be merged by the linker with the baseline copies the rest of the library uses.
#
# Sets EBM_CPU_LEVELS, the levels built, lowest first.

# name, then its compiler flags (the features dispatch.cpp checks with cpuid).
set(ebm_level_avx2 -mavx2 -mfma)
set(ebm_level_avx512 -mavx2 -mfma -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl)

set(ebm_x86_64 FALSE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(ebm_x86_64 TRUE)
endif()
# The relocatable link needs a linker that can dissolve section groups (--force-group-allocation):
# GNU ld has it, and is used even where CMake's linker is another (clang's ld.lld lacks it before
# LLVM 17).
find_program(EBM_RELOCATABLE_LINKER NAMES ld.bfd ld DOC "GNU ld, for the CPU kernel levels' relocatable links")
mark_as_advanced(EBM_RELOCATABLE_LINKER)
set(ebm_linker_dissolves_groups FALSE)
if(EBM_RELOCATABLE_LINKER)
  execute_process(COMMAND ${EBM_RELOCATABLE_LINKER} --help OUTPUT_VARIABLE ebm_linker_help ERROR_QUIET)
  if(ebm_linker_help MATCHES "--force-group-allocation")
    set(ebm_linker_dissolves_groups TRUE)
  endif()
endif()
set(ebm_can_localize FALSE)
if(ebm_x86_64 AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND CMAKE_EXECUTABLE_FORMAT STREQUAL "ELF"
   AND ebm_linker_dissolves_groups AND CMAKE_OBJCOPY)
  set(ebm_can_localize TRUE)
endif()

if(EBM_NATIVE)
  # One level, this machine's, with the whole library (CMakeLists.txt adds -march=native).
  set(EBM_CPU_LEVELS native)
  target_sources(ebm PRIVATE engine/cpu/cpu_backend.cpp)
  set_source_files_properties(engine/cpu/cpu_backend.cpp PROPERTIES COMPILE_DEFINITIONS EBM_CPU_LEVEL=native)
elseif(NOT ebm_can_localize)
  # Other architectures, and toolchains without ELF relocatable links: the baseline alone.
  set(EBM_CPU_LEVELS baseline)
  target_sources(ebm PRIVATE engine/cpu/cpu_backend.cpp)
  set_source_files_properties(engine/cpu/cpu_backend.cpp PROPERTIES COMPILE_DEFINITIONS EBM_CPU_LEVEL=baseline)
  if(ebm_x86_64)
    message(STATUS "ebm: no GNU ld (with --force-group-allocation) and objcopy found, so only baseline x86-64 CPU kernels are built")
  endif()
else()
  set(EBM_CPU_LEVELS baseline avx2 avx512)
  foreach(level IN LISTS EBM_CPU_LEVELS)
    set(objects ebm_cpu_${level})
    add_library(${objects} OBJECT engine/cpu/cpu_backend.cpp)
    target_compile_features(${objects} PRIVATE cxx_std_20)
    set_target_properties(${objects} PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON
                                                INTERPROCEDURAL_OPTIMIZATION OFF)
    target_include_directories(${objects} PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${objects} PRIVATE Eigen3::Eigen $<$<BOOL:${EBM_USES_OPENMP}>:OpenMP::OpenMP_CXX>)
    target_compile_definitions(${objects} PRIVATE EBM_CPU_LEVEL=${level})
    # Hidden by default, so that objcopy can make all but the entry point local; the static
    # variables of inline functions too (GCC would give them unique global symbols instead).
    target_compile_options(${objects} PRIVATE ${EBM_WARNINGS} ${ebm_level_${level}} -fvisibility=hidden
                                              -fvisibility-inlines-hidden $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique> -fno-lto)
    # One relocatable object per level (section groups dissolved, so that no template copy in it
    # can be swapped for another's at the final link), its hidden symbols made local.
    set(linked ${CMAKE_CURRENT_BINARY_DIR}/ebm_cpu_${level}_linked.o)
    set(localized ${CMAKE_CURRENT_BINARY_DIR}/ebm_cpu_${level}.o)
    add_custom_command(OUTPUT ${localized}
      COMMAND ${EBM_RELOCATABLE_LINKER} -r --force-group-allocation -o ${linked} $<TARGET_OBJECTS:${objects}>
      COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${linked} ${localized}
      DEPENDS $<TARGET_OBJECTS:${objects}> ${objects}
      COMMAND_EXPAND_LISTS
      COMMENT "ebm: the CPU kernels for ${level}, their symbols made local")
    target_sources(ebm PRIVATE ${localized})
  endforeach()
endif()
foreach(level IN LISTS EBM_CPU_LEVELS)
  string(TOUPPER ${level} upper)
  set_property(SOURCE engine/cpu/dispatch.cpp APPEND PROPERTY COMPILE_DEFINITIONS EBM_CPU_HAS_${upper})
endforeach()
