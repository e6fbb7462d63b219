/*  intake_validate — field checks on what terminals and reps send, and the
    normalisation that duplicate detection compares. Pure functions: no
    store, no clock (the caller passes the time), so the unit test drives
    every rule directly. Each failure becomes one field error with a stable
    code, a message for the person at the terminal and a hint; all errors of
    a request are collected, not just the first. docs/intake.md lists them. */
#ifndef INTAKE_VALIDATE_H
#define INTAKE_VALIDATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "leadline/v1/lead.pb-c.h"

#define INTAKE_MAX_ERRORS   24
#define INTAKE_KEY_MIN      8
#define INTAKE_KEY_MAX      128
#define INTAKE_ID_MAX       32
#define INTAKE_NAME_MAX     200
#define INTAKE_ADDRESS_MAX  300
#define INTAKE_EMAIL_MAX    254
#define INTAKE_PHONE_MAX    32
#define INTAKE_NOTES_MAX    2000
#define INTAKE_PRODUCTS_MAX 16
#define INTAKE_TEXT_MAX     500          // reasons, lost reasons, contact notes
#define INTAKE_FUTURE_SLACK_US (5LL * 60 * 1000000)   // terminal clocks drift

typedef struct {
    char field [48];
    char code [24];
    char message [256];
    char hint [256];
} intake_ferr_t;

//  The errors of one request. Most requests have none, so the array is
//  allocated at the first error; intake_ferrs_free() releases it.
typedef struct {
    intake_ferr_t *items;
    size_t count;
    size_t cap;
} intake_ferrs_t;

void intake_ferrs_free (intake_ferrs_t *errs);
//  Replaces `dst` with a copy of `src`.
void intake_ferrs_copy (intake_ferrs_t *dst, const intake_ferrs_t *src);

//  Adds one error (silently drops past INTAKE_MAX_ERRORS).
void intake_ferr_add (intake_ferrs_t *errs, const char *field, const char *code,
                      const char *hint, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

//  Checks the idempotency key every command carries.
void intake_check_key (const char *key, intake_ferrs_t *errs);

//  Checks a card's own fields (not whether station and employee exist:
//  that takes the store). `now_us` is intake's clock.
void intake_check_card (const Leadline__V1__LeadCard *card, int64_t now_us,
                        int max_age_days, intake_ferrs_t *errs);

//  Checks an org id (employee, station, rep, manager): required, length,
//  characters. Returns true if well formed.
bool intake_check_id (const char *id, const char *field, const char *what,
                      intake_ferrs_t *errs);

//  Checks a lead id: a UUID. Returns true if well formed.
bool intake_check_lead_id (const char *id, const char *field, intake_ferrs_t *errs);

//  Checks an optional free text: length and characters (newlines and tabs
//  allowed when `multiline`).
void intake_check_text (const char *text, const char *field, size_t max,
                        bool multiline, intake_ferrs_t *errs);

//  True if `s` is valid UTF-8 without control characters (except \n \t
//  when `multiline`).
bool intake_text_ok (const char *s, bool multiline);

//  Normalised forms compared by duplicate detection; out is "" when the
//  input gives nothing to compare. `cap` includes the NUL.
void intake_norm_phone (const char *phone, char *out, size_t cap);
void intake_norm_name (const char *name, char *out, size_t cap);
void intake_norm_address (const char *address, char *out, size_t cap);

//  The three duplicate keys of a card: phone, name+zip5, name+address.
typedef struct {
    char phone [24];
    char name_zip [INTAKE_NAME_MAX + 16];
    char name_addr [INTAKE_NAME_MAX + INTAKE_ADDRESS_MAX + 8];
} intake_dup_keys_t;
void intake_dup_keys (const Leadline__V1__LeadCard *card, intake_dup_keys_t *keys);

//  Product names as used in org data and reasons: "priority_mail", ...;
//  NULL for an unknown value. intake_product_parse returns 0 if unknown.
const char *intake_product_name (int product);
int intake_product_parse (const char *name);
//  Bit mask of products (bit n = product n); INTAKE_PRODUCTS_ALL for "all".
#define INTAKE_PRODUCTS_ALL 0xFFFFFFFFu
uint32_t intake_products_mask (const Leadline__V1__Product *products, size_t count);

#endif
