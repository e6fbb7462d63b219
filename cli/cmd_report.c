/*  leadline report — the carrier, station, district and campaign reports
    on the terminal or into a file. It asks leadline-reporting over HTTP
    (LEADLINE_REPORTING_URL), or on its report socket with the person's
    CURVE key (LEADLINE_REPORTING_CONNECT), and writes what the service
    rendered: the reports are built in one place, from the roll-ups the
    service keeps. */
#include "cli.h"
#include "report_fetch.h"
#include "ll_config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_help (FILE *out)
{
    fprintf (out,
        "Usage: leadline report KIND [OPTIONS]\n\n"
        "Kinds:\n"
        "  carrier   --employee ID [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
        "            the Individual Carrier Report (default: the fiscal year so far)\n"
        "  station   --station ID [--period current|previous|YYYY-MM-DD|FY2027P03]\n"
        "            the Station Summary Report for a two-week period\n"
        "  district  --district ID [--quarter FY2027Q1|current]\n"
        "            the District Quarterly Review\n"
        "  campaign  [--fy 2027] [--target 35] [--district ID] [--name TEXT]\n"
        "            participation against the target, leads, revenue, the trend\n"
        "  published --station ID [--period FY2027P03|YYYY-MM-DD]\n"
        "            a station report as published at the end of its period\n\n"
        "Options:\n"
        "  --format text|csv|json|html   default text, or from --out's extension\n"
        "  --out FILE                    write to FILE instead of the terminal\n"
        "  --url URL                     the reporting service's HTTP port (default:\n"
        "                                LEADLINE_REPORTING_URL, else http://127.0.0.1:9103)\n"
        "  --connect ENDPOINT            ask its report socket instead (default:\n"
        "                                LEADLINE_REPORTING_CONNECT; needed when the service\n"
        "                                has CURVE keys: LEADLINE_AUTH_CLIENT_KEY_FILE is your\n"
        "                                person key, LEADLINE_AUTH_SERVER_KEY the service's)\n"
        "  --timeout SECONDS             default 30\n\n"
        "Exit status: 0 written, 1 the service refused or could not be reached, 2 usage.\n");
}

static const char *
s_format_from_name (const char *path)
{
    const char *dot = path ? strrchr (path, '.') : NULL;
    if (!dot)
        return "text";
    if (strcmp (dot, ".csv") == 0)
        return "csv";
    if (strcmp (dot, ".json") == 0)
        return "json";
    if (strcmp (dot, ".html") == 0 || strcmp (dot, ".htm") == 0)
        return "html";
    return "text";
}

//  Writes the body to `path` through a temporary file, so a failed run
//  never leaves half a report behind.
static int
s_write_file (const char *path, const char *body, size_t len)
{
    char *tmp = NULL;
    if (asprintf (&tmp, "%s.tmp.%d", path, (int) getpid ()) < 0)
        return -1;
    FILE *f = fopen (tmp, "wb");
    int rc = -1;
    if (f && fwrite (body, 1, len, f) == len && fclose (f) == 0) {
        f = NULL;
        rc = rename (tmp, path);
    }
    if (f)
        fclose (f);
    if (rc)
        unlink (tmp);
    free (tmp);
    return rc;
}

