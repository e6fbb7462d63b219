#include "ll_config.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *
s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    char *end = s + strlen (s);
    while (end > s && isspace ((unsigned char) end [-1]))
        *--end = 0;
    return s;
}

int
ll_config_load_file (const char *path, char *err, size_t errlen)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, errlen, "cannot open config file %s: %s", path, strerror (errno));
        return -1;
    }
    char line [4096];
    int lineno = 0;
    while (fgets (line, sizeof line, file)) {
        lineno++;
        //  A line that did not fit would be read as two: refuse it instead.
        if (!strchr (line, '\n') && fgetc (file) != EOF) {
            snprintf (err, errlen, "%s:%d: line longer than %zu characters",
                      path, lineno, sizeof line - 2);
            fclose (file);
            return -1;
        }
        char *s = s_trim (line);
        if (*s == 0 || *s == '#')
            continue;
        char *eq = strchr (s, '=');
        if (!eq || eq == s) {      // no '=', or "=value" naming no variable
            snprintf (err, errlen, "%s:%d: expected KEY=VALUE, got \"%.60s\"", path, lineno, s);
            fclose (file);
            return -1;
        }
        *eq = 0;
        char *key = s_trim (s);
        char *value = s_trim (eq + 1);
        size_t vlen = strlen (value);
        if (vlen >= 2 && (value [0] == '"' || value [0] == '\'') && value [vlen - 1] == value [0]) {
            value [vlen - 1] = 0;
            value++;
        }
        //  Set but empty counts as unset, as in ll_config_str.
        const char *current = getenv (key);
        if (!current || !*current)
            setenv (key, value, 1);
    }
    fclose (file);
    return 0;
}

const char *
ll_config_str (const char *name, const char *dflt)
{
    const char *value = getenv (name);
    return value && *value ? value : dflt;
}

long
ll_config_int (const char *name, long dflt)
{
    const char *value = getenv (name);
    if (!value || !*value)
        return dflt;
    char *end;
    errno = 0;
    long n = strtol (value, &end, 10);
    return *end || errno == ERANGE ? dflt : n;
}

bool
ll_config_bool (const char *name, bool dflt)
{
    const char *value = getenv (name);
    if (!value || !*value)
        return dflt;
    if (strcmp (value, "1") == 0 || strcasecmp (value, "true") == 0
    ||  strcasecmp (value, "yes") == 0 || strcasecmp (value, "on") == 0)
        return true;
    if (strcmp (value, "0") == 0 || strcasecmp (value, "false") == 0
    ||  strcasecmp (value, "no") == 0 || strcasecmp (value, "off") == 0)
        return false;
    return dflt;            // a typo keeps the default, as in ll_config_int
}

const char *
ll_config_db (void)
{
    return ll_config_str ("LEADLINE_DB", "host=127.0.0.1 port=55432 dbname=leadline user=leadline");
}
