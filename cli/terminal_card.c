/*  terminal_card — a lead card as text, its parsers and its encoding.
    See terminal_card.h. Names for programs and products are matched after
    folding case and punctuation, so "Clerks' Care", "clerks_care" and
    "PROGRAM_CLERKS_CARE" all mean clerks-care: clerks copy from paper. */
#include "terminal_card.h"
#include "ll_envelope.h"
#include "ll_uuid.h"
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct _terminal_card_t {
    char *value [TERMINAL_N_FIELDS];
    int line;
};

typedef struct {
    const char *name;          // flag and column name
    const char *label;         // for the clerk
    const char *path;          // intake's FieldError path
    const char *aliases;       // folded spellings, space separated
} s_field_info_t;

static const s_field_info_t s_fields [TERMINAL_N_FIELDS] = {
    [TERMINAL_STATION]   = { "station", "Station", "card.station_id",
                             "station stationid stationno stationnumber" },
    [TERMINAL_EMPLOYEE]  = { "employee", "Employee ID", "card.employee_id",
                             "employee employeeid employeeno employeenumber emplid" },
    [TERMINAL_PROGRAM]   = { "program", "Program", "card.program", "program" },
    [TERMINAL_CARD_TIME] = { "card-time", "Card completed", "card.card_completed_us",
                             "cardtime cardcompleted cardcompletedat completed completedat" },
    [TERMINAL_BUSINESS]  = { "business", "Business name", "card.business.name",
                             "business businessname company companyname" },
    [TERMINAL_ADDRESS]   = { "address", "Business address", "card.business.address",
                             "address businessaddress street streetaddress" },
    [TERMINAL_ZIP]       = { "zip", "ZIP code", "card.business.zip",
                             "zip zipcode businesszip postalcode" },
    [TERMINAL_CONTACT]   = { "contact", "Contact name", "card.contact.name",
                             "contact contactname" },
    [TERMINAL_PHONE]     = { "phone", "Contact phone", "card.contact.phone",
                             "phone contactphone telephone phonenumber" },
    [TERMINAL_EMAIL]     = { "email", "Contact email", "card.contact.email",
                             "email contactemail emailaddress" },
    [TERMINAL_PRODUCTS]  = { "products", "Products of interest", "card.products",
                             "products product" },
    [TERMINAL_NOTES]     = { "notes", "Notes", "card.notes", "notes note comments" },
    [TERMINAL_KEY]       = { "key", "Idempotency key", "idempotency_key",
                             "key idempotencykey" },
};

typedef struct {
    int value;
    const char *name;
    const char *aliases;       // folded, space separated
} s_enum_name_t;

static const s_enum_name_t s_programs [] = {
    { LEADLINE__V1__PROGRAM__PROGRAM_CUSTOMER_CONNECT, "customer-connect", "" },
    { LEADLINE__V1__PROGRAM__PROGRAM_CLERKS_CARE, "clerks-care", "clerk-care" },
    { LEADLINE__V1__PROGRAM__PROGRAM_MAIL_HANDLERS, "mail-handlers", "mail-handler" },
    { LEADLINE__V1__PROGRAM__PROGRAM_RURAL_REACH, "rural-reach", "" },
    { LEADLINE__V1__PROGRAM__PROGRAM_BUSINESS_CONNECT, "business-connect", "" },
    { LEADLINE__V1__PROGRAM__PROGRAM_SUBMIT_A_LEAD, "submit-a-lead", "submit-lead" },
};

static const s_enum_name_t s_products [] = {
    { LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL, "priority-mail", "pm" },
    { LEADLINE__V1__PRODUCT__PRODUCT_PRIORITY_MAIL_EXPRESS, "priority-mail-express",
      "pme express priority-express" },
    { LEADLINE__V1__PRODUCT__PRODUCT_GROUND, "ground",
      "parcel parcels ground-advantage usps-ground-advantage parcel-select" },
    { LEADLINE__V1__PRODUCT__PRODUCT_DIRECT_MAIL, "direct-mail", "" },
    { LEADLINE__V1__PRODUCT__PRODUCT_EDDM, "eddm", "every-door-direct-mail" },
    { LEADLINE__V1__PRODUCT__PRODUCT_FIRST_CLASS, "first-class", "first-class-mail fcm" },
    { LEADLINE__V1__PRODUCT__PRODUCT_INTERNATIONAL, "international", "intl" },
    { LEADLINE__V1__PRODUCT__PRODUCT_PO_BOX, "po-box", "pobox post-office-box box" },
};
#define N_PROGRAMS (sizeof s_programs / sizeof s_programs [0])
#define N_PRODUCTS (sizeof s_products / sizeof s_products [0])

