/*  ll_clock — the one clock every service reads, so tests and the demo can
    run a 48-hour deadline in seconds. Modes, from the environment:
      LEADLINE_CLOCK_FILE=path   time is the integer (microseconds since the
                                 epoch) in that file; tests write it to drive
                                 every process at once
      LEADLINE_CLOCK_SPEED=N     simulated time runs N times faster than real
      LEADLINE_CLOCK_ORIGIN=T    real unix seconds when the simulation began
                                 (all processes of one stack share it)
      LEADLINE_CLOCK_START=T     simulated unix seconds at the origin
      LEADLINE_CLOCK_OFFSET=S    seconds added to whatever the clock says
    With none set it is the real clock. */
#ifndef LL_CLOCK_H
#define LL_CLOCK_H
#include <stdint.h>

void ll_clock_init (void);
int64_t ll_clock_now_us (void);
//  Real milliseconds to wait for `sim_us` of simulated time to pass.
int64_t ll_clock_real_ms (int64_t sim_us);
//  Monotonic real microseconds, for measuring durations.
int64_t ll_mono_us (void);
//  Writes the time to the clock file (tests). Returns 0 or -1.
int ll_clock_file_set (const char *path, int64_t now_us);

#endif
