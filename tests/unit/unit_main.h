/* The one way unit tests end: run the suite (Check frees it with the
 * runner) and turn the failure count into the exit status CTest reads. */
#ifndef AC_UNIT_MAIN_H
#define AC_UNIT_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int ac_unit_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
