/*  intake_validate — field checks and duplicate-key normalisation.
    Rules and codes are listed in docs/intake.md; keep the two in step. */
#include "intake_validate.h"
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_products [] = {
    NULL, "priority_mail", "priority_mail_express", "ground", "direct_mail",
    "eddm", "first_class", "international", "po_box"
};
#define N_PRODUCTS (int) (sizeof s_products / sizeof s_products [0])

const char *
intake_product_name (int product)
{
    return product > 0 && product < N_PRODUCTS ? s_products [product] : NULL;
}

int
intake_product_parse (const char *name)
{
    for (int i = 1; i < N_PRODUCTS; i++)
        if (strcmp (name, s_products [i]) == 0)
            return i;
    return 0;
}

uint32_t
intake_products_mask (const Leadline__V1__Product *products, size_t count)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < count; i++)
        if ((int) products [i] > 0 && (int) products [i] < N_PRODUCTS)
            mask |= 1u << (int) products [i];
    return mask;
}

void
intake_ferrs_free (intake_ferrs_t *errs)
{
    free (errs->items);
    errs->items = NULL;
    errs->count = errs->cap = 0;
}

void
intake_ferrs_copy (intake_ferrs_t *dst, const intake_ferrs_t *src)
{
    intake_ferrs_free (dst);
    if (src->count == 0)
        return;
    dst->items = malloc (src->count * sizeof *dst->items);
    assert (dst->items);
    memcpy (dst->items, src->items, src->count * sizeof *dst->items);
    dst->count = dst->cap = src->count;
}

//  Bytes of the valid, printable UTF-8 character at p, or 0.
static int
s_char_len (const unsigned char *p)
{
    unsigned c = *p;
    if (c < 0x80)
        return c < 0x20 || c == 0x7f ? 0 : 1;
    int extra;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; }
    else return 0;
    for (int i = 1; i <= extra; i++) {
        if ((p [i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p [i] & 0x3f);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
    ||  (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))
    ||  (cp >= 0x80 && cp < 0xa0))
        return 0;
    return extra + 1;
}

//  A message may quote what the client sent, and a cut (%.60s) may split a
//  character: what goes back is always valid text, with '?' for any byte
//  that is not part of a printable UTF-8 character.
static void
s_clean (char *s)
{
    unsigned char *p = (unsigned char *) s;
    while (*p) {
        int len = s_char_len (p);
        if (len == 0)
            *p++ = '?';
        else
            p += len;
    }
}

void
intake_ferr_add (intake_ferrs_t *errs, const char *field, const char *code,
                 const char *hint, const char *fmt, ...)
{
    if (errs->count >= INTAKE_MAX_ERRORS)
        return;
    if (errs->count == errs->cap) {
        errs->cap = errs->cap ? errs->cap * 2 : 4;
        errs->items = realloc (errs->items, errs->cap * sizeof *errs->items);
        assert (errs->items);
    }
    intake_ferr_t *e = &errs->items [errs->count++];
    snprintf (e->field, sizeof e->field, "%s", field);
    snprintf (e->code, sizeof e->code, "%s", code);
    snprintf (e->hint, sizeof e->hint, "%s", hint ? hint : "");
    va_list args;
    va_start (args, fmt);
    vsnprintf (e->message, sizeof e->message, fmt, args);
    va_end (args);
    s_clean (e->field);
    s_clean (e->code);
    s_clean (e->hint);
    s_clean (e->message);
}