//  --------------------------------------------------------------------------
//  The card

terminal_card_t *
terminal_card_new (void)
{
    return calloc (1, sizeof (terminal_card_t));
}

void
terminal_card_destroy (terminal_card_t **self_p)
{
    if (self_p && *self_p) {
        terminal_card_t *self = *self_p;
        for (int i = 0; i < TERMINAL_N_FIELDS; i++)
            free (self->value [i]);
        free (self);
        *self_p = NULL;
    }
}

terminal_card_t *
terminal_card_dup (const terminal_card_t *self)
{
    terminal_card_t *copy = terminal_card_new ();
    if (!copy)
        return NULL;
    copy->line = self->line;
    for (int i = 0; i < TERMINAL_N_FIELDS; i++)
        if (self->value [i] && terminal_card_set (copy, i, self->value [i])) {
            terminal_card_destroy (&copy);
            return NULL;
        }
    return copy;
}

int
terminal_card_set (terminal_card_t *self, terminal_field_t field, const char *value)
{
    assert (field >= 0 && field < TERMINAL_N_FIELDS);
    char *copy = NULL;
    if (value && *value && !(copy = strdup (value)))
        return -1;
    free (self->value [field]);
    self->value [field] = copy;
    return 0;
}

int
terminal_card_add_product (terminal_card_t *self, const char *value)
{
    if (!value || !*value)
        return 0;
    const char *have = self->value [TERMINAL_PRODUCTS];
    if (!have)
        return terminal_card_set (self, TERMINAL_PRODUCTS, value);
    char *joined;
    if (asprintf (&joined, "%s,%s", have, value) < 0)
        return -1;
    free (self->value [TERMINAL_PRODUCTS]);
    self->value [TERMINAL_PRODUCTS] = joined;
    return 0;
}

const char *
terminal_card_get (const terminal_card_t *self, terminal_field_t field)
{
    assert (field >= 0 && field < TERMINAL_N_FIELDS);
    return self->value [field];
}

void
terminal_card_set_line (terminal_card_t *self, int line)
{
    self->line = line;
}

int
terminal_card_line (const terminal_card_t *self)
{
    return self->line;
}

void
terminal_card_fill (terminal_card_t *self, const terminal_card_t *defaults)
{
    if (!defaults)
        return;
    for (int i = 0; i < TERMINAL_N_FIELDS; i++)
        if (!self->value [i] && defaults->value [i])
            terminal_card_set (self, i, defaults->value [i]);
}

//  --------------------------------------------------------------------------
//  Field names

const char *
terminal_field_name (terminal_field_t field)
{
    return field >= 0 && field < TERMINAL_N_FIELDS ? s_fields [field].name : "?";
}

const char *
terminal_field_label (terminal_field_t field)
{
    return field >= 0 && field < TERMINAL_N_FIELDS ? s_fields [field].label : "?";
}

const char *
terminal_field_path (terminal_field_t field)
{
    return field >= 0 && field < TERMINAL_N_FIELDS ? s_fields [field].path : "?";
}

//  Folds a name to lower-case letters and digits, dropping everything else:
//  "Business Name" and "business_name" both become "businessname".
static void
s_fold_compact (const char *text, char *out, size_t len)
{
    size_t n = 0;
    for (const char *s = text; *s && n + 1 < len; s++)
        if (isalnum ((unsigned char) *s))
            out [n++] = (char) tolower ((unsigned char) *s);
    out [n] = 0;
}

//  True if `word` is one of the space-separated words in `list`.
static bool
s_in_list (const char *list, const char *word)
{
    size_t wlen = strlen (word);
    if (wlen == 0)
        return false;
    const char *s = list;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *end = strchr (s, ' ');
        size_t n = end ? (size_t) (end - s) : strlen (s);
        if (n == wlen && memcmp (s, word, n) == 0)
            return true;
        s += n;
    }
    return false;
}

