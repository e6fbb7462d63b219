/*  ll_log — one JSON object per line on stderr, written with a single
    write() so lines from several threads never interleave. */
#include "ll_log.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char s_service [64] = "leadline";
static ll_level_t s_min_level = LL_INFO;
static const char *s_level_names [] = { "debug", "info", "warn", "error" };

void
ll_log_init (const char *service)
{
    snprintf (s_service, sizeof s_service, "%s", service);
    s_min_level = LL_INFO;      // a second init with the variable unset means info again
    const char *lvl = getenv ("LEADLINE_LOG_LEVEL");
    if (lvl)
        for (int i = LL_DEBUG; i <= LL_ERROR; i++)
            if (strcasecmp (lvl, s_level_names [i]) == 0)
                s_min_level = (ll_level_t) i;
}

size_t
ll_json_escape (char *buf, size_t len, size_t cap, const char *s)
{
    for (; s && *s && len + 7 < cap; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') {
            buf [len++] = '\\';
            buf [len++] = (char) c;
        }
        else
        if (c == '\n') { buf [len++] = '\\'; buf [len++] = 'n'; }
        else
        if (c == '\t') { buf [len++] = '\\'; buf [len++] = 't'; }
        else
        if (c < 0x20)
            len += (size_t) snprintf (buf + len, cap - len, "\\u%04x", c);
        else
            buf [len++] = (char) c;
    }
    if (len < cap)
        buf [len] = 0;
    return len;
}

void
ll_log (ll_level_t level, const char *event, const char *fmt, ...)
{
    if (level < s_min_level)
        return;
    char msg [2048];
    va_list args;
    va_start (args, fmt);
    vsnprintf (msg, sizeof msg, fmt, args);
    va_end (args);

    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    char line [4096];
    size_t len = strftime (line, sizeof line, "{\"ts\":\"%Y-%m-%dT%H:%M:%S", &tm);
    len += (size_t) snprintf (line + len, sizeof line - len,
        ".%06ldZ\",\"level\":\"%s\",\"service\":\"", (long) tv.tv_usec, s_level_names [level]);
    len = ll_json_escape (line, len, sizeof line - 16, s_service);
    len += (size_t) snprintf (line + len, sizeof line - len,
        "\",\"pid\":%d,\"event\":\"", (int) getpid ());
    len = ll_json_escape (line, len, sizeof line - 16, event);
    len += (size_t) snprintf (line + len, sizeof line - len, "\",\"msg\":\"");
    len = ll_json_escape (line, len, sizeof line - 4, msg);
    len += (size_t) snprintf (line + len, sizeof line - len, "\"}\n");
    if (len >= sizeof line)
        len = sizeof line - 1;
    ssize_t rc = write (STDERR_FILENO, line, len);
    (void) rc;
}