//  Valid UTF-8 (no overlongs, no surrogates) and no control characters.
bool
intake_text_ok (const char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
            ||  c == 0x7f)
                return false;
            p++;
            continue;
        }
        int extra;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) { extra = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { extra = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { extra = 3; cp = c & 0x07; }
        else return false;
        for (int i = 1; i <= extra; i++) {
            if ((p [i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p [i] & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        ||  (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        if (cp >= 0x80 && cp < 0xa0)        // C1 controls
            return false;
        p += extra + 1;
    }
    return true;
}

//  Length in characters (UTF-8 code points), which is what people count.
static size_t
s_chars (const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char) *s & 0xc0) != 0x80)
            n++;
    return n;
}

static bool
s_blank (const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace ((unsigned char) *s))
            return false;
    return true;
}

void
intake_check_key (const char *key, intake_ferrs_t *errs)
{
    if (s_blank (key)) {
        intake_ferr_add (errs, "idempotency_key", "required",
            "make one key per card (e.g. a UUID) and reuse it on every retry",
            "the request has no idempotency key");
        return;
    }
    size_t len = strlen (key);
    if (len < INTAKE_KEY_MIN || len > INTAKE_KEY_MAX) {
        intake_ferr_add (errs, "idempotency_key", "length",
            "a UUID (36 characters) is a good key",
            "the idempotency key has %zu characters; it needs %d to %d",
            len, INTAKE_KEY_MIN, INTAKE_KEY_MAX);
        return;
    }
    for (const char *c = key; *c; c++)
        if (*c < 0x21 || *c > 0x7e) {
            intake_ferr_add (errs, "idempotency_key", "format",
                "use printable ASCII without spaces, e.g. a UUID",
                "the idempotency key contains a space, a control or a non-ASCII character");
            return;
        }
}

bool
intake_check_id (const char *id, const char *field, const char *what, intake_ferrs_t *errs)
{
    if (s_blank (id)) {
        intake_ferr_add (errs, field, "required", NULL, "the %s is missing", what);
        return false;
    }
    if (strlen (id) > INTAKE_ID_MAX) {
        intake_ferr_add (errs, field, "length", NULL,
            "the %s is longer than %d characters", what, INTAKE_ID_MAX);
        return false;
    }
    for (const char *c = id; *c; c++)
        if (!isalnum ((unsigned char) *c) && *c != '-' && *c != '_' && *c != '.') {
            intake_ferr_add (errs, field, "format",
                "ids use letters, digits, '-', '_' and '.'",
                "the %s \"%.40s\" contains '%c'", what, id,
                isprint ((unsigned char) *c) ? *c : '?');
            return false;
        }
    return true;
}

bool
intake_check_lead_id (const char *id, const char *field, intake_ferrs_t *errs)
{
    if (s_blank (id)) {
        intake_ferr_add (errs, field, "required", "use the lead id from the submit reply",
                         "the lead id is missing");
        return false;
    }
    bool ok = strlen (id) == 36;
    for (int i = 0; ok && i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ok = id [i] == '-';
        else
            ok = isxdigit ((unsigned char) id [i]) != 0;
    }
    if (!ok)
        intake_ferr_add (errs, field, "format", "use the lead id from the submit reply",
                         "\"%.40s\" is not a lead id (a UUID)", id);
    return ok;
}

void
intake_check_text (const char *text, const char *field, size_t max, bool multiline,
                   intake_ferrs_t *errs)
{
    if (!text || !*text)
        return;
    if (!intake_text_ok (text, multiline))
        intake_ferr_add (errs, field, "format",
            multiline ? "remove control characters; newlines and tabs are fine"
                      : "type it on one line, without control characters",
            "%s holds invalid UTF-8 or a control character", field);
    else
    if (s_chars (text) > max)
        intake_ferr_add (errs, field, "length", "shorten it",
            "%s has %zu characters; at most %zu are kept", field, s_chars (text), max);
}

static void
s_check_name (const char *text, const char *field, const char *what, intake_ferrs_t *errs)
{
    if (s_blank (text))
        intake_ferr_add (errs, field, "required", NULL, "the %s is missing", what);
    else
        intake_check_text (text, field, INTAKE_NAME_MAX, false, errs);
}

static bool
s_zip_ok (const char *zip)
{
    size_t len = strlen (zip);
    if (len != 5 && len != 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (i == 5) {
            if (zip [i] != '-')
                return false;
        }
        else
        if (!isdigit ((unsigned char) zip [i]))
            return false;
    }
    return true;
}

static void
s_check_phone (const char *phone, intake_ferrs_t *errs)
{
    if (strlen (phone) > INTAKE_PHONE_MAX) {
        intake_ferr_add (errs, "card.contact.phone", "length", NULL,
            "the phone number is longer than %d characters", INTAKE_PHONE_MAX);
        return;
    }
    int digits = 0;
    for (const char *c = phone; *c; c++) {
        if (isdigit ((unsigned char) *c))
            digits++;
        else
        if (!strchr ("+()-. ", *c)) {
            intake_ferr_add (errs, "card.contact.phone", "format",
                "write a 10-digit number, e.g. 555-123-4567",
                "the phone number contains '%c'", isprint ((unsigned char) *c) ? *c : '?');
            return;
        }
    }
    char norm [24];
    intake_norm_phone (phone, norm, sizeof norm);
    if (strlen (norm) != 10)
        intake_ferr_add (errs, "card.contact.phone", "format",
            "write a 10-digit number with the area code, e.g. 555-123-4567",
            "the phone number has %d digits; a US number has 10 (or 11 starting with 1)",
            digits);
}

static void
s_check_email (const char *email, intake_ferrs_t *errs)
{
    if (strlen (email) > INTAKE_EMAIL_MAX) {
        intake_ferr_add (errs, "card.contact.email", "length", NULL,
            "the email address is longer than %d characters", INTAKE_EMAIL_MAX);
        return;
    }
    const char *at = strchr (email, '@');
    bool ok = at && at > email && !strchr (at + 1, '@');
    const char *dot = ok ? strrchr (at + 1, '.') : NULL;
    ok = ok && dot && dot > at + 1 && dot [1] && strlen (dot + 1) >= 2;
    for (const char *c = email; ok && *c; c++)
        if ((unsigned char) *c <= 0x20 || *c == 0x7f || *c == ',' || *c == ';'
        ||  *c == '<' || *c == '>' || *c == '"')
            ok = false;
    if (ok)
        for (const char *c = at + 1; *c; c++)
            if (*c == '.' && (c [1] == '.' || c == at + 1))
                ok = false;
    if (!ok)
        intake_ferr_add (errs, "card.contact.email", "format",
            "write it as name@example.com",
            "\"%.60s\" is not an email address", email);
}

void
intake_check_card (const Leadline__V1__LeadCard *card, int64_t now_us,
                   int max_age_days, intake_ferrs_t *errs)
{
    if (!card) {
        intake_ferr_add (errs, "card", "required", "fill in the lead card",
                         "the request carries no lead card");
        return;
    }
    intake_check_id (card->employee_id, "card.employee_id", "employee id", errs);
    intake_check_id (card->station_id, "card.station_id", "station id", errs);

    int program = (int) card->program;
    if (program == 0)
        intake_ferr_add (errs, "card.program", "required",
            "choose the program of the employee's craft (Customer Connect for carriers, "
            "Clerks Care for clerks, ...)", "the program is missing");
    else
    if (program < 0 || program > LEADLINE__V1__PROGRAM__PROGRAM_SUBMIT_A_LEAD)
        intake_ferr_add (errs, "card.program", "enum", "update the terminal",
            "program %d is not one this service knows", program);

    if (card->card_completed_us == 0)
        intake_ferr_add (errs, "card.card_completed_us", "required",
            "give the date and time the card was filled in",
            "the time the card was completed is missing");
    else
    if (card->card_completed_us > now_us + INTAKE_FUTURE_SLACK_US)
        intake_ferr_add (errs, "card.card_completed_us", "future",
            "check the date and the terminal's clock",
            "the card is dated %lld minutes in the future",
            (long long) ((card->card_completed_us - now_us) / 60000000));
    else
    if (card->card_completed_us < now_us - (int64_t) max_age_days * 86400 * 1000000)
        intake_ferr_add (errs, "card.card_completed_us", "too_old",
            "check the date; a card this old should be handed in as a new lead",
            "the card is dated %lld days ago; intake accepts cards up to %d days old",
            (long long) ((now_us - card->card_completed_us) / 86400000000LL), max_age_days);

    Leadline__V1__Business *biz = card->business;
    if (!biz)
        intake_ferr_add (errs, "card.business", "required", NULL,
                         "the business (name, address, ZIP) is missing");
    else {
        s_check_name (biz->name, "card.business.name", "business name", errs);
        intake_check_text (biz->address, "card.business.address", INTAKE_ADDRESS_MAX,
                           false, errs);
        if (s_blank (biz->zip))
            intake_ferr_add (errs, "card.business.zip", "required",
                "write the 5-digit ZIP of the business", "the ZIP code is missing");
        else
        if (!s_zip_ok (biz->zip))
            intake_ferr_add (errs, "card.business.zip", "format",
                "write 5 digits (12345) or ZIP+4 (12345-6789)",
                "\"%.20s\" is not a ZIP code", biz->zip);
    }

    Leadline__V1__Contact *contact = card->contact;
    if (!contact)
        intake_ferr_add (errs, "card.contact", "required", NULL,
                         "the contact (name and phone or email) is missing");
    else {
        s_check_name (contact->name, "card.contact.name", "contact name", errs);
        bool phone = !s_blank (contact->phone);
        bool email = !s_blank (contact->email);
        if (!phone && !email)
            intake_ferr_add (errs, "card.contact", "required",
                "give the contact's phone number or email address",
                "there is no way to reach the contact");
        if (phone)
            s_check_phone (contact->phone, errs);
        if (email)
            s_check_email (contact->email, errs);
    }

    if (card->n_products == 0)
        intake_ferr_add (errs, "card.products", "required",
            "tick at least one product (Priority Mail, Ground, EDDM, ...)",
            "no product of interest is given");
    else
    if (card->n_products > INTAKE_PRODUCTS_MAX)
        intake_ferr_add (errs, "card.products", "length", NULL,
            "%zu products given; at most %d", card->n_products, INTAKE_PRODUCTS_MAX);
    else
        for (size_t i = 0; i < card->n_products; i++)
            if (!intake_product_name ((int) card->products [i])) {
                intake_ferr_add (errs, "card.products", "enum", "update the terminal",
                    "product %d is not one this service knows", (int) card->products [i]);
                break;
            }
    intake_check_text (card->notes, "card.notes", INTAKE_NOTES_MAX, true, errs);
}

// ---------------------------------------------------------------------------
//  Normalisation for duplicate detection

void
intake_norm_phone (const char *phone, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *c = phone ? phone : ""; *c && n + 1 < cap; c++)
        if (isdigit ((unsigned char) *c))
            out [n++] = *c;
    out [n] = 0;
    if (n == 11 && out [0] == '1')
        memmove (out, out + 1, n);        // includes the NUL
}

