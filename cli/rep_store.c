/*  leadline rep prefs | dead-letters — the notifier's preferences and its
    dead-letter list, read and written in the store (LEADLINE_DB) rather
    than through the notifier: they are settings and records, and the
    notifier reads them afresh for every notification. */
#include "rep.h"
#include "ll_config.h"
#include "ll_db.h"
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGconn *
s_connect (void)
{
    PGconn *conn = ll_db_connect (ll_config_db (), 3000);
    if (!conn)
        fprintf (stderr, "leadline rep: cannot reach the store (LEADLINE_DB)\n");
    return conn;
}

//  "HH:MM" -> true
static bool
s_hhmm (const char *text, size_t len)
{
    return len == 5 && isdigit ((unsigned char) text [0]) && isdigit ((unsigned char) text [1])
        && text [2] == ':' && isdigit ((unsigned char) text [3]) && isdigit ((unsigned char) text [4])
        && atoi (text) < 24 && atoi (text + 3) < 60;
}

static void
s_prefs_usage (void)
{
    fprintf (stderr,
"usage: leadline rep prefs --person ID [--email on|off|ADDRESS] [--webhook URL|off]\n"
"                          [--quiet HH:MM-HH:MM|off] [--digest on|off|HH:MM] [--tz ZONE|district]\n"
"  --email ADDRESS turns email on to that address; on uses the address in org\n"
"  --quiet         non-urgent email and webhook sends wait until the end (local time)\n"
"  --digest        non-urgent items go out once a day, at HH:MM local (default 08:00)\n"
"  --tz            the person's time zone (IANA name); district = their district's\n"
"Breaches and escalations are urgent: they go out at once whatever is set here.\n");
}

int
rep_prefs (int argc, char **argv)
{
    const char *person = NULL, *email = NULL, *webhook = NULL, *quiet = NULL;
    const char *digest = NULL, *tz = NULL;
    static const struct option longopts [] = {
        { "person", required_argument, NULL, 'p' },
        { "email", required_argument, NULL, 'm' },
        { "webhook", required_argument, NULL, 'w' },
        { "quiet", required_argument, NULL, 'q' },
        { "digest", required_argument, NULL, 'd' },
        { "tz", required_argument, NULL, 'z' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "p:m:w:q:d:z:h", longopts, NULL)) != -1)
        switch (opt) {
            case 'p': person = optarg; break;
            case 'm': email = optarg; break;
            case 'w': webhook = optarg; break;
            case 'q': quiet = optarg; break;
            case 'd': digest = optarg; break;
            case 'z': tz = optarg; break;
            case 'h': s_prefs_usage (); return 0;
            default: s_prefs_usage (); return 2;
        }
    if (!person || optind < argc) {
        s_prefs_usage ();
        return 2;
    }
    //  Every setting is a parameter; NULL leaves the stored value alone.
    const char *p_email = NULL, *p_address = NULL, *p_webhook = NULL;
    const char *p_qset = "f", *p_qstart = NULL, *p_qend = NULL;
    const char *p_digest = NULL, *p_digest_at = NULL, *p_tz = NULL;
    char qstart [6], qend [6];
    if (email) {
        if (strcmp (email, "off") == 0)
            p_email = "f";
        else
        if (strcmp (email, "on") == 0)
            p_email = "t";
        else
        if (strchr (email, '@')) {
            p_email = "t";
            p_address = email;
        }
        else {
            fprintf (stderr, "leadline rep prefs: --email takes on, off or an address\n");
            return 2;
        }
    }
    if (webhook) {
        if (strcmp (webhook, "off") == 0)
            p_webhook = "";
        else
        if (strncmp (webhook, "http://", 7) == 0 || strncmp (webhook, "https://", 8) == 0)
            p_webhook = webhook;
        else {
            fprintf (stderr, "leadline rep prefs: --webhook takes an http:// or https:// URL, or off\n");
            return 2;
        }
    }
    if (quiet) {
        p_qset = "t";
        if (strcmp (quiet, "off") != 0) {
            const char *dash = strchr (quiet, '-');
            if (!dash || !s_hhmm (quiet, (size_t) (dash - quiet)) || !s_hhmm (dash + 1, strlen (dash + 1))) {
                fprintf (stderr, "leadline rep prefs: --quiet takes HH:MM-HH:MM, e.g. 22:00-07:00, or off\n");
                return 2;
            }
            snprintf (qstart, sizeof qstart, "%.5s", quiet);
            snprintf (qend, sizeof qend, "%.5s", dash + 1);
            p_qstart = qstart;
            p_qend = qend;
        }
    }
    if (digest) {
        if (strcmp (digest, "off") == 0)
            p_digest = "f";
        else
        if (strcmp (digest, "on") == 0)
            p_digest = "t";
        else
        if (s_hhmm (digest, strlen (digest))) {
            p_digest = "t";
            p_digest_at = digest;
        }
        else {
            fprintf (stderr, "leadline rep prefs: --digest takes on, off or HH:MM\n");
            return 2;
        }
    }
    if (tz)
        p_tz = strcmp (tz, "district") == 0 ? "" : tz;
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    int rc = 1;
    if (p_tz && *p_tz) {
        const char *params [] = { p_tz };
        if (ll_db_prepare (conn, "tz_check", "SELECT now () AT TIME ZONE $1") == 0) {
            PGresult *res = ll_db_execp (conn, "tz_check", 1, params, NULL);
            if (!res) {
                fprintf (stderr, "leadline rep prefs: unknown time zone '%s'; use an IANA name "
                                 "such as America/New_York\n", p_tz);
                goto done;
            }
            PQclear (res);
        }
    }
    if (ll_db_prepare (conn, "prefs_set",
            "INSERT INTO notifier.preferences AS p (person_id, email, email_address, webhook_url,"
            " quiet_start, quiet_end, digest, digest_at, time_zone)"
            " VALUES ($1, coalesce ($2::boolean, false), coalesce ($3, ''), coalesce ($4, ''),"
            "  $6::time, $7::time, coalesce ($8::boolean, false), coalesce ($9::time, '08:00'),"
            "  coalesce ($10, ''))"
            " ON CONFLICT (person_id) DO UPDATE SET"
            " email = coalesce ($2::boolean, p.email),"
            " email_address = coalesce ($3, p.email_address),"
            " webhook_url = coalesce ($4, p.webhook_url),"
            " quiet_start = CASE WHEN $5::boolean THEN $6::time ELSE p.quiet_start END,"
            " quiet_end = CASE WHEN $5::boolean THEN $7::time ELSE p.quiet_end END,"
            " digest = coalesce ($8::boolean, p.digest),"
            " digest_at = coalesce ($9::time, p.digest_at),"
            " time_zone = coalesce ($10, p.time_zone), updated_at = now ()")
    ||  ll_db_prepare (conn, "prefs_get",
            "SELECT email, email_address, notifier.person_email (person_id), webhook_url,"
            " coalesce (to_char (quiet_start, 'HH24:MI') || '-' || to_char (quiet_end, 'HH24:MI'), 'none'),"
            " digest, to_char (digest_at, 'HH24:MI'), notifier.person_time_zone (person_id)"
            " FROM notifier.preferences WHERE person_id = $1")) {
        fprintf (stderr, "leadline rep prefs: the notifier's tables are missing: run "
                         "`leadline-notifier migrate`\n");
        goto done;
    }
    bool change = email || webhook || quiet || digest || tz;
    if (change) {
        const char *params [] = { person, p_email, p_address, p_webhook, p_qset, p_qstart, p_qend,
                                  p_digest, p_digest_at, p_tz };
        PGresult *res = ll_db_execp (conn, "prefs_set", 10, params, NULL);
        if (!res)
            goto done;
        PQclear (res);
    }
    const char *params [] = { person };
    PGresult *res = ll_db_execp (conn, "prefs_get", 1, params, NULL);
    if (!res)
        goto done;
    if (PQntuples (res) == 0)
        printf ("%s: inbox only (no preferences set)\n", person);
    else {
        bool em = PQgetvalue (res, 0, 0) [0] == 't';
        const char *addr = PQgetvalue (res, 0, 2);
        printf ("person     %s\n", person);
        printf ("email      %s%s%s\n", em ? "on" : "off", em ? " to " : "",
                em ? (*addr ? addr : "(no address known: set one with --email ADDRESS)") : "");
        printf ("webhook    %s\n", *PQgetvalue (res, 0, 3) ? PQgetvalue (res, 0, 3) : "off");
        printf ("quiet      %s\n", PQgetvalue (res, 0, 4));
        printf ("digest     %s%s%s\n", PQgetvalue (res, 0, 5) [0] == 't' ? "daily at " : "off",
                PQgetvalue (res, 0, 5) [0] == 't' ? PQgetvalue (res, 0, 6) : "", "");
        printf ("time zone  %s\n", PQgetvalue (res, 0, 7));
    }
    PQclear (res);
    rc = 0;
