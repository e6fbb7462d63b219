/*  admin_org — org CSV kinds, checks and loading.

    Three passes over the parsed file:
      1. every row on its own: kind, column count, formats, ids defined twice;
      2. references (an office's district, a rep's territories, ...): defined
         in this file or already in the store; time zones known to PostgreSQL;
      3. in one transaction, kind by kind (districts first), upsert each row.
    Any error in 1 or 2 stops before the store is touched; an error in 3
    rolls everything back. Every error names FILE:LINE:COLUMN. */
#include "admin_org.h"
#include <czmq.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define MAX_SHOWN 50
#define PROGRESS_ROWS 10000

typedef enum {
    T_ID, T_OPT_ID, T_NAME, T_EMAIL, T_TZ, T_ZIP, T_CRAFT, T_PROGRAM, T_CAPACITY,
    T_WEIGHT, T_BOOL, T_TIME, T_TERRITORIES, T_PRODUCTS, T_ROLE, T_ID_LIST
} s_type_t;

typedef enum {
    K_DISTRICT, K_OFFICE, K_STATION, K_CRAFT, K_EMPLOYEE, K_REP, K_MANAGER,
    K_COORDINATOR, K_BRANCH_PRESIDENT, K_NBA, K_FALLBACK, K_COUNT
} s_kind_id_t;

typedef struct {
    const char *name;
    s_type_t type;
    int ref;                    // kind the value names, or -1
} s_col_t;

typedef struct {
    const char *name;
    const char *exists_sql;     // is this id in the store? (NULL: not referenced)
    int ncols;
    s_col_t cols [9];
} s_kind_t;

static const s_kind_t s_kinds [K_COUNT] = {
    [K_DISTRICT] = { "district", "SELECT 1 FROM org.districts WHERE id = $1", 3, {
        { "id", T_ID, -1 }, { "name", T_NAME, -1 }, { "time_zone", T_TZ, -1 } } },
    [K_OFFICE] = { "office", "SELECT 1 FROM org.offices WHERE id = $1", 4, {
        { "id", T_ID, -1 }, { "district_id", T_ID, K_DISTRICT }, { "name", T_NAME, -1 },
        { "zip", T_ZIP, -1 } } },
    [K_STATION] = { "station", "SELECT 1 FROM org.stations WHERE id = $1", 3, {
        { "id", T_ID, -1 }, { "office_id", T_ID, K_OFFICE }, { "name", T_NAME, -1 } } },
    [K_CRAFT] = { "craft", "SELECT 1 FROM org.crafts WHERE craft = $1", 2, {
        { "craft", T_CRAFT, -1 }, { "program", T_PROGRAM, -1 } } },
    [K_EMPLOYEE] = { "employee", NULL, 5, {
        { "id", T_ID, -1 }, { "station_id", T_ID, K_STATION }, { "name", T_NAME, -1 },
        { "craft", T_CRAFT, K_CRAFT }, { "email", T_EMAIL, -1 } } },
    [K_REP] = { "rep", "SELECT 1 FROM org.reps WHERE id = $1", 9, {
        { "id", T_ID, -1 }, { "name", T_NAME, -1 }, { "email", T_EMAIL, -1 },
        { "capacity", T_CAPACITY, -1 }, { "weight", T_WEIGHT, -1 },
        { "active", T_BOOL, -1 }, { "away_until", T_TIME, -1 },
        { "territories", T_TERRITORIES, -1 }, { "product_lines", T_PRODUCTS, -1 } } },
    [K_MANAGER] = { "manager", NULL, 4, {
        { "id", T_ID, -1 }, { "name", T_NAME, -1 }, { "email", T_EMAIL, -1 },
        { "district_id", T_OPT_ID, K_DISTRICT } } },
    [K_COORDINATOR] = { "coordinator", NULL, 5, {
        { "office_id", T_ID, K_OFFICE }, { "role", T_ROLE, -1 },
        { "person_id", T_ID, -1 }, { "name", T_NAME, -1 }, { "email", T_EMAIL, -1 } } },
    [K_BRANCH_PRESIDENT] = { "branch_president", NULL, 5, {
        { "id", T_ID, -1 }, { "name", T_NAME, -1 }, { "email", T_EMAIL, -1 },
        { "district_id", T_ID, K_DISTRICT }, { "offices", T_ID_LIST, K_OFFICE } } },
    [K_NBA] = { "nba", NULL, 4, {
        { "id", T_ID, -1 }, { "name", T_NAME, -1 }, { "email", T_EMAIL, -1 },
        { "districts", T_ID_LIST, K_DISTRICT } } },
    [K_FALLBACK] = { "fallback", NULL, 2, {
        { "district_id", T_ID, K_DISTRICT }, { "rep_id", T_ID, K_REP } } },
};