int
terminal_field_lookup (const char *name)
{
    char folded [64];
    if (!name || strlen (name) >= sizeof folded)
        return -1;
    s_fold_compact (name, folded, sizeof folded);
    for (int i = 0; i < TERMINAL_N_FIELDS; i++)
        if (s_in_list (s_fields [i].aliases, folded))
            return i;
    return -1;
}

//  Strips "submit_lead." and "card." from an intake path, and any [index].
static void
s_path_core (const char *path, char *out, size_t len)
{
    if (strncmp (path, "submit_lead.", 12) == 0)
        path += 12;
    if (strncmp (path, "card.", 5) == 0)
        path += 5;
    size_t n = 0;
    for (const char *s = path; *s && n + 1 < len; s++) {
        if (*s == '[') {
            const char *close = strchr (s, ']');
            if (close) {
                s = close;
                continue;
            }
        }
        out [n++] = *s;
    }
    out [n] = 0;
}

static unsigned
s_all_card_fields (void)
{
    return ((1u << TERMINAL_N_FIELDS) - 1) & ~(1u << TERMINAL_KEY);
}

unsigned
terminal_fields_for_path (const char *path)
{
    if (!path || !*path)
        return s_all_card_fields ();
    char core [128];
    s_path_core (path, core, sizeof core);
    if (strcmp (core, "business") == 0)
        return 1u << TERMINAL_BUSINESS | 1u << TERMINAL_ADDRESS | 1u << TERMINAL_ZIP;
    if (strcmp (core, "contact") == 0)
        return 1u << TERMINAL_CONTACT | 1u << TERMINAL_PHONE | 1u << TERMINAL_EMAIL;
    unsigned mask = 0;
    for (int i = 0; i < TERMINAL_N_FIELDS; i++) {
        char field_core [128];
        s_path_core (s_fields [i].path, field_core, sizeof field_core);
        if (strcmp (core, field_core) == 0)
            mask |= 1u << i;
    }
    if (!mask) {
        int field = terminal_field_lookup (core);
        if (field >= 0)
            mask = 1u << field;
    }
    return mask ? mask : s_all_card_fields ();
}

const char *
terminal_path_name (const char *path)
{
    if (!path || !*path)
        return "card";
    unsigned mask = terminal_fields_for_path (path);
    for (int i = 0; i < TERMINAL_N_FIELDS; i++)
        if (mask == 1u << i)
            return s_fields [i].name;
    if (strncmp (path, "card.", 5) == 0 && path [5])
        return path + 5;
    return path;
}

//  --------------------------------------------------------------------------
//  Problems

void
terminal_problem_add (terminal_problems_t *problems, terminal_field_t field,
                      const char *code, const char *hint, const char *fmt, ...)
{
    if (!problems || problems->count >= TERMINAL_PROBLEM_MAX)
        return;
    terminal_problem_t *problem = &problems->items [problems->count++];
    problem->field = field;
    snprintf (problem->code, sizeof problem->code, "%s", code);
    snprintf (problem->hint, sizeof problem->hint, "%s", hint ? hint : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (problem->message, sizeof problem->message, fmt, args);
    va_end (args);
}

static void
s_problem_set (terminal_problem_t *problem, terminal_field_t field, const char *code,
               const char *message, const char *hint)
{
    if (!problem)
        return;
    problem->field = field;
    snprintf (problem->code, sizeof problem->code, "%s", code);
    snprintf (problem->message, sizeof problem->message, "%s", message);
    snprintf (problem->hint, sizeof problem->hint, "%s", hint);
}

//  --------------------------------------------------------------------------
//  Programs and products

//  Folds an enum spelling: lower case, dots and apostrophes dropped, any
//  other run of non-alphanumerics becomes one '-', and a leading
//  "program-" or "product-" (the protobuf enum names) is removed.
static void
s_fold_enum (const char *text, char *out, size_t len)
{
    size_t n = 0;
    bool dash = false;
    for (const char *s = text; *s && n + 2 < len; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '.' || c == '\'')
            continue;
        if (isalnum (c)) {
            if (dash && n > 0)
                out [n++] = '-';
            dash = false;
            out [n++] = (char) tolower (c);
        }
        else
            dash = true;
    }
    out [n] = 0;
    const char *prefixes [] = { "program-", "product-" };
    for (size_t i = 0; i < 2; i++) {
        size_t plen = strlen (prefixes [i]);
        if (strncmp (out, prefixes [i], plen) == 0)
            memmove (out, out + plen, strlen (out + plen) + 1);
    }
}

