# blindfold_warnings(TARGET): the warning set every blindfold target builds with.
#
# -Werror is on for all of them. Exemptions, with the reason for each:
#   (none yet; dependency headers come in as SYSTEM includes through their
#   imported targets, so their own warnings do not count against us)
function(blindfold_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wconversion -Werror
    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla)
endfunction()