static const char *s_programs [] = {
    "customer_connect", "clerks_care", "mail_handlers", "rural_reach",
    "business_connect", "submit_a_lead", NULL
};
static const char *s_products [] = {
    "priority_mail", "priority_mail_express", "ground", "direct_mail", "eddm",
    "first_class", "international", "po_box", "all", NULL
};

typedef struct {
    const admin_csv_t *csv;
    FILE *err;
    int errors;
    zhashx_t *defined [K_COUNT];       // id -> line where defined (as pointer)
    int *kind_of;                      // per record: kind, or -1 (skipped)
    size_t counts [K_COUNT];
} s_import_t;

static void
s_error (s_import_t *im, int line, int col, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_error (s_import_t *im, int line, int col, const char *fmt, ...)
{
    if (im->errors++ >= MAX_SHOWN)
        return;
    fprintf (im->err, "%s:%d:%d: ", im->csv->path, line, col);
    va_list args;
    va_start (args, fmt);
    vfprintf (im->err, fmt, args);
    va_end (args);
    fputc ('\n', im->err);
}

//  The value of column `c` (0-based, after the kind), "" if the row is short.
static const char *
s_value (const admin_csv_record_t *rec, int c)
{
    return (size_t) c + 1 < rec->count ? rec->fields [c + 1] : "";
}

//  Where column `c` starts, or just past the row's end if it is missing.
static void
s_where (const admin_csv_record_t *rec, int c, int *line, int *col)
{
    size_t i = (size_t) c + 1 < rec->count ? (size_t) c + 1 : rec->count - 1;
    *line = rec->lines [i];
    *col = rec->columns [i] + ((size_t) c + 1 < rec->count ? 0 : (int) strlen (rec->fields [i]) + 1);
}

#define COL_ERROR(im, rec, kind, c, ...) do { \
    int l_, k_; s_where (rec, c, &l_, &k_); \
    char what_ [256]; snprintf (what_, sizeof what_, __VA_ARGS__); \
    s_error (im, l_, k_, "%s.%s (column %d): %s", (kind)->name, (kind)->cols [c].name, \
             (c) + 2, what_); } while (0)