static int
s_enum_lookup (const s_enum_name_t *names, size_t count, const char *text)
{
    char folded [64];
    if (!text || strlen (text) >= sizeof folded)
        return -1;
    s_fold_enum (text, folded, sizeof folded);
    for (size_t i = 0; i < count; i++) {
        char name_folded [64];
        s_fold_enum (names [i].name, name_folded, sizeof name_folded);
        if (strcmp (folded, name_folded) == 0 || s_in_list (names [i].aliases, folded))
            return names [i].value;
    }
    return -1;
}

static const char *
s_enum_names (const s_enum_name_t *names, size_t count, char *buf, size_t len)
{
    if (!*buf) {
        size_t n = 0;
        for (size_t i = 0; i < count; i++)
            n += snprintf (buf + n, len - n, "%s%s", i ? ", " : "", names [i].name);
    }
    return buf;
}

const char *
terminal_program_names (void)
{
    static char buf [256];
    return s_enum_names (s_programs, N_PROGRAMS, buf, sizeof buf);
}

const char *
terminal_product_names (void)
{
    static char buf [256];
    return s_enum_names (s_products, N_PRODUCTS, buf, sizeof buf);
}

const char *
terminal_program_name (Leadline__V1__Program program)
{
    for (size_t i = 0; i < N_PROGRAMS; i++)
        if (s_programs [i].value == (int) program)
            return s_programs [i].name;
    return "unspecified";
}

const char *
terminal_product_name (Leadline__V1__Product product)
{
    for (size_t i = 0; i < N_PRODUCTS; i++)
        if (s_products [i].value == (int) product)
            return s_products [i].name;
    return "unspecified";
}

int
terminal_parse_program (const char *text, Leadline__V1__Program *program,
                        terminal_problem_t *problem)
{
    int value = s_enum_lookup (s_programs, N_PROGRAMS, text);
    if (value < 0) {
        char message [200], hint [256];
        snprintf (message, sizeof message, "'%.60s' is not a program", text ? text : "");
        snprintf (hint, sizeof hint, "use one of: %.200s", terminal_program_names ());
        s_problem_set (problem, TERMINAL_PROGRAM, "enum", message, hint);
        return -1;
    }
    *program = value;
    return 0;
}

int
terminal_parse_product (const char *text, Leadline__V1__Product *product,
                        terminal_problem_t *problem)
{
    int value = s_enum_lookup (s_products, N_PRODUCTS, text);
    if (value < 0) {
        char message [200], hint [256];
        snprintf (message, sizeof message, "'%.60s' is not a product", text ? text : "");
        snprintf (hint, sizeof hint, "use one or more of: %.200s", terminal_product_names ());
        s_problem_set (problem, TERMINAL_PRODUCTS, "enum", message, hint);
        return -1;
    }
    *product = value;
    return 0;
}

//  --------------------------------------------------------------------------
//  Card times

//  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
s_days_in_month (int y, int m)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days [m - 1];
}

//  Reads exactly `n` digits. Returns the value or -1.
static int
s_digits (const char **s, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit ((unsigned char) (*s) [i]))
            return -1;
        value = value * 10 + ((*s) [i] - '0');
    }
    *s += n;
    return value;
}

