/*  admin_csv — reads a CSV file (RFC 4180: commas, double quotes, "" for a
    quote inside a quoted field, line breaks inside quotes; CRLF or LF; an
    optional UTF-8 byte-order mark) into records that remember where each
    field started, so every error can name file:line:column. */
#ifndef ADMIN_CSV_H
#define ADMIN_CSV_H
#include <stddef.h>

typedef struct {
    int line;               // line the record starts on (1-based)
    size_t count;           // fields
    char **fields;          // NUL-terminated, unquoted
    int *lines;             // line of each field's first character
    int *columns;           // column (1-based, in characters) of each field
} admin_csv_record_t;

typedef struct {
    char *path;
    admin_csv_record_t *records;
    size_t count;
} admin_csv_t;

//  Reads the whole file. NULL with a message in `err` ("FILE:LINE:COL:
//  ...") on I/O or syntax errors (an unterminated quote, text after a
//  closing quote).
admin_csv_t *admin_csv_read (const char *path, char *err, size_t errlen);
//  The same on `size` bytes in memory; `path` names them in messages.
admin_csv_t *admin_csv_parse (const char *path, const char *data, size_t size,
                              char *err, size_t errlen);
void admin_csv_destroy (admin_csv_t **self_p);

#endif
