# tickerd-bench's pure parts (histogram, message scanning, WebSocket framing, scenarios,
# /proc sampling, JSON/HTML results): no Beast, so unit_tests can link them cheaply. Included
# from tests/CMakeLists.txt and bench/CMakeLists.txt, whichever comes first.
if(NOT TARGET tickerd_bench_core)
  file(GLOB bench_core_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bench/load/core/*.cpp)
  add_library(tickerd_bench_core STATIC ${bench_core_sources})
  target_include_directories(tickerd_bench_core PUBLIC ${PROJECT_SOURCE_DIR}/bench)
  target_link_libraries(tickerd_bench_core PUBLIC tickerd_core tomlplusplus::tomlplusplus
    OpenSSL::Crypto)
endif()