done:
    PQfinish (conn);
    return rc;
}

int
rep_dead_letters (int argc, char **argv)
{
    const char *person = "";
    long limit = 100;
    static const struct option longopts [] = {
        { "person", required_argument, NULL, 'p' },
        { "limit", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "p:l:h", longopts, NULL)) != -1)
        switch (opt) {
            case 'p': person = optarg; break;
            case 'l': limit = atol (optarg); break;
            case 'h':
            default:
                fprintf (stderr, "usage: leadline rep dead-letters [--person ID] [--limit N]\n");
                return opt == 'h' ? 0 : 2;
        }
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    int rc = 1;
    char lim [24];
    snprintf (lim, sizeof lim, "%ld", limit > 0 && limit <= 100000 ? limit : 100);
    const char *params [] = { person, lim };
    PGresult *res = NULL;
    if (ll_db_prepare (conn, "dead",
            "SELECT s.id, s.person_id, s.channel, s.address, s.attempts, s.done_us, s.last_error,"
            " s.subject FROM notifier.channel_send s WHERE s.state = 'dead'"
            " AND ($1 = '' OR s.person_id = $1) ORDER BY s.done_us DESC, s.id LIMIT $2::int") == 0)
        res = ll_db_execp (conn, "dead", 2, params, NULL);
    if (!res) {
        fprintf (stderr, "leadline rep dead-letters: cannot read the list (is the notifier migrated?)\n");
        goto done;
    }
    printf ("%d dead letter%s%s\n", PQntuples (res), PQntuples (res) == 1 ? "" : "s",
            PQntuples (res) ? " (newest first):" : "");
    for (int r = 0; r < PQntuples (res); r++) {
        char when [40];
        rep_time (atoll (PQgetvalue (res, r, 5)), when, sizeof when);
        printf ("%s  %s %-7s to %s for %s after %s attempt%s\n    %s\n    last error: %s\n",
                PQgetvalue (res, r, 0), when, PQgetvalue (res, r, 2), PQgetvalue (res, r, 3),
                PQgetvalue (res, r, 1), PQgetvalue (res, r, 4),
                strcmp (PQgetvalue (res, r, 4), "1") == 0 ? "" : "s",
                PQgetvalue (res, r, 7), PQgetvalue (res, r, 6));
    }
    PQclear (res);
    rc = 0;
done:
    PQfinish (conn);
    return rc;
}
