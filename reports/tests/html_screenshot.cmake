# A headless Chromium screenshot of a run's report.html (label long):
#   cmake -DPAGE=FILE -DPNG=FILE -P html_screenshot.cmake
# Chromium (Debian package chromium, not installed by .ci/setup) draws the
# page at 1280 pixels wide; the screenshot must be a PNG of that width with
# enough detail to be a page and not a blank one (the tables and the SVG
# plots make it well over 100 KB; a blank page is a few KB). Without
# Chromium the test says so, and ctest reports it as skipped
# (SKIP_REGULAR_EXPRESSION in html.cmake).
find_program(CHROMIUM NAMES chromium chromium-browser)
if(NOT CHROMIUM)
  message(FATAL_ERROR "chromium not found: install the Debian package chromium to run this test")
endif()
file(REMOVE ${PNG})
execute_process(COMMAND ${CHROMIUM} --headless --no-sandbox --disable-gpu --hide-scrollbars
                        --window-size=1280,6000 --screenshot=${PNG} file://${PAGE}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT EXISTS ${PNG})
  message(FATAL_ERROR "chromium exited ${rc} without a screenshot: ${err}")
endif()
file(READ ${PNG} head LIMIT 24 HEX)
# PNG signature, then the IHDR chunk whose width is 1280 (0x500).
if(NOT head MATCHES "^89504e470d0a1a0a0000000d4948445200000500")
  message(FATAL_ERROR "not a 1280-pixel-wide PNG: ${head}")
endif()
file(SIZE ${PNG} size)
if(size LESS 100000)
  message(FATAL_ERROR "screenshot of ${size} bytes: the page looks blank")
endif()
message(STATUS "${PNG}: ${size} bytes; look at it")
