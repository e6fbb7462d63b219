/*  admin_keys — see admin_keys.h. A key pair is written as FILE (public,
    shareable) and FILE_secret (mode 0600, created under umask 077 so it is
    never readable by others, not even for a moment); only the public key
    goes to the store. Secrets are never printed. */
#include "admin_keys.h"
#include "ll_auth.h"
#include "ll_config.h"
#include "ll_db.h"
#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "Usage: leadline admin keys generate --kind terminal|person|service --subject ID --out FILE\n"
        "       leadline admin keys list\n"
        "       leadline admin keys revoke [--] PUBLIC_KEY | --subject ID\n\n"
        "generate  writes a CURVE key pair: FILE (public) and FILE_secret (mode 0600),\n"
        "          and registers the public key for ID (a station id for a terminal,\n"
        "          a person id, or a service name)\n"
        "list      every registered key with its kind, subject and state\n"
        "revoke    refuses the key (or every key of ID) from now on; live connections\n"
        "          are cut off within seconds\n\n"
        "Environment:\n"
        "  LEADLINE_DB   PostgreSQL connection string (docs/configuration.md)\n\n"
        "Exit status: 0 done, 1 failure, 2 usage.\n");
}

static void
s_quiet (void *arg, const char *message)
{
}

static PGconn *
s_connect (void)
{
    PGconn *conn = PQconnectdb (ll_config_db ());
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "leadline admin keys: cannot connect to PostgreSQL: %s"
                 "(set LEADLINE_DB to a working connection string)\n", PQerrorMessage (conn));
        PQfinish (conn);
        return NULL;
    }
    PQsetNoticeProcessor (conn, s_quiet, NULL);   // migrate's IF NOT EXISTS notices
    if (ll_auth_migrate (conn)) {
        fprintf (stderr, "leadline admin keys: cannot create the key registry (schema auth)\n");
        PQfinish (conn);
        return NULL;
    }
    return conn;
}

static int
s_generate (int argc, char **argv)
{
    const char *kind = NULL, *subject = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp (argv [i], "--kind") ? &kind
                          : !strcmp (argv [i], "--subject") ? &subject
                          : !strcmp (argv [i], "--out") ? &out : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf (stderr, "leadline admin keys generate: %s %s\n\n", argv [i],
                     slot ? "needs a value" : "is not an option");
            s_usage (stderr);
            return 2;
        }
        *slot = argv [++i];
    }
    if (!kind || !subject || !out || !*subject) {
        fprintf (stderr, "leadline admin keys generate: --kind, --subject and --out are "
                 "required\n\n");
        s_usage (stderr);
        return 2;
    }
    if (strcmp (kind, "terminal") && strcmp (kind, "person") && strcmp (kind, "service")) {
        fprintf (stderr, "leadline admin keys generate: --kind is terminal, person or "
                 "service, not '%s'\n", kind);
        return 2;
    }
    char secret [4096];
    snprintf (secret, sizeof secret, "%s_secret", out);
    struct stat st;
    if (stat (out, &st) == 0 || stat (secret, &st) == 0) {
        fprintf (stderr, "leadline admin keys generate: %s or %s exists; choose another "
                 "--out (keys are never overwritten)\n", out, secret);
        return 1;
    }
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    zcert_t *cert = zcert_new ();
    zcert_set_meta (cert, "kind", "%s", kind);
    zcert_set_meta (cert, "subject", "%s", subject);
    mode_t old = umask (077);
    int saved = zcert_save (cert, out);
    umask (old);
    chmod (out, 0644);                 // the public half may be shared
    int rc = 1;
    if (saved) {
        fprintf (stderr, "leadline admin keys generate: cannot write %s\n", out);
        goto done;
    }
    chmod (secret, 0600);
    const char *params [] = { zcert_public_txt (cert), kind, subject };
    PGresult *res = ll_db_query (conn, "INSERT INTO auth.keys (public_key, kind, subject) "
                                 "VALUES ($1, $2, $3)", 3, params, NULL);
    if (res) {
        printf ("%s %s %s\nwrote %s and %s (keep the secret file mode 0600)\n",
                zcert_public_txt (cert), kind, subject, out, secret);
        rc = 0;
    }
    else {
        fprintf (stderr, "leadline admin keys generate: could not register the key; "
                 "removing %s and %s\n", out, secret);
        remove (out);
        remove (secret);
    }
    PQclear (res);
done:
    zcert_destroy (&cert);
    PQfinish (conn);
    return rc;
}

static int
s_list (void)
{
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    PGresult *res = ll_db_query (conn,
        "SELECT public_key, kind, subject, to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), "
        "coalesce(to_char(revoked_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), '') "
        "FROM auth.keys ORDER BY kind, subject, created_at", 0, NULL, NULL);
    int rc = res ? 0 : 1;
    if (res) {
        printf ("%-40s  %-8s  %-16s  %-22s  %s\n", "PUBLIC_KEY", "KIND", "SUBJECT",
                "CREATED", "REVOKED");
        for (int i = 0; i < PQntuples (res); i++)
            printf ("%-40s  %-8s  %-16s  %-22s  %s\n", PQgetvalue (res, i, 0),
                    PQgetvalue (res, i, 1), PQgetvalue (res, i, 2), PQgetvalue (res, i, 3),
                    *PQgetvalue (res, i, 4) ? PQgetvalue (res, i, 4) : "-");
    }
    PQclear (res);
    PQfinish (conn);
    return rc;
}

static int
s_revoke (int argc, char **argv)
{
    bool by_subject = argc == 3 && !strcmp (argv [1], "--subject");
    //  A Z85 key may begin with '-': a 40-character argument is a key, and
    //  `revoke -- KEY` works as usual.
    if (argc == 3 && !strcmp (argv [1], "--")) {
        argv++;
        argc--;
    }
    bool by_key = argc == 2 && (argv [1][0] != '-' || strlen (argv [1]) == 40);
    if (!by_key && !by_subject) {
        fprintf (stderr, "leadline admin keys revoke: name one PUBLIC_KEY or --subject ID\n\n");
        s_usage (stderr);
        return 2;
    }
    PGconn *conn = s_connect ();
    if (!conn)
        return 1;
    const char *params [] = { argv [argc - 1] };
    PGresult *res = ll_db_query (conn, by_subject
        ? "UPDATE auth.keys SET revoked_at = now() WHERE subject = $1 AND revoked_at IS NULL"
        : "UPDATE auth.keys SET revoked_at = now() WHERE public_key = $1 AND revoked_at IS NULL",
        1, params, NULL);
    int rc = 1;
    if (res) {
        int n = atoi (PQcmdTuples (res));
        if (n == 0)
            fprintf (stderr, "leadline admin keys revoke: no live key %s %s; "
                     "`leadline admin keys list` shows them\n",
                     by_subject ? "for subject" : "matches", argv [argc - 1]);
        else {
            printf ("revoked %d key%s; connections using %s are refused within seconds\n",
                    n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
            rc = 0;
        }
    }
    PQclear (res);
    PQfinish (conn);
    return rc;
}

int
admin_keys (int argc, char **argv)
{
    if (argc < 2 || !strcmp (argv [1], "--help") || !strcmp (argv [1], "-h")) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp (argv [1], "generate"))
        return s_generate (argc - 1, argv + 1);
    if (!strcmp (argv [1], "list") && argc == 2)
        return s_list ();
    if (!strcmp (argv [1], "revoke"))
        return s_revoke (argc - 1, argv + 1);
    fprintf (stderr, "leadline admin keys: unknown command '%s'\n\n", argv [1]);
    s_usage (stderr);
    return 2;
}
