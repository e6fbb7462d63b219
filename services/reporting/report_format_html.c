/*  report_format_html — a report as one printable HTML page for the
    bulletin board: no scripts, no external files; the charts are inline
    SVG (bars, or a line), with the target as a dashed line. Ids and
    classes are stable, so tests and style sheets can find things:
      <table class="report-table" id="table-ID">, <th data-col="COL">
      <figure class="chart" id="chart-ID"><svg class="chart-svg" ...> */
#include "report_doc.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SVG_W 480
#define SVG_H 240
#define PAD_L 44
#define PAD_R 12
#define PAD_T 22
#define PAD_B 58

static void
s_esc (FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
            case '&': fputs ("&amp;", out); break;
            case '<': fputs ("&lt;", out); break;
            case '>': fputs ("&gt;", out); break;
            case '"': fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out); break;
            default: fputc (*s, out);
        }
    }
}

static const char s_style [] =
    "body{font-family:\"DejaVu Sans\",Arial,sans-serif;font-size:11pt;color:#111;margin:16px;}"
    "h1{font-size:18pt;margin:0 0 4px 0;}h2{font-size:13pt;margin:18px 0 6px 0;}"
    ".subtitle{font-size:12pt;margin:0 0 8px 0;}"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:8px 0;}"
    "dl.meta dt{font-weight:bold;}dl.meta dd{margin:0;}"
    "table.report-table{border-collapse:collapse;margin:4px 0 8px 0;}"
    "table.report-table th,table.report-table td{border:1px solid #888;padding:3px 6px;}"
    "table.report-table th{background:#e8e8e8;text-align:left;}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;}"
    "td.none{color:#666;font-style:italic;}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px;}"
    "figure.chart{margin:0;border:1px solid #ccc;padding:6px;}"
    "figure.chart figcaption{font-weight:bold;margin-bottom:4px;}"
    ".note{color:#333;font-size:10pt;margin:2px 0;}"
    "footer{margin-top:16px;font-size:9pt;color:#333;}"
    "@media print{body{margin:0;}section.table,figure.chart{break-inside:avoid;}"
    "@page{size:letter;margin:12mm;}}";

static void
s_svg (FILE *out, const report_chart_t *ch)
{
    bool pct = strcmp (ch->unit, "%") == 0;
    double max = ch->has_target ? ch->target : 0;
    for (size_t i = 0; i < ch->npoints; i++)
        if (ch->points [i].value > max)
            max = ch->points [i].value;
    if (pct)
        max = 100;
    else
    if (max <= 0)
        max = 1;
    else
        max *= 1.1;
    double x0 = PAD_L, x1 = SVG_W - PAD_R, y0 = PAD_T, y1 = SVG_H - PAD_B;
    fprintf (out, "<svg class=\"chart-svg chart-%s\" xmlns=\"http://www.w3.org/2000/svg\" "
             "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
             ch->kind == REPORT_CHART_LINE ? "line" : "bar", SVG_W, SVG_H, SVG_W, SVG_H);
    s_esc (out, ch->title);
    fputs ("\">", out);
    //  Axes and three grid lines.
    fprintf (out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
             "stroke=\"#333\"/>", x0, y1, x1, y1);
    fprintf (out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
             "stroke=\"#333\"/>", x0, y0, x0, y1);
    for (int g = 1; g <= 2; g++) {
        double v = max * g / 2.0;
        double y = y1 - (y1 - y0) * g / 2.0;
        fprintf (out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>",
                 x0, y, x1, y);
        fprintf (out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%.0f%s</text>",
                 x0 - 3, y + 3, v, pct ? "%" : "");
    }
    size_t n = ch->npoints;
    double slot = n ? (x1 - x0) / (double) n : 0;
    bool rotate = n > 8;
    if (ch->kind == REPORT_CHART_LINE && n > 0) {
        fputs ("<polyline class=\"series\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"", out);
        for (size_t i = 0; i < n; i++) {
            double x = x0 + slot * ((double) i + 0.5);
            double y = y1 - (y1 - y0) * fmin (ch->points [i].value, max) / max;
            fprintf (out, "%s%.1f,%.1f", i ? " " : "", x, y);
        }
        fputs ("\"/>", out);
    }
    for (size_t i = 0; i < n; i++) {
        double v = ch->points [i].value;
        double h = (y1 - y0) * fmin (v, max) / max;
        double cx = x0 + slot * ((double) i + 0.5);
        if (ch->kind == REPORT_CHART_BAR) {
            double w = slot * 0.7;
            fprintf (out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                     "fill=\"#1f5fa8\"><title>", cx - w / 2, y1 - h, w, h);
            s_esc (out, ch->points [i].label);
            fprintf (out, ": %.1f%s</title></rect>", v, pct ? "%" : "");
        }
        else {
            fprintf (out, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f5fa8\"><title>",
                     cx, y1 - h);
            s_esc (out, ch->points [i].label);
            fprintf (out, ": %.1f%s</title></circle>", v, pct ? "%" : "");
        }
        if (!rotate || ch->kind == REPORT_CHART_BAR)
            fprintf (out, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
                     "text-anchor=\"middle\">%.*f%s</text>",
                     cx, y1 - h - 3, rotate ? 7 : 9, pct ? 1 : 0, v, pct ? "%" : "");
        if (rotate) {
            fprintf (out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"8\" "
                     "text-anchor=\"end\" transform=\"rotate(-60 %.1f %.1f)\">",
                     cx, y1 + 10, cx, y1 + 10);
        }
        else
            fprintf (out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                     "text-anchor=\"middle\">", cx, y1 + 13);
        s_esc (out, ch->points [i].label);
        fputs ("</text>", out);
    }
    if (n == 0)
        fprintf (out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">no data</text>",
                 (x0 + x1) / 2, (y0 + y1) / 2);
    if (ch->has_target) {
        double y = y1 - (y1 - y0) * fmin (ch->target, max) / max;
        fprintf (out, "<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                 "stroke=\"#c0392b\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>", x0, y, x1, y);
        //  A white halo keeps the label readable where it crosses a bar.
        fprintf (out, "<text class=\"target-label\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                 "text-anchor=\"end\" fill=\"#c0392b\" stroke=\"#fff\" stroke-width=\"3\" "
                 "paint-order=\"stroke\">", x1, y - 3);
        s_esc (out, ch->target_label ? ch->target_label : "target");
        fputs ("</text>", out);
    }
    fputs ("</svg>", out);
}

static void
s_table (FILE *out, const report_table_t *t)
{
    char buf [128];
    fputs ("<section class=\"table\"><h2>", out);
    s_esc (out, t->title);
    fputs ("</h2>", out);
    if (t->note) {
        fputs ("<p class=\"note\">", out);
        s_esc (out, t->note);
        fputs ("</p>", out);
    }
    fputs ("<table class=\"report-table\" id=\"table-", out);
    s_esc (out, t->id);
    fputs ("\"><thead><tr>", out);
    for (size_t c = 0; c < t->ncols; c++) {
        fputs ("<th data-col=\"", out);
        s_esc (out, t->cols [c].id);
        fputs ("\">", out);
        s_esc (out, t->cols [c].label);
        fputs ("</th>", out);
    }
    fputs ("</tr></thead>\n<tbody>", out);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs ("<tr>", out);
        for (size_t c = 0; c < t->ncols; c++) {
            const report_cell_t *cell = report_cell_at (t, r, c);
            bool num = t->cols [c].type != REPORT_COL_TEXT && t->cols [c].type != REPORT_COL_BOOL;
            fputs (num ? "<td class=\"num\">" : "<td>", out);
            if (t->cols [c].type == REPORT_COL_TEXT && !cell->null)
                s_esc (out, cell->text);
            else {
                report_cell_human (&t->cols [c], cell, buf, sizeof buf);
                s_esc (out, buf);
            }
            fputs ("</td>", out);
        }
        fputs ("</tr>\n", out);
    }
    if (t->nrows == 0)
        fprintf (out, "<tr><td class=\"none\" colspan=\"%zu\">none</td></tr>\n", t->ncols);
    fputs ("</tbody></table></section>\n", out);
}