static bool
s_id_ok (const char *s)
{
    size_t len = strlen (s);
    if (len == 0 || len > 32)
        return false;
    for (; *s; s++)
        if (!isalnum ((unsigned char) *s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

static bool
s_in (const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp (s, *list) == 0)
            return true;
    return false;
}

static bool
s_int_in (const char *s, long lo, long hi, long *out)
{
    if (!*s)
        return false;
    char *end;
    long v = strtol (s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool
s_bool (const char *s, bool *out)
{
    static const char *yes [] = { "yes", "y", "true", "t", "1", "active", NULL };
    static const char *no [] = { "no", "n", "false", "f", "0", "inactive", NULL };
    char low [16];
    size_t i = 0;
    for (; s [i] && i + 1 < sizeof low; i++)
        low [i] = (char) tolower ((unsigned char) s [i]);
    low [i] = 0;
    if (s_in (low, yes)) { *out = true; return true; }
    if (s_in (low, no)) { *out = false; return true; }
    return false;
}

//  YYYY-MM-DD, optionally followed by a time PostgreSQL reads.
static bool
s_time_ok (const char *s)
{
    struct tm tm = { 0 };
    const char *rest = strptime (s, "%Y-%m-%d", &tm);
    if (!rest)
        return false;
    if (*rest == 0)
        return true;
    if (*rest != ' ' && *rest != 'T')
        return false;
    for (rest++; *rest; rest++)
        if (!isdigit ((unsigned char) *rest) && !strchr (":.+-Z", *rest))
            return false;
    return true;
}

static bool
s_text_ok (const char *s, size_t max)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if ((*p & 0xc0) != 0x80)
            chars++;
    }
    return chars <= max;
}

static void
s_define (s_import_t *im, int kind, const char *id, const admin_csv_record_t *rec, int c)
{
    void *first = zhashx_lookup (im->defined [kind], id);
    if (first) {
        COL_ERROR (im, rec, &s_kinds [kind], c, "%s %s is already defined on line %d; "
                   "keep one row per %s", s_kinds [kind].name, id, (int) (intptr_t) first,
                   s_kinds [kind].name);
        return;
    }
    zhashx_insert (im->defined [kind], id, (void *) (intptr_t) rec->line);
}

//  Pass 1: one record on its own.
static void
s_check_record (s_import_t *im, size_t r)
{
    const admin_csv_record_t *rec = &im->csv->records [r];
    im->kind_of [r] = -1;
    const char *first = rec->fields [0];
    if ((rec->count == 1 && !*first) || *first == '#' || strcmp (first, "kind") == 0)
        return;          // blank line, comment, header
    int k = -1;
    for (int i = 0; i < K_COUNT; i++)
        if (strcmp (first, s_kinds [i].name) == 0)
            k = i;
    if (k < 0) {
        s_error (im, rec->line, rec->columns [0], "kind (column 1): \"%.40s\" is not a kind; "
                 "use district, office, station, craft, employee, rep, manager, "
                 "coordinator, branch_president, nba or fallback (docs/org-csv.md)", first);
        return;
    }
    const s_kind_t *kind = &s_kinds [k];
    im->kind_of [r] = k;
    im->counts [k]++;
    if (rec->count > (size_t) kind->ncols + 1) {
        int col = kind->ncols + 1;
        s_error (im, rec->lines [col], rec->columns [col], "a %s row has %d columns after "
                 "the kind (%s...); this one has %zu: quote fields that contain commas",
                 kind->name, kind->ncols, kind->cols [0].name, rec->count - 1);
        return;
    }
    for (int c = 0; c < kind->ncols; c++) {
        const char *v = s_value (rec, c);
        long n;
        bool b;
        switch (kind->cols [c].type) {
            case T_ID:
                if (!*v)
                    COL_ERROR (im, rec, kind, c, "required");
                else
                if (!s_id_ok (v))
                    COL_ERROR (im, rec, kind, c, "\"%.40s\" is not an id: use 1 to 32 "
                               "letters, digits, '-', '_' or '.'", v);
                break;
            case T_OPT_ID:
                if (*v && !s_id_ok (v))
                    COL_ERROR (im, rec, kind, c, "\"%.40s\" is not an id: use 1 to 32 "
                               "letters, digits, '-', '_' or '.'", v);
                break;
            case T_NAME:
                if (!*v)
                    COL_ERROR (im, rec, kind, c, "required");
                else
                if (!s_text_ok (v, 200))
                    COL_ERROR (im, rec, kind, c, "at most 200 characters, on one line");
                break;
            case T_EMAIL: {
                const char *at = strchr (v, '@');
                if (*v && (!at || at == v || !strchr (at, '.') || strchr (v, ' ')
                           || !s_text_ok (v, 254)))
                    COL_ERROR (im, rec, kind, c, "\"%.60s\" is not an email address "
                               "(name@example.com), or leave it empty", v);
                break;
            }
            case T_TZ:
                if (!*v)
                    COL_ERROR (im, rec, kind, c, "required: an IANA time zone such as "
                               "America/New_York");
                break;
            case T_ZIP: {
                bool ok = strlen (v) == 5 || (strlen (v) == 10 && v [5] == '-');
                for (size_t i = 0; ok && v [i]; i++)
                    ok = i == 5 ? v [i] == '-' : isdigit ((unsigned char) v [i]) != 0;
                if (*v && !ok)
                    COL_ERROR (im, rec, kind, c, "\"%.20s\" is not a ZIP code (12345 or "
                               "12345-6789)", v);
                break;
            }
            case T_CRAFT: {
                bool ok = *v && strlen (v) <= 40;
                for (const char *p = v; ok && *p; p++)
                    ok = islower ((unsigned char) *p) || isdigit ((unsigned char) *p) || *p == '_';
                if (!ok)
                    COL_ERROR (im, rec, kind, c, "\"%.40s\" is not a craft: use lower case, "
                               "digits and '_', e.g. city_carrier", v);
                break;
            }
            case T_PROGRAM:
                if (!s_in (v, s_programs))
                    COL_ERROR (im, rec, kind, c, "\"%.40s\" is not a program: use "
                               "customer_connect, clerks_care, mail_handlers, rural_reach, "
                               "business_connect or submit_a_lead", v);
                break;
            case T_CAPACITY:
                if (!s_int_in (v, 0, 100000, &n))
                    COL_ERROR (im, rec, kind, c, "must be a whole number from 0 to 100000 "
                               "(open leads at most), got \"%.20s\"", v);
                break;
            case T_WEIGHT:
                if (*v && !s_int_in (v, 1, 1000, &n))
                    COL_ERROR (im, rec, kind, c, "must be a whole number from 1 to 1000, "
                               "or empty for 1; got \"%.20s\"", v);
                break;
            case T_BOOL:
                if (*v && !s_bool (v, &b))
                    COL_ERROR (im, rec, kind, c, "use yes or no (empty means yes), got "
                               "\"%.20s\"", v);
                break;
            case T_TIME:
                if (*v && !s_time_ok (v))
                    COL_ERROR (im, rec, kind, c, "\"%.40s\" is not a date: use YYYY-MM-DD "
                               "or YYYY-MM-DD HH:MM, or leave it empty", v);
                break;
            case T_TERRITORIES: {
                char buf [4096];
                snprintf (buf, sizeof buf, "%s", v);
                char *save = NULL;
                for (char *t = strtok_r (buf, ";", &save); t; t = strtok_r (NULL, ";", &save)) {
                    char *colon = strchr (t, ':');
                    if (!colon || !s_id_ok (colon + 1)
                    ||  (strncmp (t, "office:", 7) != 0 && strncmp (t, "district:", 9) != 0)) {
                        COL_ERROR (im, rec, kind, c, "\"%.40s\" is not a territory: use "
                                   "office:ID or district:ID, separated by ';'", t);
                        break;
                    }
                }
                break;
            }
            case T_PRODUCTS: {
                char buf [1024];
                snprintf (buf, sizeof buf, "%s", v);
                char *save = NULL;
                int count = 0;
                for (char *t = strtok_r (buf, ";", &save); t; t = strtok_r (NULL, ";", &save)) {
                    count++;
                    if (!s_in (t, s_products)) {
                        COL_ERROR (im, rec, kind, c, "\"%.40s\" is not a product line: use "
                                   "priority_mail, priority_mail_express, ground, direct_mail, "
                                   "eddm, first_class, international, po_box or all, "
                                   "separated by ';'", t);
                        break;
                    }
                }
                if (count == 0)
                    COL_ERROR (im, rec, kind, c, "required: the product lines the rep "
                               "sells, separated by ';' (or all)");
                break;
            }
            case T_ROLE:
                if (strcmp (v, "union") && strcmp (v, "management"))
                    COL_ERROR (im, rec, kind, c, "use union or management, got \"%.20s\"", v);
                break;
            case T_ID_LIST: {
                char buf [4096];
                snprintf (buf, sizeof buf, "%s", v);
                char *save = NULL;
                for (char *t = strtok_r (buf, ";", &save); t; t = strtok_r (NULL, ";", &save))
                    if (!s_id_ok (t)) {
                        COL_ERROR (im, rec, kind, c, "\"%.40s\" is not an id; list ids "
                                   "separated by ';'", t);
                        break;
                    }
                break;
            }
        }
    }
    //  One row per thing: the key is the first column (coordinators: office
    //  and role).
    const char *key = s_value (rec, 0);
    if (!*key)
        return;
    if (k == K_COORDINATOR) {
        char both [128];
        snprintf (both, sizeof both, "%s/%s", key, s_value (rec, 1));
        s_define (im, k, both, rec, 0);
    }
    else
        s_define (im, k, key, rec, 0);
}

// ---------------------------------------------------------------------------
//  Pass 2: references

typedef struct {
    PGconn *conn;
    zhashx_t *known [K_COUNT];        // ids found in the store
    zhashx_t *zones;                  // PostgreSQL's time zone names
} s_store_t;

//  1 if `id` of `kind` is in the file or the store, 0 if not, -1 on error.
static int
s_exists (s_import_t *im, s_store_t *st, int kind, const char *id)
{
    if (zhashx_lookup (im->defined [kind], id) || zhashx_lookup (st->known [kind], id))
        return 1;
    const char *params [] = { id };
    PGresult *res = PQexecPrepared (st->conn, s_kinds [kind].name, 1, params, NULL, NULL, 0);
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        fprintf (im->err, "%s: cannot look up %s %s: %s", im->csv->path, s_kinds [kind].name,
                 id, PQerrorMessage (st->conn));
        PQclear (res);
        return -1;
    }
    int found = PQntuples (res) > 0;
    PQclear (res);
    if (found)
        zhashx_insert (st->known [kind], id, (void *) 1);
    return found;
}

static int
s_check_ref (s_import_t *im, s_store_t *st, const admin_csv_record_t *rec, int k, int c,
             int ref, const char *id)
{
    int found = s_exists (im, st, ref, id);
    if (found == 0)
        COL_ERROR (im, rec, &s_kinds [k], c, "%s %s is neither in this file nor in the "
                   "store: add a `%s` row for it", s_kinds [ref].name, id, s_kinds [ref].name);
    return found < 0 ? -1 : 0;
}

static int
s_check_refs (s_import_t *im, s_store_t *st)
{
    for (int k = 0; k < K_COUNT; k++)
        if (s_kinds [k].exists_sql) {
            PGresult *res = PQprepare (st->conn, s_kinds [k].name, s_kinds [k].exists_sql, 0, NULL);
            bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
            PQclear (res);
            if (!ok) {
                fprintf (im->err, "%s: the org schema is missing or old (%s): run "
                         "`leadline-intake migrate` first\n", im->csv->path,
                         PQerrorMessage (st->conn));
                return -1;
            }
        }
    PGresult *res = PQexec (st->conn, "SELECT name FROM pg_timezone_names");
    if (PQresultStatus (res) != PGRES_TUPLES_OK) {
        PQclear (res);
        fprintf (im->err, "%s: cannot read time zone names: %s", im->csv->path,
                 PQerrorMessage (st->conn));
        return -1;
    }
    for (int i = 0; i < PQntuples (res); i++)
        zhashx_insert (st->zones, PQgetvalue (res, i, 0), (void *) 1);
    PQclear (res);

    for (size_t r = 0; r < im->csv->count; r++) {
        int k = im->kind_of [r];
        if (k < 0)
            continue;
        const admin_csv_record_t *rec = &im->csv->records [r];
        const s_kind_t *kind = &s_kinds [k];
        for (int c = 0; c < kind->ncols; c++) {
            const char *v = s_value (rec, c);
            if (!*v)
                continue;
            if (kind->cols [c].type == T_TZ && !zhashx_lookup (st->zones, v))
                COL_ERROR (im, rec, kind, c, "\"%.60s\" is not a time zone PostgreSQL "
                           "knows: use an IANA name such as America/Chicago", v);
            if (kind->cols [c].type == T_TERRITORIES || kind->cols [c].type == T_ID_LIST) {
                char buf [4096];
                snprintf (buf, sizeof buf, "%s", v);
                char *save = NULL;
                for (char *t = strtok_r (buf, ";", &save); t; t = strtok_r (NULL, ";", &save)) {
                    int ref = kind->cols [c].ref;
                    const char *id = t;
                    if (kind->cols [c].type == T_TERRITORIES) {
                        char *colon = strchr (t, ':');
                        if (!colon)
                            continue;        // reported in pass 1
                        ref = strncmp (t, "office:", 7) == 0 ? K_OFFICE : K_DISTRICT;
                        id = colon + 1;
                    }
                    if (s_id_ok (id) && s_check_ref (im, st, rec, k, c, ref, id))
                        return -1;
                }
            }
            else
            if (kind->cols [c].ref >= 0 && (kind->cols [c].type == T_CRAFT || s_id_ok (v))
            &&  s_check_ref (im, st, rec, k, c, kind->cols [c].ref, v))
                return -1;
        }
    }
    return 0;
}

// ---------------------------------------------------------------------------
//  Pass 3: loading

typedef struct {
    const char *name;
    const char *sql;
} s_stmt_t;

static const s_stmt_t s_load_stmts [] = {
    { "district",
      "INSERT INTO org.districts (id, name, time_zone) VALUES ($1, $2, $3)"
      " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
      " time_zone = excluded.time_zone, updated_at = now()" },
    { "office",
      "INSERT INTO org.offices (id, district_id, name, zip) VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (id) DO UPDATE SET district_id = excluded.district_id,"
      " name = excluded.name, zip = excluded.zip, updated_at = now()" },
    { "station",
      "INSERT INTO org.stations (id, office_id, name) VALUES ($1, $2, $3)"
      " ON CONFLICT (id) DO UPDATE SET office_id = excluded.office_id,"
      " name = excluded.name, updated_at = now()" },
    { "craft",
      "INSERT INTO org.crafts (craft, program) VALUES ($1, $2)"
      " ON CONFLICT (craft) DO UPDATE SET program = excluded.program" },
    { "employee",
      "INSERT INTO org.employees (id, station_id, name, craft, email)"
      " VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (id) DO UPDATE SET station_id = excluded.station_id,"
      " name = excluded.name, craft = excluded.craft, email = excluded.email,"
      " updated_at = now()" },
    { "rep",
      "INSERT INTO org.reps (id, name, email, capacity, weight, active, away_until)"
      " VALUES ($1, $2, $3, $4::int, $5::int, $6::boolean, nullif ($7, '')::timestamptz)"
      " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
      " capacity = excluded.capacity, weight = excluded.weight, active = excluded.active,"
      " away_until = excluded.away_until, updated_at = now()" },
    { "rep_territories_clear", "DELETE FROM org.rep_territories WHERE rep_id = $1" },
    { "rep_territory",
      "INSERT INTO org.rep_territories (rep_id, scope_kind, scope_id) VALUES ($1, $2, $3)"
      " ON CONFLICT DO NOTHING" },
    { "rep_products_clear", "DELETE FROM org.rep_products WHERE rep_id = $1" },
    { "rep_product",
      "INSERT INTO org.rep_products (rep_id, product) VALUES ($1, $2) ON CONFLICT DO NOTHING" },
    { "manager",
      "INSERT INTO org.managers (id, name, email, district_id)"
      " VALUES ($1, $2, $3, nullif ($4, ''))"
      " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
      " district_id = excluded.district_id" },
    { "coordinator",
      "INSERT INTO org.coordinators (office_id, role, person_id, name, email)"
      " VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (office_id, role) DO UPDATE SET person_id = excluded.person_id,"
      " name = excluded.name, email = excluded.email" },
    { "branch_president",
      "INSERT INTO org.branch_presidents (id, name, email, district_id)"
      " VALUES ($1, $2, $3, $4)"
      " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
      " district_id = excluded.district_id" },
    { "branch_offices_clear", "DELETE FROM org.branch_offices WHERE president_id = $1" },
    { "branch_office",
      "INSERT INTO org.branch_offices (office_id, president_id) VALUES ($1, $2)"
      " ON CONFLICT (office_id) DO UPDATE SET president_id = excluded.president_id" },
    { "nba",
      "INSERT INTO org.nbas (id, name, email) VALUES ($1, $2, $3)"
      " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email" },
    { "nba_districts_clear", "DELETE FROM org.nba_districts WHERE nba_id = $1" },
    { "nba_district",
      "INSERT INTO org.nba_districts (district_id, nba_id) VALUES ($1, $2)"
      " ON CONFLICT (district_id) DO UPDATE SET nba_id = excluded.nba_id" },
    { "fallback",
      "INSERT INTO org.fallback_owners (district_id, rep_id) VALUES ($1, $2)"
      " ON CONFLICT (district_id) DO UPDATE SET rep_id = excluded.rep_id" },
};
#define N_LOAD_STMTS (sizeof s_load_stmts / sizeof s_load_stmts [0])

static int
s_run (PGconn *conn, const char *stmt, int n, const char *const *params, char *msg, size_t cap)
{
    char name [64];
    snprintf (name, sizeof name, "load_%s", stmt);
    PGresult *res = PQexecPrepared (conn, name, n, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus (res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        PQclear (res);
        return 0;
    }
    snprintf (msg, cap, "%s", PQresultErrorMessage (res));
    size_t len = strlen (msg);
    while (len && msg [len - 1] == '\n')
        msg [--len] = 0;
    PQclear (res);
    return -1;
}

//  Runs `stmt` (rep_territory, branch_office, ...) for each item of a
//  ';' list.
static int
s_run_list (PGconn *conn, const char *stmt, const char *list, const char *owner,
            bool owner_first, char *msg, size_t cap)
{
    char buf [4096];
    snprintf (buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r (buf, ";", &save); t; t = strtok_r (NULL, ";", &save)) {
        int rc;
        if (strcmp (stmt, "rep_territory") == 0) {
            char *colon = strchr (t, ':');
            *colon = 0;
            const char *params [] = { owner, t, colon + 1 };
            rc = s_run (conn, stmt, 3, params, msg, cap);
        }
        else {
            const char *params [] = { owner_first ? owner : t, owner_first ? t : owner };
            rc = s_run (conn, stmt, 2, params, msg, cap);
        }
        if (rc)
            return -1;
    }
    return 0;
}

static int
s_load_record (PGconn *conn, int k, const admin_csv_record_t *rec, char *msg, size_t cap)
{
    const char *v [9];
    for (int c = 0; c < s_kinds [k].ncols; c++)
        v [c] = s_value (rec, c);
    switch (k) {
        case K_DISTRICT: case K_STATION:
            return s_run (conn, s_kinds [k].name, 3, v, msg, cap);
        case K_OFFICE: case K_MANAGER: case K_BRANCH_PRESIDENT:
            if (s_run (conn, s_kinds [k].name, 4, v, msg, cap))
                return -1;
            if (k != K_BRANCH_PRESIDENT)
                return 0;
            return s_run (conn, "branch_offices_clear", 1, v, msg, cap)
                || s_run_list (conn, "branch_office", v [4], v [0], false, msg, cap) ? -1 : 0;
        case K_CRAFT: case K_FALLBACK:
            return s_run (conn, s_kinds [k].name, 2, v, msg, cap);
        case K_EMPLOYEE: case K_COORDINATOR:
            return s_run (conn, s_kinds [k].name, 5, v, msg, cap);
        case K_NBA:
            return s_run (conn, "nba", 3, v, msg, cap)
                || s_run (conn, "nba_districts_clear", 1, v, msg, cap)
                || s_run_list (conn, "nba_district", v [3], v [0], false, msg, cap) ? -1 : 0;
        case K_REP: {
            bool active = true;
            if (*v [5])
                s_bool (v [5], &active);
            const char *params [] = { v [0], v [1], v [2], v [3], *v [4] ? v [4] : "1",
                                      active ? "true" : "false", v [6] };
            return s_run (conn, "rep", 7, params, msg, cap)
                || s_run (conn, "rep_territories_clear", 1, v, msg, cap)
                || s_run_list (conn, "rep_territory", v [7], v [0], true, msg, cap)
                || s_run (conn, "rep_products_clear", 1, v, msg, cap)
                || s_run_list (conn, "rep_product", v [8], v [0], true, msg, cap) ? -1 : 0;
        }
    }
    return -1;
}

static int
s_load (s_import_t *im, PGconn *conn, bool dry_run, FILE *progress, size_t rows)
{
    for (size_t i = 0; i < N_LOAD_STMTS; i++) {
        char name [64];
        snprintf (name, sizeof name, "load_%s", s_load_stmts [i].name);
        PGresult *res = PQprepare (conn, name, s_load_stmts [i].sql, 0, NULL);
        bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
        PQclear (res);
        if (!ok) {
            fprintf (im->err, "%s: the org schema is missing or old (%s): run "
                     "`leadline-intake migrate` first\n", im->csv->path, PQerrorMessage (conn));
            return -1;
        }
    }
    PGresult *res = PQexec (conn, "BEGIN");
    bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    PQclear (res);
    if (!ok) {
        fprintf (im->err, "%s: cannot start a transaction: %s", im->csv->path,
                 PQerrorMessage (conn));
        return -1;
    }
    size_t done = 0;
    for (int k = 0; k < K_COUNT; k++)
        for (size_t r = 0; r < im->csv->count; r++) {
            if (im->kind_of [r] != k)
                continue;
            const admin_csv_record_t *rec = &im->csv->records [r];
            char msg [512];
            if (s_load_record (conn, k, rec, msg, sizeof msg)) {
                s_error (im, rec->line, 1, "the store refused this %s row: %s; nothing "
                         "was loaded", s_kinds [k].name, msg);
                PQclear (PQexec (conn, "ROLLBACK"));
                return 1;
            }
            if (progress && ++done % PROGRESS_ROWS == 0)
                fprintf (progress, "import: %s: loaded %zu of %zu rows (%zu%%)\n",
                         im->csv->path, done, rows, done * 100 / rows);
        }
    res = PQexec (conn, dry_run ? "ROLLBACK" : "COMMIT");
    ok = PQresultStatus (res) == PGRES_COMMAND_OK && strcmp (PQcmdStatus (res), "COMMIT") == 0;
    if (dry_run)
        ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    PQclear (res);
    if (!ok) {
        fprintf (im->err, "%s: the commit failed, nothing was loaded: %s", im->csv->path,
                 PQerrorMessage (conn));
        return -1;
    }
    return 0;
}

int
admin_org_import (PGconn *conn, const admin_csv_t *csv, bool dry_run, FILE *out,
                  FILE *err, FILE *progress)
{
    s_import_t im = { .csv = csv, .err = err };
    s_store_t st = { .conn = conn, .zones = zhashx_new () };
    for (int k = 0; k < K_COUNT; k++) {
        im.defined [k] = zhashx_new ();
        st.known [k] = zhashx_new ();
    }
    im.kind_of = calloc (csv->count ? csv->count : 1, sizeof *im.kind_of);
    assert (im.kind_of);
    bool large = csv->count >= PROGRESS_ROWS;
    FILE *prog = large ? progress : NULL;

    for (size_t r = 0; r < csv->count; r++) {
        s_check_record (&im, r);
        if (prog && (r + 1) % PROGRESS_ROWS == 0)
            fprintf (prog, "import: %s: checked %zu of %zu rows (%zu%%)\n", csv->path,
                     r + 1, csv->count, (r + 1) * 100 / csv->count);
    }
    size_t rows = 0;
    for (int k = 0; k < K_COUNT; k++)
        rows += im.counts [k];
    int rc = 0;
    if (im.errors == 0 && s_check_refs (&im, &st))
        rc = -1;
    if (rc == 0 && im.errors == 0 && rows > 0)
        rc = s_load (&im, conn, dry_run, prog, rows);
    if (im.errors) {
        if (im.errors > MAX_SHOWN)
            fprintf (err, "%s: ... and %d more errors\n", csv->path, im.errors - MAX_SHOWN);
        fprintf (err, "%s: %d error%s; nothing was loaded (a file loads all or nothing)\n",
                 csv->path, im.errors, im.errors == 1 ? "" : "s");
        rc = 1;
    }
    else
    if (rc == 0) {
        fprintf (out, "%s: %s %zu rows in one transaction:", csv->path,
                 dry_run ? "checked (dry run, nothing loaded)" : "loaded", rows);
        const char *sep = " ";
        for (int k = 0; k < K_COUNT; k++)
            if (im.counts [k]) {
                fprintf (out, "%s%zu %s", sep, im.counts [k], s_kinds [k].name);
                sep = ", ";
            }
        fprintf (out, "%s\n", rows ? "" : " the file has no rows");
    }
    for (int k = 0; k < K_COUNT; k++) {
        zhashx_destroy (&im.defined [k]);
        zhashx_destroy (&st.known [k]);
    }
    zhashx_destroy (&st.zones);
    free (im.kind_of);
    return rc;
}