//  Lower case, punctuation dropped (so "A.B.C." and "ABC" match), runs of
//  spaces collapsed to one. Non-ASCII bytes are kept as they are.
static void
s_fold (const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *c = in ? in : ""; *c && n + 1 < cap; c++) {
        unsigned char ch = (unsigned char) *c;
        if (isspace (ch) || ch == '-' || ch == '/' || ch == ',') {
            space = n > 0;
            continue;
        }
        if (ch < 0x80 && !isalnum (ch))
            continue;
        if (space && n + 2 < cap)
            out [n++] = ' ';
        space = false;
        out [n++] = (char) tolower (ch);
    }
    out [n] = 0;
}

//  Drops whole words from the end while they are in `words`.
static void
s_drop_trailing (char *s, const char *const *words)
{
    while (true) {
        char *last = strrchr (s, ' ');
        if (!last)
            return;
        bool drop = false;
        for (const char *const *w = words; *w; w++)
            if (strcmp (last + 1, *w) == 0)
                drop = true;
        if (!drop)
            return;
        *last = 0;
    }
}

void
intake_norm_name (const char *name, char *out, size_t cap)
{
    static const char *const suffixes [] = {
        "inc", "incorporated", "llc", "llp", "ltd", "limited", "co", "corp",
        "corporation", "company", "pc", "pllc", NULL
    };
    s_fold (name, out, cap);
    if (strncmp (out, "the ", 4) == 0)
        memmove (out, out + 4, strlen (out + 4) + 1);
    s_drop_trailing (out, suffixes);
    //  "&" was dropped as punctuation; "and" is the same thing
    char *and = strstr (out, " and ");
    while (and) {
        memmove (and + 1, and + 5, strlen (and + 5) + 1);
        and = strstr (and, " and ");
    }
}

