/*  terminal_csv — see terminal_csv.h. One pass, one record at a time: the
    record's text is unescaped into a growing buffer and the fields point
    into it, so a 10,000-row file costs one buffer, not 10,000 strings. */
#include "terminal_csv.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _terminal_csv_t {
    const char *data;
    size_t size;
    size_t pos;
    int line;                // line of data [pos]
    char *buf;               // unescaped record, fields NUL-separated
    size_t buf_len, buf_cap;
    size_t *offsets;         // field starts in buf
    char **fields;
    size_t n_fields, fields_cap;
};

terminal_csv_t *
terminal_csv_new (const char *data, size_t size)
{
    terminal_csv_t *self = calloc (1, sizeof (terminal_csv_t));
    if (!self)
        return NULL;
    self->data = data;
    self->size = size;
    self->line = 1;
    self->fields_cap = 32;
    self->offsets = malloc (self->fields_cap * sizeof (size_t));
    self->fields = malloc (self->fields_cap * sizeof (char *));
    if (!self->offsets || !self->fields) {
        terminal_csv_destroy (&self);
        return NULL;
    }
    if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
        self->pos = 3;
    return self;
}

void
terminal_csv_destroy (terminal_csv_t **self_p)
{
    if (self_p && *self_p) {
        terminal_csv_t *self = *self_p;
        free (self->buf);
        free (self->offsets);
        free (self->fields);
        free (self);
        *self_p = NULL;
    }
}

static int
s_put (terminal_csv_t *self, char c)
{
    if (self->buf_len + 1 >= self->buf_cap) {
        size_t cap = self->buf_cap ? self->buf_cap * 2 : 1024;
        char *buf = realloc (self->buf, cap);
        if (!buf)
            return -1;
        self->buf = buf;
        self->buf_cap = cap;
    }
    self->buf [self->buf_len++] = c;
    return 0;
}

//  Ends the current field and starts a new one.
static int
s_end_field (terminal_csv_t *self)
{
    if (s_put (self, 0))
        return -1;
    if (self->n_fields + 1 >= self->fields_cap) {
        size_t cap = self->fields_cap ? self->fields_cap * 2 : 32;
        size_t *offsets = realloc (self->offsets, cap * sizeof (size_t));
        if (!offsets)
            return -1;
        self->offsets = offsets;
        char **fields = realloc (self->fields, cap * sizeof (char *));
        if (!fields)
            return -1;
        self->fields = fields;
        self->fields_cap = cap;
    }
    self->n_fields++;
    self->offsets [self->n_fields] = self->buf_len;
    return 0;
}

int
terminal_csv_next (terminal_csv_t *self, char ***fields, int *line,
                   char *err, size_t errlen)
{
    while (true) {
        //  Skip blank lines between records
        while (self->pos < self->size
        &&    (self->data [self->pos] == '\n' || self->data [self->pos] == '\r')) {
            if (self->data [self->pos] == '\n')
                self->line++;
            self->pos++;
        }
        if (self->pos >= self->size)
            return 0;

        int start_line = self->line;
        size_t line_start = self->pos;   // for column numbers
        self->buf_len = 0;
        self->n_fields = 0;
        self->offsets [0] = 0;

        bool quoted = false;         // inside a quoted field
        bool after_quote = false;    // a quoted field just closed
        bool field_started = false;  // any character of the field seen
        while (true) {
            if (self->pos >= self->size) {
                if (quoted) {
                    snprintf (err, errlen, "line %d: a quoted field is never closed: add the "
                              "closing \" (a quote inside a field is written \"\")", start_line);
                    return -1;
                }
                break;
            }
            char c = self->data [self->pos];
            if (c == 0) {
                snprintf (err, errlen, "line %d: the file holds a NUL byte: is it a CSV "
                          "text file? Save it from the spreadsheet as \"CSV UTF-8\"", self->line);
                return -1;
            }
            if (quoted) {
                self->pos++;
                if (c == '"') {
                    if (self->pos < self->size && self->data [self->pos] == '"') {
                        self->pos++;
                        if (s_put (self, '"'))
                            goto oom;
                    }
                    else {
                        quoted = false;
                        after_quote = true;
                    }
                    continue;
                }
                if (c == '\n') {
                    self->line++;
                    line_start = self->pos;
                }
                if (s_put (self, c))
                    goto oom;
                continue;
            }
            if (c == ',') {
                self->pos++;
                if (s_end_field (self))
                    goto oom;
                after_quote = field_started = false;
                continue;
            }
            if (c == '\n' || c == '\r') {
                //  End of record: consume one line end (CRLF, LF or CR)
                self->pos++;
                if (c == '\r' && self->pos < self->size && self->data [self->pos] == '\n')
                    self->pos++;
                self->line++;
                break;
            }
            if (after_quote) {
                if (c == ' ' || c == '\t') {
                    self->pos++;
                    continue;
                }
                snprintf (err, errlen, "line %d, column %zu: text after a closing quote; "
                          "put the whole field in quotes and write a quote inside it as \"\"",
                          self->line, self->pos - line_start + 1);
                return -1;
            }
            self->pos++;
            if (c == '"' && !field_started) {
                quoted = true;
                field_started = true;
                continue;
            }
            field_started = true;
            if (s_put (self, c))
                goto oom;
        }
        if (s_end_field (self))
            goto oom;
        for (size_t i = 0; i < self->n_fields; i++)
            self->fields [i] = self->buf + self->offsets [i];
        //  A line of only blanks is a blank line
        if (self->n_fields == 1 && strspn (self->fields [0], " \t") == strlen (self->fields [0]))
            continue;
        *fields = self->fields;
        *line = start_line;
        return (int) self->n_fields;
    }
oom:
    snprintf (err, errlen, "out of memory reading the CSV file");
    return -1;
}