int
terminal_parse_time (const char *text, int64_t now_us, int64_t *time_us,
                     terminal_problem_t *problem)
{
    const char *hint = "write the date and time the card was completed, e.g. "
                       "2024-05-01T14:30 (local time), 2024-05-01T18:30:00Z, or now";
    char buf [64];
    if (!text || strlen (text) >= sizeof buf)
        goto bad;
    //  Trim surrounding blanks
    while (isspace ((unsigned char) *text))
        text++;
    snprintf (buf, sizeof buf, "%s", text);
    size_t len = strlen (buf);
    while (len && isspace ((unsigned char) buf [len - 1]))
        buf [--len] = 0;
    if (strcasecmp (buf, "now") == 0) {
        *time_us = now_us;
        return 0;
    }
    const char *s = buf;
    int year = s_digits (&s, 4);
    if (year < 0 || *s++ != '-')
        goto bad;
    int month = s_digits (&s, 2);
    if (month < 0 || *s++ != '-')
        goto bad;
    int day = s_digits (&s, 2);
    if (day < 0)
        goto bad;
    if (month < 1 || month > 12 || day < 1 || day > s_days_in_month (year, month))
        goto bad_range;

    int hour = 0, minute = 0, second = 0;
    int64_t micros = 0;
    bool has_zone = false;
    int64_t offset_s = 0;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if ((hour = s_digits (&s, 2)) < 0 || *s++ != ':' || (minute = s_digits (&s, 2)) < 0)
            goto bad;
        if (*s == ':') {
            s++;
            if ((second = s_digits (&s, 2)) < 0)
                goto bad;
            if (*s == '.' || *s == ',') {
                s++;
                int places = 0;
                if (!isdigit ((unsigned char) *s))
                    goto bad;
                while (isdigit ((unsigned char) *s)) {
                    if (places < 6) {
                        micros = micros * 10 + (*s - '0');
                        places++;
                    }
                    s++;
                }
                while (places++ < 6)
                    micros *= 10;
            }
        }
        if (hour > 23 || minute > 59 || second > 59)
            goto bad_range;
        if (*s == 'Z' || *s == 'z') {
            has_zone = true;
            s++;
        }
        else
        if (*s == '+' || *s == '-') {
            int sign = *s++ == '-' ? -1 : 1;
            int oh = s_digits (&s, 2), om = 0;
            if (oh < 0)
                goto bad;
            if (*s == ':')
                s++;
            if (isdigit ((unsigned char) *s) && (om = s_digits (&s, 2)) < 0)
                goto bad;
            if (oh > 14 || om > 59)
                goto bad_range;
            has_zone = true;
            offset_s = sign * (oh * 3600 + om * 60);
        }
    }
    if (*s)
        goto bad;

    int64_t seconds;
    if (has_zone)
        seconds = s_days_from_civil (year, month, day) * 86400
                + hour * 3600 + minute * 60 + second - offset_s;
    else {
        struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                         .tm_hour = hour, .tm_min = minute, .tm_sec = second,
                         .tm_isdst = -1 };
        time_t t = mktime (&tm);
        if (t == (time_t) -1)
            goto bad_range;
        seconds = t;
    }
    *time_us = seconds * 1000000 + micros;
    return 0;

bad_range:
    if (problem) {
        char message [200];
        snprintf (message, sizeof message, "'%.40s' is not a real date and time", text);
        s_problem_set (problem, TERMINAL_CARD_TIME, "format", message, hint);
    }
    return -1;
bad:
    if (problem) {
        char message [200];
        snprintf (message, sizeof message, "'%.40s' is not an ISO 8601 date and time",
                  text ? text : "");
        s_problem_set (problem, TERMINAL_CARD_TIME, "format", message, hint);
    }
    return -1;
}

char *
terminal_format_time (int64_t time_us, char *buf, size_t len)
{
    time_t t = (time_t) (time_us / 1000000);
    struct tm tm;
    if (!localtime_r (&t, &tm) || strftime (buf, len, "%Y-%m-%d %H:%M %Z", &tm) == 0)
        snprintf (buf, len, "%lld", (long long) time_us);
    return buf;
}

//  --------------------------------------------------------------------------
//  Keys

bool
terminal_key_valid (const char *key)
{
    size_t len = key ? strlen (key) : 0;
    if (len < TERMINAL_KEY_MIN || len > TERMINAL_KEY_MAX)
        return false;
    for (const char *s = key; *s; s++)
        if (!isalnum ((unsigned char) *s) && !strchr ("._:-", *s))
            return false;
    return true;
}

//  FNV-1a, 128 bits: not cryptographic, but a collision between two cards a
//  station hands in is out of reach, and it needs no library.
static void
s_fnv128 (unsigned __int128 *hash, const char *data)
{
    const unsigned __int128 prime = ((unsigned __int128) 0x0000000001000000ULL << 64)
                                  | 0x000000000000013BULL;
    for (const unsigned char *s = (const unsigned char *) data; *s; s++) {
        *hash ^= *s;
        *hash *= prime;
    }
}

