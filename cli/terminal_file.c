/*  terminal_file — CSV and JSON card files into terminal_card_t lists.
    See terminal_file.h. */
#include "terminal_file.h"
#include "terminal_card.h"
#include "terminal_csv.h"
#include "terminal_json.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE_SIZE (256 * 1024 * 1024)

static void
s_destroy_card (void **item)
{
    terminal_card_destroy ((terminal_card_t **) item);
}

static zlistx_t *
s_new_list (void)
{
    zlistx_t *list = zlistx_new ();
    if (list)
        zlistx_set_destructor (list, s_destroy_card);
    return list;
}

static const char *
s_known_names (void)
{
    static char buf [512];
    if (!*buf) {
        size_t n = 0;
        for (int i = 0; i < TERMINAL_N_FIELDS; i++)
            n += snprintf (buf + n, sizeof buf - n, "%s%s", i ? ", " : "",
                           terminal_field_name (i));
    }
    return buf;
}

//  Trims blanks at both ends, in place.
static char *
s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    size_t len = strlen (s);
    while (len && isspace ((unsigned char) s [len - 1]))
        s [--len] = 0;
    return s;
}

static zlistx_t *
s_parse_csv (const char *data, size_t size, const char *name, char *err, size_t errlen)
{
    terminal_csv_t *csv = terminal_csv_new (data, size);
    zlistx_t *cards = s_new_list ();
    int *columns = NULL;        // header position -> field (or -1 for none)
    int n_columns = 0;
    char what [256];
    if (!csv || !cards) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    char **fields;
    int line;
    int count = terminal_csv_next (csv, &fields, &line, what, sizeof what);
    if (count < 0) {
        snprintf (err, errlen, "%s: %s", name, what);
        goto fail;
    }
    if (count == 0) {
        snprintf (err, errlen, "%s is empty: the first line must name the columns, "
                  "e.g. station,employee,program,business,zip,phone", name);
        goto fail;
    }
    columns = calloc ((size_t) count, sizeof (int));
    if (!columns) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    n_columns = count;
    unsigned seen = 0;
    for (int i = 0; i < count; i++) {
        char *title = s_trim (fields [i]);
        int field = terminal_field_lookup (title);
        if (field < 0) {
            snprintf (err, errlen, "%s:%d, column %d: unknown column '%.40s'; the first line "
                      "must name the columns, from: %s", name, line, i + 1, title,
                      s_known_names ());
            goto fail;
        }
        if (seen & (1u << field)) {
            snprintf (err, errlen, "%s:%d, column %d: column '%s' appears twice; keep one",
                      name, line, i + 1, terminal_field_name (field));
            goto fail;
        }
        seen |= 1u << field;
        columns [i] = field;
    }
    while ((count = terminal_csv_next (csv, &fields, &line, what, sizeof what)) > 0) {
        for (int i = n_columns; i < count; i++)
            if (*s_trim (fields [i])) {
                snprintf (err, errlen, "%s:%d: the row has %d fields but the header names "
                          "%d columns; quote fields that contain commas", name, line,
                          count, n_columns);
                goto fail;
            }
        terminal_card_t *card = terminal_card_new ();
        if (!card || !zlistx_add_end (cards, card)) {
            terminal_card_destroy (&card);
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
        terminal_card_set_line (card, line);
        for (int i = 0; i < count && i < n_columns; i++)
            if (terminal_card_set (card, columns [i], s_trim (fields [i]))) {
                snprintf (err, errlen, "out of memory");
                goto fail;
            }
    }
    if (count < 0) {
        snprintf (err, errlen, "%s: %s", name, what);
        goto fail;
    }
    free (columns);
    terminal_csv_destroy (&csv);
    return cards;
fail:
    free (columns);
    terminal_csv_destroy (&csv);
    zlistx_destroy (&cards);
    return NULL;
}

//  One JSON member into a card field. Returns 0 or -1 with err.
static int
s_json_member (terminal_card_t *card, int field, const terminal_json_t *value,
               const char *member, const char *name, char *err, size_t errlen)
{
    switch (value->type) {
        case TERMINAL_JSON_NULL:
            return 0;
        case TERMINAL_JSON_STRING:
        case TERMINAL_JSON_NUMBER: {
            char *text = strdup (value->text);
            if (!text || terminal_card_set (card, field, s_trim (text))) {
                free (text);
                snprintf (err, errlen, "out of memory");
                return -1;
            }
            free (text);
            return 0;
        }
        case TERMINAL_JSON_ARRAY:
            if (field == TERMINAL_PRODUCTS) {
                for (size_t i = 0; i < value->count; i++) {
                    const terminal_json_t *item = value->items [i];
                    if (item->type != TERMINAL_JSON_STRING) {
                        snprintf (err, errlen, "%s:%d: \"products\" must list product names "
                                  "as strings, e.g. [\"priority-mail\", \"eddm\"]",
                                  name, item->line);
                        return -1;
                    }
                    if (terminal_card_add_product (card, item->text)) {
                        snprintf (err, errlen, "out of memory");
                        return -1;
                    }
                }
                return 0;
            }
            break;
        default:
            break;
    }
    snprintf (err, errlen, "%s:%d: \"%.40s\" is %s; write it as a string%s", name,
              value->line, member, terminal_json_type_name (value->type),
              field == TERMINAL_PRODUCTS ? " or an array of strings" : "");
    return -1;
}

static zlistx_t *
s_parse_json (const char *data, size_t size, const char *name, char *err, size_t errlen)
{
    char what [256];
    terminal_json_t *root = terminal_json_parse (data, size, what, sizeof what);
    if (!root) {
        snprintf (err, errlen, "%s: %s", name, what);
        return NULL;
    }
    zlistx_t *cards = s_new_list ();
    if (!cards) {
        snprintf (err, errlen, "out of memory");
        goto fail;
    }
    //  An array of cards, or a single card
    terminal_json_t **items = &root;
    size_t n_items = 1;
    if (root->type == TERMINAL_JSON_ARRAY) {
        items = root->items;
        n_items = root->count;
    }
    for (size_t i = 0; i < n_items; i++) {
        const terminal_json_t *object = items [i];
        if (object->type != TERMINAL_JSON_OBJECT) {
            snprintf (err, errlen, "%s:%d: expected a card (an object like {\"business\": "
                      "\"...\", \"zip\": \"...\"}), found %s", name, object->line,
                      terminal_json_type_name (object->type));
            goto fail;
        }
        terminal_card_t *card = terminal_card_new ();
        if (!card || !zlistx_add_end (cards, card)) {
            terminal_card_destroy (&card);
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
        terminal_card_set_line (card, object->line);
        unsigned seen = 0;
        for (size_t m = 0; m < object->count; m++) {
            const char *member = object->keys [m];
            int field = terminal_field_lookup (member);
            if (field < 0) {
                snprintf (err, errlen, "%s:%d: unknown member \"%.40s\"; a card's members "
                          "are: %s", name, object->items [m]->line, member, s_known_names ());
                goto fail;
            }
            if (seen & (1u << field)) {
                snprintf (err, errlen, "%s:%d: \"%.40s\" is given twice in one card; keep one",
                          name, object->items [m]->line, member);
                goto fail;
            }
            seen |= 1u << field;
            if (s_json_member (card, field, object->items [m], member, name, err, errlen))
                goto fail;
        }
    }
    terminal_json_destroy (&root);
    return cards;
fail:
    terminal_json_destroy (&root);
    zlistx_destroy (&cards);
    return NULL;
}

zlistx_t *
terminal_file_parse (const char *data, size_t size, const char *format,
                     const char *name, char *err, size_t errlen)
{
    if (format && strcasecmp (format, "csv") == 0)
        return s_parse_csv (data, size, name, err, errlen);
    if (format && strcasecmp (format, "json") == 0)
        return s_parse_json (data, size, name, err, errlen);
    snprintf (err, errlen, "unknown file format '%s': use csv or json", format ? format : "");
    return NULL;
}

//  Picks the format from the extension, else from the first character.
static const char *
s_guess_format (const char *path, const char *data, size_t size)
{
    const char *dot = strrchr (path, '.');
    if (dot && strcasecmp (dot, ".csv") == 0)
        return "csv";
    if (dot && strcasecmp (dot, ".json") == 0)
        return "json";
    size_t i = size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < size && isspace ((unsigned char) data [i]))
        i++;
    return i < size && (data [i] == '[' || data [i] == '{') ? "json" : "csv";
}

zlistx_t *
terminal_file_load (const char *path, const char *format, char *err, size_t errlen)
{
    *err = 0;
    bool is_stdin = strcmp (path, "-") == 0;
    FILE *file = is_stdin ? stdin : fopen (path, "rb");
    if (!file) {
        snprintf (err, errlen, "cannot open %s: %s", path, strerror (errno));
        return NULL;
    }
    size_t cap = 64 * 1024, size = 0;
    char *data = malloc (cap);
    while (data) {
        if (size == cap) {
            if (cap >= MAX_FILE_SIZE) {
                snprintf (err, errlen, "%s is over %d MB: split it into smaller files",
                          path, MAX_FILE_SIZE / (1024 * 1024));
                free (data);
                data = NULL;
                break;
            }
            char *bigger = realloc (data, cap * 2);
            if (!bigger) {
                free (data);
                data = NULL;
                snprintf (err, errlen, "out of memory reading %s", path);
                break;
            }
            data = bigger;
            cap *= 2;
        }
        size_t n = fread (data + size, 1, cap - size, file);
        size += n;
        if (n == 0) {
            if (ferror (file)) {
                snprintf (err, errlen, "cannot read %s: %s", path, strerror (errno));
                free (data);
                data = NULL;
            }
            break;
        }
    }
    if (!is_stdin)
        fclose (file);
    if (!data) {
        if (!*err)
            snprintf (err, errlen, "out of memory reading %s", path);
        return NULL;
    }
    if (!format)
        format = s_guess_format (is_stdin ? "" : path, data, size);
    zlistx_t *cards = terminal_file_parse (data, size, format,
                                           is_stdin ? "standard input" : path, err, errlen);
    free (data);
    return cards;
}
