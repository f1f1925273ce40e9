# Warning flags shared by the library, tests, examples and benchmarks.
function(pg_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -Wundef
    -Wdouble-promotion -Wno-unused-parameter)
  if(PG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Looser set for tests and examples (Check's macros trip -Wpedantic etc.).
function(pg_set_test_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wvla)
  if(PG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