void
terminal_card_ensure_key (terminal_card_t *self, bool derive)
{
    if (self->value [TERMINAL_KEY])
        return;
    if (derive && self->value [TERMINAL_CARD_TIME]
    &&  strcasecmp (self->value [TERMINAL_CARD_TIME], "now") != 0) {
        unsigned __int128 hash = ((unsigned __int128) 0x6C62272E07BB0142ULL << 64)
                               | 0x62B821756295C58DULL;
        for (int i = 0; i < TERMINAL_N_FIELDS; i++) {
            if (i == TERMINAL_KEY)
                continue;
            s_fnv128 (&hash, s_fields [i].name);
            s_fnv128 (&hash, "=");
            s_fnv128 (&hash, self->value [i] ? self->value [i] : "");
            s_fnv128 (&hash, "\x1f");
        }
        char key [40];
        snprintf (key, sizeof key, "k-%016llx%016llx",
                  (unsigned long long) (hash >> 64), (unsigned long long) hash);
        terminal_card_set (self, TERMINAL_KEY, key);
    }
    else {
        char key [LL_UUID_LEN];
        ll_uuid_new (key);
        terminal_card_set (self, TERMINAL_KEY, key);
    }
}

//  --------------------------------------------------------------------------
//  Encoding

//  True if the bytes are well-formed UTF-8 (no overlongs, no surrogates).
static bool
s_utf8_valid (const char *text)
{
    const unsigned char *s = (const unsigned char *) text;
    while (*s) {
        unsigned c = *s;
        int extra;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        }
        else
        if ((c & 0xE0) == 0xC0) { extra = 1; min = 0x80; c &= 0x1F; }
        else
        if ((c & 0xF0) == 0xE0) { extra = 2; min = 0x800; c &= 0x0F; }
        else
        if ((c & 0xF8) == 0xF0) { extra = 3; min = 0x10000; c &= 0x07; }
        else
            return false;
        s++;
        for (int i = 0; i < extra; i++, s++) {
            if ((*s & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (*s & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
    }
    return true;
}

static const char *
s_text (const terminal_card_t *self, terminal_field_t field)
{
    return self->value [field] ? self->value [field] : "";
}

int
terminal_card_encode (const terminal_card_t *self, const char *sender,
                      int64_t now_us, uint8_t **data, size_t *size,
                      terminal_problems_t *problems)
{
    problems->count = 0;
    for (int i = 0; i < TERMINAL_N_FIELDS; i++)
        if (self->value [i] && !s_utf8_valid (self->value [i]))
            terminal_problem_add (problems, i, "encoding",
                                  "save the file as UTF-8, or retype the text",
                                  "%s is not valid UTF-8 text", s_fields [i].label);

    Leadline__V1__LeadCard card = LEADLINE__V1__LEAD_CARD__INIT;
    Leadline__V1__Business business = LEADLINE__V1__BUSINESS__INIT;
    Leadline__V1__Contact contact = LEADLINE__V1__CONTACT__INIT;
    Leadline__V1__SubmitLead submit = LEADLINE__V1__SUBMIT_LEAD__INIT;

    //  Program: left unset when absent, so intake reports it as required
    Leadline__V1__Program program = LEADLINE__V1__PROGRAM__PROGRAM_UNSPECIFIED;
    terminal_problem_t problem;
    if (self->value [TERMINAL_PROGRAM]
    &&  terminal_parse_program (self->value [TERMINAL_PROGRAM], &program, &problem)) {
        if (problems->count < TERMINAL_PROBLEM_MAX)
            problems->items [problems->count++] = problem;
    }
    //  Card time: "now" when absent
    int64_t card_us = now_us;
    if (self->value [TERMINAL_CARD_TIME]
    &&  terminal_parse_time (self->value [TERMINAL_CARD_TIME], now_us, &card_us, &problem)) {
        if (problems->count < TERMINAL_PROBLEM_MAX)
            problems->items [problems->count++] = problem;
    }
    //  Products: comma, semicolon, pipe or slash separated; repeats dropped
    Leadline__V1__Product products [64];
    size_t n_products = 0;
    if (self->value [TERMINAL_PRODUCTS]) {
        char *list = strdup (self->value [TERMINAL_PRODUCTS]);
        if (!list)
            return -1;
        char *saveptr = NULL;
        for (char *item = strtok_r (list, ",;|/", &saveptr); item;
             item = strtok_r (NULL, ",;|/", &saveptr)) {
            while (isspace ((unsigned char) *item))
                item++;
            if (!*item)
                continue;
            Leadline__V1__Product product = LEADLINE__V1__PRODUCT__PRODUCT_UNSPECIFIED;
            if (terminal_parse_product (item, &product, &problem)) {
                if (problems->count < TERMINAL_PROBLEM_MAX)
                    problems->items [problems->count++] = problem;
                continue;
            }
            bool seen = false;
            for (size_t i = 0; i < n_products; i++)
                seen = seen || products [i] == product;
            if (!seen && n_products < sizeof products / sizeof products [0])
                products [n_products++] = product;
        }
        free (list);
    }
    const char *key = self->value [TERMINAL_KEY];
    if (!terminal_key_valid (key))
        terminal_problem_add (problems, TERMINAL_KEY, "format",
                              "leave the key out to get a new one, or use 8 to 128 "
                              "letters, digits, '.', '_', ':' or '-'",
                              "idempotency key '%.40s' is not usable", key ? key : "");
    if (problems->count)
        return -1;

    card.employee_id = (char *) s_text (self, TERMINAL_EMPLOYEE);
    card.station_id = (char *) s_text (self, TERMINAL_STATION);
    card.program = program;
    card.card_completed_us = card_us;
    business.name = (char *) s_text (self, TERMINAL_BUSINESS);
    business.address = (char *) s_text (self, TERMINAL_ADDRESS);
    business.zip = (char *) s_text (self, TERMINAL_ZIP);
    contact.name = (char *) s_text (self, TERMINAL_CONTACT);
    contact.phone = (char *) s_text (self, TERMINAL_PHONE);
    contact.email = (char *) s_text (self, TERMINAL_EMAIL);
    card.business = &business;
    card.contact = &contact;
    card.n_products = n_products;
    card.products = products;
    card.notes = (char *) s_text (self, TERMINAL_NOTES);
    submit.card = &card;

    ll_envelope_t env;
    char id [LL_UUID_LEN];
    ll_envelope_init (&env, id);
    env.idempotency_key = (char *) key;
    env.sender = (char *) (sender && *sender ? sender : card.station_id);
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD;
    env.submit_lead = &submit;
    *data = ll_envelope_pack (&env, size);
    if (!*data) {
        terminal_problem_add (problems, TERMINAL_NOTES, "too_long",
                              "shorten the notes; the whole card must stay under 256 KB",
                              "the card is too large to send");
        return -1;
    }
    return 0;
}

terminal_card_t *
terminal_card_from_envelope (const Leadline__V1__Envelope *env)
{
    if (!env || env->body_case != LEADLINE__V1__ENVELOPE__BODY_SUBMIT_LEAD
    ||  !env->submit_lead || !env->submit_lead->card)
        return NULL;
    const Leadline__V1__LeadCard *card = env->submit_lead->card;
    terminal_card_t *self = terminal_card_new ();
    if (!self)
        return NULL;
    terminal_card_set (self, TERMINAL_STATION, card->station_id);
    terminal_card_set (self, TERMINAL_EMPLOYEE, card->employee_id);
    if (card->program != LEADLINE__V1__PROGRAM__PROGRAM_UNSPECIFIED)
        terminal_card_set (self, TERMINAL_PROGRAM, terminal_program_name (card->program));
    //  Exact to the microsecond, in UTC, so it parses back to the same value
    time_t t = (time_t) (card->card_completed_us / 1000000);
    int64_t micros = card->card_completed_us % 1000000;
    if (micros < 0) {
        micros += 1000000;
        t -= 1;
    }
    struct tm tm;
    char when [64];
    if (gmtime_r (&t, &tm)) {
        size_t n = strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        if (micros)
            snprintf (when + n, sizeof when - n, ".%06lldZ", (long long) micros);
        else
            snprintf (when + n, sizeof when - n, "Z");
        terminal_card_set (self, TERMINAL_CARD_TIME, when);
    }
    if (card->business) {
        terminal_card_set (self, TERMINAL_BUSINESS, card->business->name);
        terminal_card_set (self, TERMINAL_ADDRESS, card->business->address);
        terminal_card_set (self, TERMINAL_ZIP, card->business->zip);
    }
    if (card->contact) {
        terminal_card_set (self, TERMINAL_CONTACT, card->contact->name);
        terminal_card_set (self, TERMINAL_PHONE, card->contact->phone);
        terminal_card_set (self, TERMINAL_EMAIL, card->contact->email);
    }
    for (size_t i = 0; i < card->n_products; i++)
        terminal_card_add_product (self, terminal_product_name (card->products [i]));
    terminal_card_set (self, TERMINAL_NOTES, card->notes);
    terminal_card_set (self, TERMINAL_KEY, env->idempotency_key);
    return self;
}
