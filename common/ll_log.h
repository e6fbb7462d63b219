/*  ll_log — structured JSON-lines logging to stderr.
    One line per record: {"ts":"...","level":"info","service":"intake",
    "event":"relay.start","msg":"..."}. `event` is a short stable key that
    scripts can match; `msg` is for the person reading it. */
#ifndef LL_LOG_H
#define LL_LOG_H
#include <stddef.h>

typedef enum { LL_DEBUG = 0, LL_INFO, LL_WARN, LL_ERROR } ll_level_t;

//  Names the service in every record; reads LEADLINE_LOG_LEVEL
//  (debug|info|warn|error, default info).
void ll_log_init (const char *service);

void ll_log (ll_level_t level, const char *event, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

#define ll_debug(ev, ...) ll_log (LL_DEBUG, ev, __VA_ARGS__)
#define ll_info(ev, ...)  ll_log (LL_INFO, ev, __VA_ARGS__)
#define ll_warn(ev, ...)  ll_log (LL_WARN, ev, __VA_ARGS__)
#define ll_error(ev, ...) ll_log (LL_ERROR, ev, __VA_ARGS__)

//  Appends `s` to `buf` (capacity `cap`) as JSON string contents, escaped.
//  Returns the new length; output is always NUL-terminated and truncated.
size_t ll_json_escape (char *buf, size_t len, size_t cap, const char *s);

#endif
