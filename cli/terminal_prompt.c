/*  terminal_prompt — see terminal_prompt.h. The answer to a prompt is:
    Enter alone to keep the value in [brackets], "-" to clear it, anything
    else to replace it. Program, products and card time are checked as they
    are typed (the terminal knows those lists); everything else is checked
    by intake, whose field errors decide which prompts come back. */
#include "terminal_prompt.h"
#include "terminal_batch.h"
#include "ll_clock.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { S_ANSWER = 0, S_EOF } s_read_rc_t;

//  Reads one line without its line end. Returns S_EOF at the end of input
//  (or Ctrl-C, which CZMQ's handler turns into an interrupted read).
static s_read_rc_t
s_read_line (FILE *in, FILE *out, bool echo, char **line)
{
    size_t cap = 0;
    *line = NULL;
    errno = 0;
    ssize_t n = getline (line, &cap, in);
    if (n < 0) {
        free (*line);
        *line = NULL;
        fprintf (out, "\n");
        return S_EOF;
    }
    while (n > 0 && ((*line) [n - 1] == '\n' || (*line) [n - 1] == '\r'))
        (*line) [--n] = 0;
    if (echo)
        fprintf (out, "%s\n", *line);
    return S_ANSWER;
}

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

//  What to show after the label: the choices, for fields that have them.
static const char *
s_choices (terminal_field_t field, char *buf, size_t len)
{
    if (field == TERMINAL_PROGRAM)
        snprintf (buf, len, " (%s)", terminal_program_names ());
    else
    if (field == TERMINAL_PRODUCTS)
        snprintf (buf, len, " (comma separated: %s)", terminal_product_names ());
    else
    if (field == TERMINAL_CARD_TIME)
        snprintf (buf, len, " (e.g. 2024-05-01 14:30, or now)");
    else
        buf [0] = 0;
    return buf;
}

//  Checks what the terminal can check itself. Returns 0 or -1 after
//  printing the problem.
static int
s_check (terminal_field_t field, const char *value, FILE *out)
{
    terminal_problem_t problem = { 0 };
    int rc = 0;
    if (field == TERMINAL_PROGRAM) {
        Leadline__V1__Program program;
        rc = terminal_parse_program (value, &program, &problem);
    }
    else
    if (field == TERMINAL_CARD_TIME) {
        int64_t us;
        rc = terminal_parse_time (value, ll_clock_now_us (), &us, &problem);
    }
    else
    if (field == TERMINAL_PRODUCTS) {
        char *list = strdup (value);
        char *saveptr = NULL;
        for (char *item = list ? strtok_r (list, ",;|/", &saveptr) : NULL; item && !rc;
             item = strtok_r (NULL, ",;|/", &saveptr)) {
            item = s_trim (item);
            Leadline__V1__Product product;
            if (*item)
                rc = terminal_parse_product (item, &product, &problem);
        }
        free (list);
    }
    if (rc)
        fprintf (out, "  ! %s (hint: %s)\n", problem.message, problem.hint);
    return rc;
}

//  Asks for one field until the answer passes the terminal's own checks.
//  Returns 0, or -1 at the end of input.
static int
s_ask (terminal_card_t *card, terminal_field_t field, FILE *in, FILE *out, bool echo)
{
    while (true) {
        char choices [300];
        const char *have = terminal_card_get (card, field);
        if (!have && field == TERMINAL_CARD_TIME)
            have = "now";
        fprintf (out, "%s%s [%s]: ", terminal_field_label (field),
                 s_choices (field, choices, sizeof choices), have ? have : "");
        fflush (out);
        char *line;
        if (s_read_line (in, out, echo, &line) == S_EOF)
            return -1;
        char *answer = s_trim (line);
        if (*answer == 0) {
            free (line);
            if (terminal_card_get (card, field)
            &&  s_check (field, terminal_card_get (card, field), out))
                continue;
            return 0;
        }
        if (strcmp (answer, "-") == 0) {
            terminal_card_set (card, field, NULL);
            free (line);
            return 0;
        }
        if (s_check (field, answer, out)) {
            free (line);
            continue;
        }
        terminal_card_set (card, field, answer);
        free (line);
        return 0;
    }
}