int
cmd_report (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "--help") == 0 || strcmp (argv [1], "-h") == 0) {
        s_help (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *kind = argv [1];
    if (strcmp (kind, "carrier") && strcmp (kind, "station") && strcmp (kind, "district")
    &&  strcmp (kind, "campaign") && strcmp (kind, "published")) {
        fprintf (stderr, "leadline report: no report '%s'; kinds: carrier, station, district, "
                 "campaign, published\n", kind);
        return 2;
    }
    static const struct option options [] = {
        { "employee", required_argument, NULL, 'e' }, { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' }, { "station", required_argument, NULL, 's' },
        { "period", required_argument, NULL, 'p' }, { "district", required_argument, NULL, 'd' },
        { "quarter", required_argument, NULL, 'q' }, { "fy", required_argument, NULL, 'y' },
        { "target", required_argument, NULL, 'T' }, { "name", required_argument, NULL, 'n' },
        { "format", required_argument, NULL, 'F' }, { "out", required_argument, NULL, 'o' },
        { "url", required_argument, NULL, 'u' }, { "timeout", required_argument, NULL, 'w' },
        { "connect", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    const char *employee = NULL, *from = NULL, *to = NULL, *station = NULL, *period = NULL,
               *district = NULL, *quarter = NULL, *fy = NULL, *target = NULL, *name = NULL,
               *format = NULL, *out = NULL;
    const char *base = ll_config_str ("LEADLINE_REPORTING_URL", "http://127.0.0.1:9103");
    const char *endpoint = ll_config_str ("LEADLINE_REPORTING_CONNECT", NULL);
    long timeout_s = 30;
    optind = 2;
    int c;
    while ((c = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
            case 'e': employee = optarg; break;
            case 'f': from = optarg; break;
            case 't': to = optarg; break;
            case 's': station = optarg; break;
            case 'p': period = optarg; break;
            case 'd': district = optarg; break;
            case 'q': quarter = optarg; break;
            case 'y': fy = optarg; break;
            case 'T': target = optarg; break;
            case 'n': name = optarg; break;
            case 'F': format = optarg; break;
            case 'o': out = optarg; break;
            case 'u': base = optarg; endpoint = NULL; break;
            case 'c': endpoint = optarg; break;
            case 'w': timeout_s = atol (optarg); break;
            case 'h': s_help (stdout); return 0;
            default:
                fprintf (stderr, "see `leadline report --help`\n");
                return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "leadline report: unexpected '%s'; see `leadline report --help`\n",
                 argv [optind]);
        return 2;
    }
    if (!format)
        format = s_format_from_name (out);
    //  Missing ids are for the service to explain; the CLI only needs a kind.
    char *url = NULL;
    size_t blen = strlen (base);
    if (asprintf (&url, "%.*s/reports/%s", (int) (blen && base [blen - 1] == '/' ? blen - 1 : blen),
                  base, kind) < 0)
        return 1;
    if (report_url_arg (&url, "employee", employee) || report_url_arg (&url, "from", from)
    ||  report_url_arg (&url, "to", to) || report_url_arg (&url, "station", station)
    ||  report_url_arg (&url, "period", period) || report_url_arg (&url, "district", district)
    ||  report_url_arg (&url, "quarter", quarter) || report_url_arg (&url, "fy", fy)
    ||  report_url_arg (&url, "target", target) || report_url_arg (&url, "name", name)
    ||  report_url_arg (&url, "format", format)) {
        free (url);
        return 1;
    }
    report_reply_t reply;
    long timeout_ms = (timeout_s > 0 ? timeout_s : 30) * 1000;
    const char *query = strchr (url, '?');
    int rc = endpoint ? report_fetch_socket (endpoint, kind, query ? query + 1 : "", timeout_ms, &reply)
                      : report_fetch (url, timeout_ms, &reply);
    if (rc) {
        fprintf (stderr, "leadline report: cannot reach the reporting service at %s: %s\n"
                 "hint: is leadline-reporting running? set %s\n", endpoint ? endpoint : base,
                 reply.error, endpoint ? "LEADLINE_REPORTING_CONNECT or --connect"
                                       : "LEADLINE_REPORTING_URL or --url");
        free (reply.body);
        free (url);
        return 1;
    }
    free (url);
    if (reply.status != 200) {
        fprintf (stderr, "leadline report: %s report refused (%s %ld)\n%s", kind,
                 endpoint ? "status" : "HTTP", reply.status, reply.body);
        free (reply.body);
        return 1;
    }
    if (out) {
        rc = s_write_file (out, reply.body, reply.len);
        if (rc)
            fprintf (stderr, "leadline report: cannot write %s\n", out);
    }
    else
        rc = fwrite (reply.body, 1, reply.len, stdout) == reply.len ? 0 : -1;
    free (reply.body);
    return rc ? 1 : 0;
}
