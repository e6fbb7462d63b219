/*  terminal_card — one lead card as the station terminal holds it: the text
    a clerk typed (flags, a CSV row, a JSON object, a prompt), and its
    encoding into the SubmitLead envelope intake expects.

    Fields are kept as text until encoding, so every input path shares one
    parser for programs, products and card times, and so a card read back
    from a file or the spool can be shown exactly as it was entered. */
#ifndef TERMINAL_CARD_H
#define TERMINAL_CARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "leadline/v1/envelope.pb-c.h"

typedef enum {
    TERMINAL_STATION = 0,
    TERMINAL_EMPLOYEE,
    TERMINAL_PROGRAM,
    TERMINAL_CARD_TIME,
    TERMINAL_BUSINESS,
    TERMINAL_ADDRESS,
    TERMINAL_ZIP,
    TERMINAL_CONTACT,
    TERMINAL_PHONE,
    TERMINAL_EMAIL,
    TERMINAL_PRODUCTS,
    TERMINAL_NOTES,
    TERMINAL_KEY,
    TERMINAL_N_FIELDS
} terminal_field_t;

#define TERMINAL_KEY_MIN 8               // idempotency key length limits
#define TERMINAL_KEY_MAX 128             // (intake's, docs/intake.md)
#define TERMINAL_PROBLEM_MAX 16

//  A problem found before sending (a field that cannot be encoded), in the
//  same shape as intake's FieldError so both print alike.
typedef struct {
    terminal_field_t field;
    char code [32];
    char message [256];
    char hint [256];
} terminal_problem_t;

typedef struct {
    int count;
    terminal_problem_t items [TERMINAL_PROBLEM_MAX];
} terminal_problems_t;

typedef struct _terminal_card_t terminal_card_t;

terminal_card_t *terminal_card_new (void);
void terminal_card_destroy (terminal_card_t **self_p);
terminal_card_t *terminal_card_dup (const terminal_card_t *self);

//  Sets a field's text (copied); NULL or "" clears it. Returns 0 or -1.
int terminal_card_set (terminal_card_t *self, terminal_field_t field, const char *value);
//  Appends to the products list ("a,b"). Returns 0 or -1.
int terminal_card_add_product (terminal_card_t *self, const char *value);
//  The field's text, or NULL when absent. Borrowed.
const char *terminal_card_get (const terminal_card_t *self, terminal_field_t field);
//  Source line in a file (0 when the card did not come from a file).
void terminal_card_set_line (terminal_card_t *self, int line);
int terminal_card_line (const terminal_card_t *self);
//  Copies every field that is absent in self from defaults.
void terminal_card_fill (terminal_card_t *self, const terminal_card_t *defaults);

//  Field names: the flag and column name ("business"), a label for the clerk
//  ("Business name"), and intake's FieldError path ("card.business.name").
const char *terminal_field_name (terminal_field_t field);
const char *terminal_field_label (terminal_field_t field);
const char *terminal_field_path (terminal_field_t field);
//  Looks up a flag/column/JSON name, accepting common spellings
//  ("Business Name", "zip_code", "card-time"). Returns -1 if unknown.
int terminal_field_lookup (const char *name);
//  Which fields an intake FieldError path refers to, as a bit mask
//  (1u << field). "card.contact" names contact, phone and email; a path the
//  terminal does not know names every card field.
unsigned terminal_fields_for_path (const char *path);
//  A short name for an intake FieldError path, for printing ("zip").
const char *terminal_path_name (const char *path);

//  Parsers, shared by every input path. Each returns 0, or -1 after writing
//  what was wrong and how to fix it into `problem` (which may be NULL).
int terminal_parse_program (const char *text, Leadline__V1__Program *program,
                            terminal_problem_t *problem);
int terminal_parse_product (const char *text, Leadline__V1__Product *product,
                            terminal_problem_t *problem);
//  ISO 8601: 2024-05-01, 2024-05-01T10:30, 2024-05-01 10:30:15,
//  2024-05-01T10:30:15.250Z, 2024-05-01T10:30:15-04:00; or "now". A time
//  without a zone is the terminal's local time.
int terminal_parse_time (const char *text, int64_t now_us, int64_t *time_us,
                         terminal_problem_t *problem);
const char *terminal_program_name (Leadline__V1__Program program);
const char *terminal_product_name (Leadline__V1__Product product);
//  The accepted names, comma separated, for help and hints.
const char *terminal_program_names (void);
const char *terminal_product_names (void);

//  True if the key is 8..128 of [A-Za-z0-9._:-].
bool terminal_key_valid (const char *key);
//  Sets the key, unless one is set: derived from the card's content when
//  `derive` is true and the card has a card time (so a file sent twice
//  reuses its keys), else a new random UUID.
void terminal_card_ensure_key (terminal_card_t *self, bool derive);

//  Checks every field and encodes the card as a packed Envelope carrying
//  SubmitLead, with the card's key and `sender` (the terminal's station).
//  Returns 0 with *data (caller frees) and *size, or -1 with problems.
int terminal_card_encode (const terminal_card_t *self, const char *sender,
                          int64_t now_us, uint8_t **data, size_t *size,
                          terminal_problems_t *problems);

//  Rebuilds a card from a decoded SubmitLead envelope (spool listings and
//  retries). Returns NULL if the envelope carries no card.
terminal_card_t *terminal_card_from_envelope (const Leadline__V1__Envelope *env);

//  Formats a time as "2024-05-01 10:30 UTC" (or local with zone). Returns buf.
char *terminal_format_time (int64_t time_us, char *buf, size_t len);

//  Adds a problem to the list (ignored when full).
void terminal_problem_add (terminal_problems_t *problems, terminal_field_t field,
                           const char *code, const char *hint, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

#endif