//  Asks a yes/no question; the default when Enter alone is given.
static bool
s_yes (FILE *in, FILE *out, bool echo, const char *question, bool dflt, bool *eof)
{
    while (true) {
        fprintf (out, "%s [%s]: ", question, dflt ? "Y/n" : "y/N");
        fflush (out);
        char *line;
        if (s_read_line (in, out, echo, &line) == S_EOF) {
            *eof = true;
            return false;
        }
        char *answer = s_trim (line);
        bool yes = dflt;
        bool ok = true;
        if (*answer)
            yes = (*answer == 'y' || *answer == 'Y');
        if (*answer && !strchr ("yYnN", *answer))
            ok = false;
        free (line);
        if (ok)
            return yes;
        fprintf (out, "  ! answer y or n\n");
    }
}

int
terminal_prompt_run (const terminal_args_t *args, terminal_spool_t *spool,
                     terminal_link_t *link, FILE *in, FILE *out)
{
    bool echo = !isatty (fileno (in));
    const char *fixed_station = terminal_card_get (args->card, TERMINAL_STATION);
    int rc = 0;
    int cards = 0;
    fprintf (out, "Leadline station terminal%s%s. Enter keeps the value in [brackets], "
             "- clears it, Ctrl-D stops.\n", fixed_station ? ": station " : "",
             fixed_station ? fixed_station : "");

    terminal_card_t *previous = terminal_card_dup (args->card);
    if (!previous)
        return 1;
    bool stop = false;
    while (!stop) {
        //  A new card starts with the flags' fields and the last employee
        terminal_card_t *card = terminal_card_dup (args->card);
        if (!card)
            break;
        terminal_card_fill (card, previous);
        for (int f = TERMINAL_PROGRAM; f <= TERMINAL_KEY; f++)
            if (!terminal_card_get (args->card, f) || f == TERMINAL_KEY)
                terminal_card_set (card, f, NULL);
        cards++;
        fprintf (out, "\n-- card %d --\n", cards);

        unsigned ask = 0;
        for (int f = 0; f < TERMINAL_KEY; f++)
            if (!(f == TERMINAL_STATION && fixed_station))
                ask |= 1u << f;
        bool finished = false;
        bool first_round = true;
        while (!finished) {
            int answered = 0;
            for (int f = 0; f < TERMINAL_KEY && !finished; f++) {
                if (!(ask & (1u << f)))
                    continue;
                if (s_ask (card, f, in, out, echo) == 0) {
                    answered++;
                    continue;
                }
                //  End of input: before the first answer it is a clean stop
                if (first_round && answered == 0)
                    cards--;
                else {
                    fprintf (out, "Card %d not handed in (input ended).\n", cards);
                    rc = rc ? rc : 1;
                }
                stop = finished = true;
            }
            first_round = false;
            if (finished)
                break;

            terminal_batch_t *batch = terminal_batch_new (spool, link, NULL, out);
            if (!batch || terminal_batch_add_backlog (batch, false)
            ||  terminal_batch_add_card (batch, card)) {
                terminal_batch_destroy (&batch);
                rc = 1;
                stop = true;
                break;
            }
            terminal_batch_run (batch);
            terminal_result_t result = terminal_batch_result (batch, 0);
            char why [300];
            snprintf (why, sizeof why, "%s", terminal_batch_why (batch));
            terminal_batch_destroy (&batch);
            switch (result.kind) {
                case TERMINAL_RESULT_ENTERED:
                case TERMINAL_RESULT_DUPLICATE:
                    finished = true;
                    break;
                case TERMINAL_RESULT_REJECTED:
                    //  Ask again for the failing fields only; INVALID stores
                    //  nothing, so the corrected card may keep its key
                    ask = result.bad_fields & ~(1u << TERMINAL_KEY);
                    if (result.bad_fields & (1u << TERMINAL_KEY))
                        terminal_card_set (card, TERMINAL_KEY, NULL);
                    if (!ask)
                        ask = (1u << TERMINAL_KEY) - 1;
                    fprintf (out, "Correct the field%s above:\n",
                             __builtin_popcount (ask) == 1 ? "" : "s");
                    break;
                case TERMINAL_RESULT_SPOOLED:
                    fprintf (out, "Not delivered: %s. The card is saved on this terminal "
                             "(%s) and will be sent when intake returns.\n",
                             *why ? why : "intake is not answering", terminal_spool_dir (spool));
                    rc = 3;
                    finished = true;
                    break;
                default:
                    rc = rc == 3 ? 3 : 1;
                    finished = true;
                    break;
            }
            if (zsys_interrupted)
                stop = finished = true;
        }
        terminal_card_destroy (&previous);
        previous = card;
        if (!stop) {
            bool eof = false;
            if (!s_yes (in, out, echo, "Hand in another card?", true, &eof))
                stop = true;
        }
    }
    terminal_card_destroy (&previous);
    return rc;
}
