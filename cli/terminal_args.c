/*  terminal_args — see terminal_args.h. Hand-written rather than getopt so
    it holds no global state (tests parse many command lines in one process)
    and so card flags accept the same spellings as file columns. */
#include "terminal_args.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_set_string (char **slot, const char *value)
{
    char *copy = strdup (value);
    if (!copy)
        return -1;
    free (*slot);
    *slot = copy;
    return 0;
}

static int
s_parse_int (const char *text, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (errno || end == text || *end || value < min || value > max)
        return -1;
    *out = (int) value;
    return 0;
}

void
terminal_args_clear (terminal_args_t *args)
{
    terminal_card_destroy (&args->card);
    free (args->file);
    free (args->format);
    free (args->endpoint);
    free (args->spool_dir);
    memset (args, 0, sizeof *args);
}

int
terminal_args_parse (terminal_args_t *args, int argc, char **argv, char *err, size_t errlen)
{
    memset (args, 0, sizeof *args);
    args->card = terminal_card_new ();
    //  Clients read LEADLINE_INTAKE_CONNECT, as `leadline rep` does. The
    //  service's own LEADLINE_INTAKE_ENDPOINT is taken too when it names a
    //  host (a bind address such as tcp://*:7100 is no use to a client).
    const char *endpoint = getenv ("LEADLINE_INTAKE_CONNECT");
    if (!endpoint || !*endpoint) {
        endpoint = getenv ("LEADLINE_INTAKE_ENDPOINT");
        if (endpoint && strchr (endpoint, '*'))
            endpoint = NULL;
    }
    const char *timeout = getenv ("LEADLINE_TERMINAL_TIMEOUT_MS");
    const char *station = getenv ("LEADLINE_STATION");
    const char *spool_dir = getenv ("LEADLINE_SPOOL_DIR");
    args->timeout_ms = TERMINAL_DEFAULT_TIMEOUT_MS;
    args->in_flight = TERMINAL_DEFAULT_IN_FLIGHT;
    if (!args->card
    ||  s_set_string (&args->endpoint, endpoint && *endpoint ? endpoint
                                                           : TERMINAL_DEFAULT_ENDPOINT)) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    if (spool_dir && *spool_dir && s_set_string (&args->spool_dir, spool_dir)) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    if (timeout && *timeout && s_parse_int (timeout, 1, 3600000, &args->timeout_ms)) {
        snprintf (err, errlen, "LEADLINE_TERMINAL_TIMEOUT_MS='%s' is not a number of "
                  "milliseconds between 1 and 3600000", timeout);
        return -1;
    }
    bool station_from_flag = false;
    unsigned seen = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv [i];
        if (arg [0] != '-' || arg [1] == 0) {
            //  A subcommand word, once, before anything it would change
            terminal_cmd_t cmd = TERMINAL_CMD_AUTO;
            if (strcmp (arg, "submit") == 0)
                cmd = TERMINAL_CMD_SUBMIT;
            else
            if (strcmp (arg, "interactive") == 0)
                cmd = TERMINAL_CMD_INTERACTIVE;
            else
            if (strcmp (arg, "flush") == 0)
                cmd = TERMINAL_CMD_FLUSH;
            else
            if (strcmp (arg, "spool") == 0)
                cmd = TERMINAL_CMD_SPOOL;
            else
            if (strcmp (arg, "help") == 0)
                cmd = TERMINAL_CMD_HELP;
            if (cmd == TERMINAL_CMD_AUTO) {
                snprintf (err, errlen, "unknown subcommand '%s': use submit, interactive, "
                          "flush or spool (a card's fields are flags, e.g. --zip 12345)", arg);
                return -1;
            }
            if (args->cmd != TERMINAL_CMD_AUTO && args->cmd != TERMINAL_CMD_FILE) {
                snprintf (err, errlen, "'%s' given after another subcommand: give one", arg);
                return -1;
            }
            if (args->cmd == TERMINAL_CMD_FILE && cmd != TERMINAL_CMD_SUBMIT) {
                snprintf (err, errlen, "--file sends cards; it does not go with '%s'", arg);
                return -1;
            }
            if (args->cmd != TERMINAL_CMD_FILE)
                args->cmd = cmd;
            continue;
        }
        if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0) {
            args->cmd = TERMINAL_CMD_HELP;
            return 0;
        }
        if (strcmp (arg, "-v") == 0 || strcmp (arg, "--verbose") == 0) {
            args->verbose = true;
            continue;
        }
        //  --name=value or --name value
        char name [64];
        const char *value = NULL;
        const char *body = arg [1] == '-' ? arg + 2 : arg + 1;
        const char *eq = strchr (body, '=');
        size_t name_len = eq ? (size_t) (eq - body) : strlen (body);
        if (name_len == 0 || name_len >= sizeof name) {
            snprintf (err, errlen, "unknown option '%.60s'; `leadline terminal --help` lists "
                      "them", arg);
            return -1;
        }
        memcpy (name, body, name_len);
        name [name_len] = 0;
        if (strcmp (name, "f") == 0)
            strcpy (name, "file");
        if (eq)
            value = eq + 1;
        else
        if (i + 1 < argc)
            value = argv [++i];
        else {
            snprintf (err, errlen, "option --%s needs a value, e.g. --%s VALUE", name, name);
            return -1;
        }

        if (strcmp (name, "file") == 0) {
            if (args->cmd != TERMINAL_CMD_AUTO && args->cmd != TERMINAL_CMD_SUBMIT) {
                snprintf (err, errlen, "--file sends cards; it does not go with this subcommand");
                return -1;
            }
            args->cmd = TERMINAL_CMD_FILE;
            if (s_set_string (&args->file, value))
                goto oom;
        }
        else
        if (strcmp (name, "format") == 0) {
            if (strcmp (value, "csv") != 0 && strcmp (value, "json") != 0) {
                snprintf (err, errlen, "--format must be csv or json, not '%s'", value);
                return -1;
            }
            if (s_set_string (&args->format, value))
                goto oom;
        }
        else
        if (strcmp (name, "endpoint") == 0) {
            if (s_set_string (&args->endpoint, value))
                goto oom;
        }
        else
        if (strcmp (name, "spool-dir") == 0) {
            if (s_set_string (&args->spool_dir, value))
                goto oom;
        }
        else
        if (strcmp (name, "timeout-ms") == 0) {
            if (s_parse_int (value, 1, 3600000, &args->timeout_ms)) {
                snprintf (err, errlen, "--timeout-ms must be a number of milliseconds "
                          "between 1 and 3600000, not '%s'", value);
                return -1;
            }
        }
        else
        if (strcmp (name, "in-flight") == 0) {
            if (s_parse_int (value, 1, 1000, &args->in_flight)) {
                snprintf (err, errlen, "--in-flight must be between 1 and 1000, not '%s'", value);
                return -1;
            }
        }
        else {
            int field = terminal_field_lookup (name);
            if (field < 0) {
                snprintf (err, errlen, "unknown option --%s; `leadline terminal --help` "
                          "lists them", name);
                return -1;
            }
            if (field == TERMINAL_PRODUCTS) {
                if (terminal_card_add_product (args->card, value))
                    goto oom;
            }
            else {
                if (seen & (1u << field)) {
                    snprintf (err, errlen, "--%s is given twice: give it once",
                              terminal_field_name (field));
                    return -1;
                }
                if (field == TERMINAL_KEY && !terminal_key_valid (value)) {
                    snprintf (err, errlen, "--key '%.40s' is not usable: use 8 to 128 "
                              "letters, digits, '.', '_', ':' or '-', or leave it out to get "
                              "a new one", value);
                    return -1;
                }
                if (terminal_card_set (args->card, field, value))
                    goto oom;
            }
            if (field == TERMINAL_STATION)
                station_from_flag = true;
            if (field != TERMINAL_STATION && field != TERMINAL_EMPLOYEE
            &&  !(seen & (1u << field)))
                args->n_card_flags++;
            seen |= 1u << field;
        }
    }
    if (!station_from_flag && station && *station
    &&  terminal_card_set (args->card, TERMINAL_STATION, station))
        goto oom;

    if ((args->cmd == TERMINAL_CMD_FLUSH || args->cmd == TERMINAL_CMD_SPOOL)
    &&  (args->n_card_flags || args->file)) {
        snprintf (err, errlen, "'%s' takes no card fields: it %s", args->cmd ==
                  TERMINAL_CMD_FLUSH ? "flush" : "spool", args->cmd == TERMINAL_CMD_FLUSH
                  ? "sends the cards already waiting" : "lists the cards waiting");
        return -1;
    }
    if (args->cmd == TERMINAL_CMD_FILE && terminal_card_get (args->card, TERMINAL_KEY)) {
        snprintf (err, errlen, "--key names one card; with --file give each card its own "
                  "key in a 'key' column, or leave keys out");
        return -1;
    }
    if (args->format && args->cmd != TERMINAL_CMD_FILE) {
        snprintf (err, errlen, "--format goes with --file FILE");
        return -1;
    }
    return 0;
oom:
    snprintf (err, errlen, "out of memory");
    return -1;
}
