/*  report_format_text — a report as plain text for the terminal: the
    title, the facts, each table boxed with aligned columns (numbers to the
    right), each chart as rows of bars. Widths count characters, not bytes,
    so names with accents line up. */
#include "report_doc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 40

//  Characters in a UTF-8 string (continuation bytes do not count).
static size_t
s_width (const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char) *s & 0xC0) != 0x80)
            n++;
    return n;
}

static void
s_pad (FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc (' ', out);
}

static const char *
s_cell (const report_col_t *col, const report_cell_t *cell, char *buf, size_t len)
{
    if (col->type == REPORT_COL_TEXT && !cell->null)
        return cell->text ? cell->text : "";
    report_cell_human (col, cell, buf, len);
    return buf;
}

static void
s_rule (FILE *out, const size_t *widths, size_t n)
{
    fputc ('+', out);
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < widths [c] + 2; i++)
            fputc ('-', out);
        fputc ('+', out);
    }
    fputc ('\n', out);
}

static void
s_table (FILE *out, const report_table_t *t)
{
    fprintf (out, "%s\n", t->title);
    if (t->note)
        fprintf (out, "%s\n", t->note);
    size_t *widths = calloc (t->ncols ? t->ncols : 1, sizeof *widths);
    if (!widths)
        return;
    char buf [128];
    for (size_t c = 0; c < t->ncols; c++)
        widths [c] = s_width (t->cols [c].label);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t w = s_width (s_cell (&t->cols [c], report_cell_at (t, r, c), buf, sizeof buf));
            if (w > widths [c])
                widths [c] = w;
        }
    s_rule (out, widths, t->ncols);
    fputc ('|', out);
    for (size_t c = 0; c < t->ncols; c++) {
        fprintf (out, " %s", t->cols [c].label);
        s_pad (out, widths [c] - s_width (t->cols [c].label) + 1);
        fputc ('|', out);
    }
    fputc ('\n', out);
    s_rule (out, widths, t->ncols);
    for (size_t r = 0; r < t->nrows; r++) {
        fputc ('|', out);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = s_cell (&t->cols [c], report_cell_at (t, r, c), buf, sizeof buf);
            size_t pad = widths [c] - s_width (v);
            fputc (' ', out);
            if (t->cols [c].type == REPORT_COL_TEXT) {
                fputs (v, out);
                s_pad (out, pad);
            }
            else {
                s_pad (out, pad);
                fputs (v, out);
            }
            fputs (" |", out);
        }
        fputc ('\n', out);
    }
    if (t->nrows == 0) {
        size_t total = 1;
        for (size_t c = 0; c < t->ncols; c++)
            total += widths [c] + 3;
        const char *none = "(none)";
        fprintf (out, "| %s", none);
        s_pad (out, total > strlen (none) + 4 ? total - strlen (none) - 4 : 0);
        fputs (" |\n", out);
    }
    s_rule (out, widths, t->ncols);
    fputc ('\n', out);
    free (widths);
}

static void
s_chart (FILE *out, const report_chart_t *ch)
{
    fprintf (out, "%s\n", ch->title);
    double max = ch->has_target ? ch->target : 0;
    size_t lw = 0;
    for (size_t i = 0; i < ch->npoints; i++) {
        if (ch->points [i].value > max)
            max = ch->points [i].value;
        if (s_width (ch->points [i].label) > lw)
            lw = s_width (ch->points [i].label);
    }
    if (strcmp (ch->unit, "%") == 0 && max < 100)
        max = 100;
    if (max <= 0)
        max = 1;
    int target_at = ch->has_target ? (int) (ch->target / max * BAR_WIDTH + 0.5) : -1;
    for (size_t i = 0; i < ch->npoints; i++) {
        fprintf (out, "  %s", ch->points [i].label);
        s_pad (out, lw - s_width (ch->points [i].label) + 1);
        int n = (int) (ch->points [i].value / max * BAR_WIDTH + 0.5);
        fputc ('|', out);
        for (int k = 0; k < BAR_WIDTH; k++)
            fputc (k < n ? '#' : k == target_at ? '|' : ' ', out);
        if (strcmp (ch->unit, "%") == 0)
            fprintf (out, " %.1f%%\n", ch->points [i].value);
        else
        if (strcmp (ch->unit, "$") == 0) {
            char m [48];
            report_money_human ((int64_t) (ch->points [i].value * 100.0 + 0.5), m, sizeof m);
            fprintf (out, " %s\n", m);
        }
        else
            fprintf (out, " %.0f\n", ch->points [i].value);
    }
    if (ch->npoints == 0)
        fprintf (out, "  (no data)\n");
    if (ch->has_target)
        fprintf (out, "  the | column marks %s\n", ch->target_label ? ch->target_label : "the target");
    fputc ('\n', out);
}

char *
report_format_text (const report_t *self, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    fprintf (out, "%s\n", self->title);
    if (self->subtitle)
        fprintf (out, "%s\n", self->subtitle);
    fputc ('\n', out);
    size_t lw = 0;
    for (size_t i = 0; i < self->nmeta; i++)
        if (s_width (self->meta [i].label) > lw)
            lw = s_width (self->meta [i].label);
    for (size_t i = 0; i < self->nmeta; i++) {
        fprintf (out, "%s:", self->meta [i].label);
        s_pad (out, lw - s_width (self->meta [i].label) + 1);
        fprintf (out, "%s\n", self->meta [i].value);
    }
    if (self->nmeta)
        fputc ('\n', out);
    for (size_t i = 0; i < self->ntables; i++)
        s_table (out, self->tables [i]);
    for (size_t i = 0; i < self->ncharts; i++)
        s_chart (out, self->charts [i]);
    if (self->nnotes) {
        fprintf (out, "Notes\n");
        for (size_t i = 0; i < self->nnotes; i++)
            fprintf (out, "  - %s\n", self->notes [i]);
        fputc ('\n', out);
    }
    if (self->generated)
        fprintf (out, "Generated %s\n", self->generated);
    fclose (out);
    *len = size;
    return text;
}
