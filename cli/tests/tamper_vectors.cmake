# Writes a copy of an RFC 9605 vector file with one hex digit of one vector's
# ct changed (byte 20 of sframe[2].ct), for the `blindfold vectors` test that
# expects exactly that vector to fail.
#   cmake -DIN=rfc9605-test-vectors.json -DOUT=tampered.json -P tamper_vectors.cmake
cmake_minimum_required(VERSION 3.25)
file(READ ${IN} json)
string(JSON ct GET "${json}" sframe 2 ct)
string(SUBSTRING "${ct}" 40 1 digit)
if(digit STREQUAL "0")
  set(digit 1)
else()
  set(digit 0)
endif()
string(SUBSTRING "${ct}" 0 40 head)
string(SUBSTRING "${ct}" 41 -1 tail)
set(tampered "${head}${digit}${tail}")
# The ct is unique in the file, so exactly one string changes.
string(REPLACE "\"${ct}\"" "\"${tampered}\"" changed "${json}")
string(FIND "${changed}" "\"${tampered}\"" at)
if(changed STREQUAL json OR at EQUAL -1)
  message(FATAL_ERROR "tamper_vectors.cmake: sframe[2].ct not found in ${IN}")
endif()
file(WRITE ${OUT} "${changed}")
