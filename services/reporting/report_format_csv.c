/*  report_format_csv — a report as one CSV file (RFC 4180: comma
    separated, CRLF line ends, fields with a comma, quote or line break in
    double quotes with "" inside). Every record has the same number of
    fields, so any CSV reader takes it:
        section,kind,c1,c2,...
        report,title,<title>            report,subtitle,...   report,generated,...
        meta,<key>,<label>,<value>
        <table id>,header,<column labels>
        <table id>,row,<values>         (dollars 1234.56, shares 35.2, empty = no data)
        notes,note,<text>
    Charts are not repeated here: their numbers are in the tables. */
#include "report_doc.h"
#include <stdio.h>
#include <string.h>

static void
s_field (FILE *out, const char *s, bool first)
{
    if (!first)
        fputc (',', out);
    if (strpbrk (s, ",\"\r\n") == NULL) {
        fputs (s, out);
        return;
    }
    fputc ('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc ('"', out);
        fputc (*s, out);
    }
    fputc ('"', out);
}

static void
s_end (FILE *out, size_t used, size_t width)
{
    for (; used < width; used++)
        fputc (',', out);
    fputs ("\r\n", out);
}

char *
report_format_csv (const report_t *self, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    size_t width = 4;       // meta rows: section, kind, label, value
    for (size_t i = 0; i < self->ntables; i++)
        if (self->tables [i]->ncols + 2 > width)
            width = self->tables [i]->ncols + 2;
    s_field (out, "section", true);
    s_field (out, "kind", false);
    for (size_t c = 1; c + 2 <= width; c++) {
        char name [16];
        snprintf (name, sizeof name, "c%zu", c);
        s_field (out, name, false);
    }
    fputs ("\r\n", out);

    s_field (out, "report", true);
    s_field (out, "title", false);
    s_field (out, self->title, false);
    s_end (out, 3, width);
    if (self->subtitle) {
        s_field (out, "report", true);
        s_field (out, "subtitle", false);
        s_field (out, self->subtitle, false);
        s_end (out, 3, width);
    }
    if (self->generated) {
        s_field (out, "report", true);
        s_field (out, "generated", false);
        s_field (out, self->generated, false);
        s_end (out, 3, width);
    }
    for (size_t i = 0; i < self->nmeta; i++) {
        s_field (out, "meta", true);
        s_field (out, self->meta [i].key, false);
        s_field (out, self->meta [i].label, false);
        s_field (out, self->meta [i].value, false);
        s_end (out, 4, width);
    }
    char buf [128];
    for (size_t i = 0; i < self->ntables; i++) {
        const report_table_t *t = self->tables [i];
        s_field (out, t->id, true);
        s_field (out, "header", false);
        for (size_t c = 0; c < t->ncols; c++)
            s_field (out, t->cols [c].label, false);
        s_end (out, t->ncols + 2, width);
        for (size_t r = 0; r < t->nrows; r++) {
            s_field (out, t->id, true);
            s_field (out, "row", false);
            for (size_t c = 0; c < t->ncols; c++) {
                const report_cell_t *cell = report_cell_at (t, r, c);
                if (t->cols [c].type == REPORT_COL_TEXT && !cell->null)
                    s_field (out, cell->text ? cell->text : "", false);
                else {
                    report_cell_plain (&t->cols [c], cell, buf, sizeof buf);
                    s_field (out, buf, false);
                }
            }
            s_end (out, t->ncols + 2, width);
        }
    }
    for (size_t i = 0; i < self->nnotes; i++) {
        s_field (out, "notes", true);
        s_field (out, "note", false);
        s_field (out, self->notes [i], false);
        s_end (out, 3, width);
    }
    fclose (out);
    *len = size;
    return text;
}
