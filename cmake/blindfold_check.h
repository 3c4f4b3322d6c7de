/* Force-included into every Check test source (see BlindfoldTesting.cmake):
 * declares the one function each tests/test_<topic>.c must define, which
 * cmake/check_main.c runs. */
#ifndef BLINDFOLD_CHECK_H
#define BLINDFOLD_CHECK_H

#include <check.h>

Suite *blindfold_test_suite(void);

#endif
