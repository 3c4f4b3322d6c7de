cmake_policy(SET CMP0057 NEW)
# Renders a copy of a report folder with `blindfold report` and checks the
# page (reports/tests/html.cmake):
#   cmake -DBLINDFOLD=... -DSOURCE=DIR -DWORK=DIR [-DGNUPLOT=PATH|-DNO_GNUPLOT_ENV=ON]
#         [-DSVG_IDS=a;b] [-DSLOT_IDS=c;d] [-DEXPECT_NO_SVG=ON] [-DEXPECT_TEXT=regex;...]
#         -P html_check.cmake
# SOURCE is copied to WORK first, so tests never share a page. Checks:
#   - exit 0 and the page's path on stdout, no report.html.tmp left;
#   - well-formed: `xmllint --html --noout` prints nothing and exits 0
#     (plots are SVG in <img src="data:image/svg+xml,...">, which
#     libxml2's HTML parser accepts, unlike inline SVG elements);
#   - each SVG_IDS slot holds an <svg>, each SLOT_IDS slot exists;
#   - EXPECT_NO_SVG: no <svg anywhere; EXPECT_TEXT: each regex matches.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(GLOB inputs ${SOURCE}/report.json ${SOURCE}/*.csv)
file(COPY ${inputs} DESTINATION ${WORK})

set(env)
if(DEFINED GNUPLOT)
  set(env ${CMAKE_COMMAND} -E env "BLINDFOLD_GNUPLOT=${GNUPLOT}")
endif()
execute_process(COMMAND ${env} ${BLINDFOLD} report ${WORK}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status STREQUAL "0")
  message(FATAL_ERROR "blindfold report exited ${status}: ${err}")
endif()
if(NOT out STREQUAL "${WORK}/report.html\n")
  message(FATAL_ERROR "stdout should be the page's path, got: ${out}")
endif()
if(EXISTS ${WORK}/report.html.tmp)
  message(FATAL_ERROR "report.html.tmp left behind")
endif()
set(page ${WORK}/report.html)

execute_process(COMMAND xmllint --html --noout ${page}
  RESULT_VARIABLE status OUTPUT_VARIABLE html_out ERROR_VARIABLE html_err)
if(NOT status STREQUAL "0" OR NOT "${html_out}${html_err}" STREQUAL "")
  message(FATAL_ERROR "not well-formed HTML (xmllint --html):\n${html_out}${html_err}")
endif()

file(READ ${page} html)
string(LENGTH "${html}" size)
if(html MATCHES "(src|href)=\"(https?:)?//")
  message(FATAL_ERROR "the page fetches something: ${CMAKE_MATCH_0}")
endif()
foreach(id IN LISTS SVG_IDS SLOT_IDS)
  string(FIND "${html}" "<div class=\"plot\" id=\"${id}\">" at)
  if(at LESS 0)
    message(FATAL_ERROR "no plot slot ${id}")
  endif()
  if(id IN_LIST SVG_IDS)
    string(SUBSTRING "${html}" ${at} -1 rest)
    string(FIND "${rest}" "</div>" end)
    string(SUBSTRING "${rest}" 0 ${end} slot)
    if(NOT slot MATCHES "<svg")
      string(SUBSTRING "${slot}" 0 400 head)
      message(FATAL_ERROR "plot slot ${id} has no SVG: ${head}")
    endif()
  endif()
endforeach()
if(EXPECT_NO_SVG AND html MATCHES "<svg")
  message(FATAL_ERROR "the page has an <svg> although it should have no plots")
endif()
foreach(regex IN LISTS EXPECT_TEXT)
  if(NOT html MATCHES "${regex}")
    message(FATAL_ERROR "the page does not match '${regex}'")
  endif()
endforeach()
list(LENGTH SVG_IDS n_svg)
message(STATUS "${page}: ${size} bytes, ${n_svg} plots checked")
