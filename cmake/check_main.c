/* The shared main() of every Check test executable.
 *
 * Each <module>/tests/test_<topic>.c defines blindfold_test_suite(); this
 * file runs it and turns the number of failures into the exit status ctest
 * reads. Tests fork (Check's default), so one crashing case is reported as a
 * failure of that case and the rest still run. */
#include "blindfold_check.h"

#include <stdlib.h>

int main(void)
{
    SRunner *runner = srunner_create(blindfold_test_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
