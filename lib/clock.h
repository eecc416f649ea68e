/* The wall clock, as the data layer passes times: microseconds since the
 * epoch (UTC). The one place the API reads the time of day. */
#ifndef AC_CLOCK_H
#define AC_CLOCK_H

#include <stdint.h>

int64_t ac_now_us(void);

#endif