char *
report_format_html (const report_t *self, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    fputs ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width\"><title>", out);
    s_esc (out, self->title);
    if (self->subtitle) {
        fputs (" — ", out);
        s_esc (out, self->subtitle);
    }
    fprintf (out, "</title><style>%s</style></head>\n<body class=\"report report-", s_style);
    s_esc (out, self->kind);
    fputs ("\">\n<header><h1>", out);
    s_esc (out, self->title);
    fputs ("</h1>", out);
    if (self->subtitle) {
        fputs ("<p class=\"subtitle\">", out);
        s_esc (out, self->subtitle);
        fputs ("</p>", out);
    }
    fputs ("<dl class=\"meta\">", out);
    for (size_t i = 0; i < self->nmeta; i++) {
        fputs ("<dt>", out);
        s_esc (out, self->meta [i].label);
        fputs ("</dt><dd data-key=\"", out);
        s_esc (out, self->meta [i].key);
        fputs ("\">", out);
        s_esc (out, self->meta [i].value);
        fputs ("</dd>", out);
    }
    fputs ("</dl></header>\n", out);
    if (self->ncharts) {
        fputs ("<section class=\"charts\">\n", out);
        for (size_t i = 0; i < self->ncharts; i++) {
            fputs ("<figure class=\"chart\" id=\"chart-", out);
            s_esc (out, self->charts [i]->id);
            fputs ("\"><figcaption>", out);
            s_esc (out, self->charts [i]->title);
            fputs ("</figcaption>", out);
            s_svg (out, self->charts [i]);
            fputs ("</figure>\n", out);
        }
        fputs ("</section>\n", out);
    }
    for (size_t i = 0; i < self->ntables; i++)
        s_table (out, self->tables [i]);
    fputs ("<footer>", out);
    if (self->nnotes) {
        fputs ("<ul class=\"notes\">", out);
        for (size_t i = 0; i < self->nnotes; i++) {
            fputs ("<li>", out);
            s_esc (out, self->notes [i]);
            fputs ("</li>", out);
        }
        fputs ("</ul>", out);
    }
    if (self->generated) {
        fputs ("<p class=\"generated\">Generated ", out);
        s_esc (out, self->generated);
        fputs ("</p>", out);
    }
    fputs ("</footer>\n</body></html>\n", out);
    fclose (out);
    *len = size;
    return text;
}
