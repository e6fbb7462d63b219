/*  admin_csv — a small RFC 4180 reader that keeps positions. */
#include "admin_csv.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    const char *end;
    int line;
    int col;                   // column of *p, in characters
} s_cursor_t;

static void
s_advance (s_cursor_t *c)
{
    if (*c->p == '\n') {
        c->line++;
        c->col = 1;
    }
    else
    if (((unsigned char) *c->p & 0xc0) != 0x80)
        c->col++;
    c->p++;
}

static void
s_push (admin_csv_record_t *rec, size_t *cap, char *field, int line, int col)
{
    if (rec->count == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        rec->fields = realloc (rec->fields, *cap * sizeof *rec->fields);
        rec->lines = realloc (rec->lines, *cap * sizeof *rec->lines);
        rec->columns = realloc (rec->columns, *cap * sizeof *rec->columns);
        if (!rec->fields || !rec->lines || !rec->columns)
            abort ();
    }
    rec->fields [rec->count] = field;
    rec->lines [rec->count] = line;
    rec->columns [rec->count++] = col;
}

//  The field being read: one buffer reused for every field of the file.
typedef struct {
    char *buf;
    size_t len, cap;
} s_text_t;

static void
s_put (s_text_t *t, char ch)
{
    if (t->len + 1 >= t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->buf = realloc (t->buf, t->cap);
        if (!t->buf)
            abort ();
    }
    t->buf [t->len++] = ch;
}

static void
s_record_free (admin_csv_record_t *rec)
{
    for (size_t i = 0; i < rec->count; i++)
        free (rec->fields [i]);
    free (rec->fields);
    free (rec->lines);
    free (rec->columns);
}

static char *
s_read_file (const char *path, size_t *size, char *err, size_t errlen)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        snprintf (err, errlen, "%s: cannot open: %s", path, strerror (errno));
        return NULL;
    }
    char *data = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&data, &len);
    char buf [65536];
    size_t n;
    while (out && (n = fread (buf, 1, sizeof buf, file)) > 0)
        fwrite (buf, 1, n, out);
    bool failed = ferror (file) != 0;
    fclose (file);
    if (out)
        fclose (out);
    if (failed || !data) {
        snprintf (err, errlen, "%s: cannot read: %s", path, strerror (errno));
        free (data);
        return NULL;
    }
    *size = len;
    return data;
}

admin_csv_t *
admin_csv_read (const char *path, char *err, size_t errlen)
{
    size_t size = 0;
    char *data = s_read_file (path, &size, err, errlen);
    if (!data)
        return NULL;
    admin_csv_t *self = admin_csv_parse (path, data, size, err, errlen);
    free (data);
    return self;
}

admin_csv_t *
admin_csv_parse (const char *path, const char *input, size_t size, char *err, size_t errlen)
{
    char *data = malloc (size ? size : 1);
    if (!data)
        abort ();
    memcpy (data, input, size);
    if (memchr (data, 0, size)) {
        snprintf (err, errlen, "%s: holds NUL bytes: save it as UTF-8 CSV text", path);
        free (data);
        return NULL;
    }
    admin_csv_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->path = strdup (path);
    size_t rec_cap = 0;
    s_cursor_t c = { data, data + size, 1, 1 };
    if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
        c.p += 3;

    char *field = NULL;
    s_text_t text = { NULL, 0, 0 };
    while (c.p < c.end) {
        admin_csv_record_t rec = { .line = c.line };
        size_t field_cap = 0;
        bool end_of_record = false;
        while (!end_of_record) {
            int fline = c.line, fcol = c.col;
            text.len = 0;
            if (c.p < c.end && *c.p == '"') {
                int qline = c.line, qcol = c.col;
                s_advance (&c);
                while (true) {
                    if (c.p >= c.end) {
                        snprintf (err, errlen, "%s:%d:%d: this quote is never closed "
                                  "(a quoted field ends with \" followed by , or a line "
                                  "break)", path, qline, qcol);
                        goto fail;
                    }
                    if (*c.p == '"') {
                        if (c.p + 1 < c.end && c.p [1] == '"') {
                            s_put (&text, '"');
                            s_advance (&c);
                            s_advance (&c);
                            continue;
                        }
                        s_advance (&c);
                        break;
                    }
                    if (*c.p == '\r' && c.p + 1 < c.end && c.p [1] == '\n') {
                        s_advance (&c);
                        continue;
                    }
                    s_put (&text, *c.p);
                    s_advance (&c);
                }
                if (c.p < c.end && *c.p != ',' && *c.p != '\n'
                &&  !(*c.p == '\r' && (c.p + 1 == c.end || c.p [1] == '\n'))) {
                    snprintf (err, errlen, "%s:%d:%d: text after a closing quote: "
                              "put the whole field in quotes, and double any quote "
                              "inside it (\"\")", path, c.line, c.col);
                    goto fail;
                }
            }
            else
                while (c.p < c.end && *c.p != ',' && *c.p != '\n') {
                    if (*c.p == '\r' && (c.p + 1 == c.end || c.p [1] == '\n')) {
                        s_advance (&c);
                        continue;
                    }
                    s_put (&text, *c.p);
                    s_advance (&c);
                }
            field = malloc (text.len + 1);
            if (!field)
                abort ();
            if (text.len)
                memcpy (field, text.buf, text.len);
            field [text.len] = 0;
            s_push (&rec, &field_cap, field, fline, fcol);
            field = NULL;
            if (c.p >= c.end)
                end_of_record = true;
            else
            if (*c.p == '\r') {
                s_advance (&c);
                if (c.p >= c.end)       // a quoted last field, then CR at the very end
                    end_of_record = true;
            }
            if (c.p < c.end && *c.p == '\n') {
                s_advance (&c);
                end_of_record = true;
            }
            else
            if (c.p < c.end && *c.p == ',')
                s_advance (&c);
        }
        if (self->count == rec_cap) {
            rec_cap = rec_cap ? rec_cap * 2 : 256;
            self->records = realloc (self->records, rec_cap * sizeof *self->records);
            if (!self->records)
                abort ();
        }
        self->records [self->count++] = rec;
        continue;
fail:
        free (text.buf);
        free (field);
        s_record_free (&rec);
        free (data);
        admin_csv_destroy (&self);
        return NULL;
    }
    free (text.buf);
    free (data);
    return self;
}

void
admin_csv_destroy (admin_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    admin_csv_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        s_record_free (&self->records [i]);
    free (self->records);
    free (self->path);
    free (self);
    *self_p = NULL;
}
