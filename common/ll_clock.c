#include "ll_clock.h"
#include "ll_config.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *s_file;
static double s_speed = 1.0;
static double s_origin;      // real seconds
static double s_start;       // simulated seconds at origin
static int64_t s_offset_us;
static int s_ready;

static int64_t
s_real_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ll_mono_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ll_clock_init (void)
{
    s_file = ll_config_str ("LEADLINE_CLOCK_FILE", NULL);
    const char *speed = ll_config_str ("LEADLINE_CLOCK_SPEED", NULL);
    s_speed = speed ? atof (speed) : 1.0;
    if (s_speed <= 0)
        s_speed = 1.0;
    double now = (double) s_real_us () / 1e6;
    const char *origin = ll_config_str ("LEADLINE_CLOCK_ORIGIN", NULL);
    s_origin = origin ? atof (origin) : now;
    const char *start = ll_config_str ("LEADLINE_CLOCK_START", NULL);
    s_start = start ? atof (start) : s_origin;
    s_offset_us = (int64_t) (atof (ll_config_str ("LEADLINE_CLOCK_OFFSET", "0")) * 1e6);
    s_ready = 1;
}

int64_t
ll_clock_now_us (void)
{
    if (!s_ready)
        ll_clock_init ();
    if (s_file) {
        FILE *file = fopen (s_file, "r");
        long long us = 0;
        if (file) {
            if (fscanf (file, "%lld", &us) != 1)
                us = 0;
            fclose (file);
        }
        if (us > 0)
            return (int64_t) us + s_offset_us;
    }
    if (s_speed == 1.0 && s_start == s_origin)
        return s_real_us () + s_offset_us;
    double real = (double) s_real_us () / 1e6;
    double sim = s_start + (real - s_origin) * s_speed;
    return (int64_t) (sim * 1e6) + s_offset_us;
}

int64_t
ll_clock_real_ms (int64_t sim_us)
{
    if (!s_ready)
        ll_clock_init ();
    if (s_file)
        return 50;      // the file may move at any time: look again soon
    double ms = (double) sim_us / 1000.0 / s_speed;
    return ms < 0 ? 0 : (int64_t) ms;
}

int
ll_clock_file_set (const char *path, int64_t now_us)
{
    char tmp [4096];
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *file = fopen (tmp, "w");
    if (!file)
        return -1;
    fprintf (file, "%lld\n", (long long) now_us);
    if (fclose (file) != 0)
        return -1;
    return rename (tmp, path);
}