void
intake_norm_address (const char *address, char *out, size_t cap)
{
    //  The usual street-type and direction spellings, mapped to one form.
    static const char *const map [][2] = {
        { "street", "st" }, { "avenue", "ave" }, { "av", "ave" }, { "road", "rd" },
        { "boulevard", "blvd" }, { "drive", "dr" }, { "lane", "ln" }, { "court", "ct" },
        { "place", "pl" }, { "highway", "hwy" }, { "suite", "ste" }, { "north", "n" },
        { "south", "s" }, { "east", "e" }, { "west", "w" }, { "parkway", "pkwy" },
        { "square", "sq" }, { "terrace", "ter" }, { "apartment", "apt" },
    };
    char folded [INTAKE_ADDRESS_MAX * 4 + 1];
    s_fold (address, folded, sizeof folded);
    size_t n = 0;
    out [0] = 0;
    char *save = NULL;
    for (char *word = strtok_r (folded, " ", &save); word; word = strtok_r (NULL, " ", &save)) {
        const char *w = word;
        for (size_t i = 0; i < sizeof map / sizeof map [0]; i++)
            if (strcmp (word, map [i][0]) == 0)
                w = map [i][1];
        int wrote = snprintf (out + n, cap - n, "%s%s", n ? " " : "", w);
        if (wrote < 0 || (size_t) wrote >= cap - n)
            break;
        n += (size_t) wrote;
    }
}

void
intake_dup_keys (const Leadline__V1__LeadCard *card, intake_dup_keys_t *keys)
{
    memset (keys, 0, sizeof *keys);
    if (card->contact)
        intake_norm_phone (card->contact->phone, keys->phone, sizeof keys->phone);
    if (strlen (keys->phone) != 10)
        keys->phone [0] = 0;
    if (!card->business)
        return;
    char name [INTAKE_NAME_MAX * 4 + 1];
    intake_norm_name (card->business->name, name, sizeof name);
    if (!*name)
        return;
    if (card->business->zip && strlen (card->business->zip) >= 5)
        snprintf (keys->name_zip, sizeof keys->name_zip, "%.*s|%.5s",
                  (int) (sizeof keys->name_zip - 8), name, card->business->zip);
    char addr [INTAKE_ADDRESS_MAX * 4 + 1];
    intake_norm_address (card->business->address, addr, sizeof addr);
    if (*addr)
        snprintf (keys->name_addr, sizeof keys->name_addr, "%.*s|%.*s",
                  INTAKE_NAME_MAX, name, INTAKE_ADDRESS_MAX, addr);
}
