/*  leadline terminal — the station terminal: hands lead cards to intake.

    One card from flags, many from a CSV or JSON file, or a clerk prompted
    field by field. Every card is written to the offline spool before it is
    sent and removed only when intake gives a final answer, so a card is
    never lost when intake is down and never doubled when it is sent again
    (intake answers a known idempotency key with its first answer). Every
    send first sends what the spool holds, oldest first.

    Exit codes: 0 entered, 1 rejected (fix the fields), 2 usage,
    3 spooled (intake unreachable; sent when it returns).
    The pieces: terminal_args (command line), terminal_card (fields,
    parsing, encoding), terminal_file / _csv / _json (card files),
    terminal_spool (the folder), terminal_link (DEALER, window, matching
    replies), terminal_batch (spool + link + what the clerk reads),
    terminal_prompt (interactive). docs/terminal.md is the manual. */
#include "cli.h"
#include "terminal_args.h"
#include "terminal_batch.h"
#include "terminal_file.h"
#include "terminal_prompt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_OK 0
#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define EXIT_SPOOLED 3

static void
s_help (FILE *out)
{
    fprintf (out,
"Usage:\n"
"  leadline terminal [submit] --station ID --employee ID --program NAME\n"
"                    --business NAME --zip ZIP --contact NAME --phone PHONE\n"
"                    [--email EMAIL] [--address ADDR] [--product NAME]...\n"
"                    [--card-time TIME] [--notes TEXT] [--key KEY]\n"
"  leadline terminal --file FILE [--format csv|json] [--station ID] [...]\n"
"  leadline terminal interactive [--station ID] [--employee ID]\n"
"  leadline terminal flush\n"
"  leadline terminal spool\n"
"\n"
"Hands lead cards to intake. Each card is saved in the offline spool before it\n"
"is sent and removed once intake answers for good, so when intake cannot be\n"
"reached the card waits on this terminal and is sent, with its original\n"
"idempotency key, the next time anything is sent (or by `flush`). It is never\n"
"lost and never entered twice.\n"
"\n"
"One card from flags (flag names are also the CSV columns / JSON members):\n"
"  --station ID        the station the card is handed in at\n"
"                      (default $LEADLINE_STATION)\n"
"  --employee ID       the employee who handed it in\n"
"  --program NAME      customer-connect, clerks-care, mail-handlers, rural-reach,\n"
"                      business-connect or submit-a-lead\n"
"  --card-time TIME    when the card was completed, ISO 8601: 2024-05-01T14:30\n"
"                      (local time), 2024-05-01T18:30:00Z, -04:00 offsets; or now\n"
"                      (default now)\n"
"  --business NAME     the business's name\n"
"  --address ADDR      its street address\n"
"  --zip ZIP           its ZIP code: 12345 or 12345-6789\n"
"  --contact NAME      the person to talk to\n"
"  --phone PHONE       their phone (10 digits); a phone or an email is required\n"
"  --email EMAIL       their email\n"
"  --product NAME      a product of interest; repeat it, or separate with commas:\n"
"                      priority-mail, priority-mail-express, ground, direct-mail,\n"
"                      eddm, first-class, international, po-box\n"
"  --notes TEXT        anything the rep should know\n"
"  --key KEY           idempotency key, 8-128 of A-Z a-z 0-9 . _ : -\n"
"                      (default: a new UUID). Sending again with the same key\n"
"                      gets the first answer and never a second lead.\n"
"  Prints \"Lead ... entered, assigned to <rep>\", a duplicate notice (the first\n"
"  referrer keeps the credit), or each field to fix with a hint.\n"
"\n"
"Many cards from a file:\n"
"  --file FILE, -f     a CSV file (first line names the columns) or a JSON file\n"
"                      (an array of objects); - reads standard input. Columns are\n"
"                      the flag names above plus products (separated by ; or ,)\n"
"                      and key. Flags given with --file fill columns a row leaves\n"
"                      empty. Rows without a key get one derived from their\n"
"                      content when they have a card time, so sending a file\n"
"                      twice enters nothing twice. See docs/terminal.md.\n"
"  --format csv|json   when the file name does not say (default: by extension)\n"
"  --in-flight N       cards sent before waiting for answers (default %d)\n"
"  -v, --verbose       print every card's result, not only those needing a look\n"
"  Prints progress on stderr for big files and a summary: entered, duplicates,\n"
"  rejected (with line numbers), spooled.\n"
"\n"
"Subcommands:\n"
"  submit              one card from flags, or with --file a file (the default\n"
"                      when card flags or --file are given)\n"
"  interactive         prompts for each field, shows intake's field errors and\n"
"                      asks again for the failing fields only (the default with\n"
"                      no card flags when standard input is a terminal). Works\n"
"                      from a pipe too: one answer per line.\n"
"  flush               sends the spool, oldest first, with the original keys\n"
"  spool               lists the cards waiting in the spool (and held ones)\n"
"\n"
"Options:\n"
"  --endpoint EP       intake's address (default $LEADLINE_INTAKE_CONNECT,\n"
"                      else %s)\n"
"  --spool-dir DIR     the spool (default $LEADLINE_SPOOL_DIR, else\n"
"                      $XDG_DATA_HOME/leadline/spool, else\n"
"                      ~/.local/share/leadline/spool)\n"
"  --timeout-ms N      how long to wait for intake (default\n"
"                      $LEADLINE_TERMINAL_TIMEOUT_MS or %d)\n"
"  -h, --help          this text\n"
"\n"
"Exit codes: 0 entered (or recorded as a duplicate), 1 rejected: fix the fields\n"
"shown, 2 usage error, 3 spooled: intake could not be reached, the card will be\n"
"sent when it returns.\n",
             TERMINAL_DEFAULT_IN_FLIGHT, TERMINAL_DEFAULT_ENDPOINT,
             TERMINAL_DEFAULT_TIMEOUT_MS);
}

static void
s_spooled_message (terminal_batch_t *batch, terminal_spool_t *spool, int count)
{
    const char *why = terminal_batch_why (batch);
    printf ("Not delivered: %s. %s saved on this terminal (%s) and will be sent when "
            "intake returns: the next card handed in sends %s, or run "
            "`leadline terminal flush`.\n", *why ? why : "intake is not answering",
            count == 1 ? "The card is" : "The cards are", terminal_spool_dir (spool),
            count == 1 ? "it" : "them");
}

//  One card from flags.
static int
s_submit (const terminal_args_t *args, terminal_spool_t *spool, terminal_link_t *link)
{
    terminal_batch_t *batch = terminal_batch_new (spool, link,
                                                  terminal_card_get (args->card, TERMINAL_STATION),
                                                  stdout);
    if (batch)
        terminal_batch_set_verbose (batch, args->verbose);
    if (!batch || terminal_batch_add_backlog (batch, false)
    ||  terminal_batch_add_card (batch, args->card)) {
        terminal_batch_destroy (&batch);
        return EXIT_REJECTED;
    }
    terminal_batch_run (batch);
    terminal_result_t result = terminal_batch_result (batch, 0);
    const terminal_counts_t *counts = terminal_batch_counts (batch);
    int rc = EXIT_OK;
    switch (result.kind) {
        case TERMINAL_RESULT_ENTERED:
        case TERMINAL_RESULT_DUPLICATE:
            break;
        case TERMINAL_RESULT_SPOOLED:
            s_spooled_message (batch, spool, 1);
            rc = EXIT_SPOOLED;
            break;
        case TERMINAL_RESULT_NONE:
            if (zsys_interrupted)
                printf ("Interrupted: the card was not sent.\n");
            rc = EXIT_REJECTED;
            break;
        default:
            rc = EXIT_REJECTED;
            break;
    }
    if (counts->backlog && counts->spooled > (result.kind == TERMINAL_RESULT_SPOOLED))
        printf ("%d earlier card%s still waiting in the spool.\n",
                counts->spooled - (result.kind == TERMINAL_RESULT_SPOOLED),
                counts->spooled - (result.kind == TERMINAL_RESULT_SPOOLED) == 1 ? " is" : "s are");
    terminal_batch_destroy (&batch);
    return rc;
}

//  Many cards from a file.
static int
s_submit_file (const terminal_args_t *args, terminal_spool_t *spool, terminal_link_t *link)
{
    char err [1024];
    zlistx_t *cards = terminal_file_load (args->file, args->format, err, sizeof err);
    if (!cards) {
        fprintf (stderr, "leadline terminal: %s\n", err);
        return EXIT_USAGE;
    }
    const char *station = terminal_card_get (args->card, TERMINAL_STATION);
    terminal_batch_t *batch = terminal_batch_new (spool, link, station, stdout);
    if (batch)
        terminal_batch_set_verbose (batch, args->verbose);
    if (!batch || terminal_batch_add_backlog (batch, false)) {
        terminal_batch_destroy (&batch);
        zlistx_destroy (&cards);
        return EXIT_REJECTED;
    }
    terminal_batch_set_print (batch, args->verbose ? TERMINAL_PRINT_ALL : TERMINAL_PRINT_PROBLEMS);
    terminal_batch_set_derive_keys (batch, true);
    size_t n_cards = zlistx_size (cards);
    for (terminal_card_t *card = zlistx_first (cards); card; card = zlistx_next (cards)) {
        terminal_card_fill (card, args->card);
        if (terminal_batch_add_card (batch, card)) {
            fprintf (stderr, "leadline terminal: out of memory\n");
            terminal_batch_destroy (&batch);
            zlistx_destroy (&cards);
            return EXIT_REJECTED;
        }
    }
    terminal_batch_run (batch);
    const terminal_counts_t *c = terminal_batch_counts (batch);
    //  Counts of this file's cards, apart from the backlog sent first
    int entered = 0, duplicates = 0, rejected = 0, held = 0, spooled = 0, not_sent = 0;
    for (size_t i = 0; i < n_cards; i++)
        switch (terminal_batch_result (batch, i).kind) {
            case TERMINAL_RESULT_ENTERED:   entered++; break;
            case TERMINAL_RESULT_DUPLICATE: duplicates++; break;
            case TERMINAL_RESULT_REJECTED:  rejected++; break;
            case TERMINAL_RESULT_HELD:      held++; break;
            case TERMINAL_RESULT_SPOOLED:   spooled++; break;
            default:                        not_sent++; break;
        }
    char *lines = terminal_batch_rejected_lines (batch);
    bool show_lines = rejected + held && lines && *lines;
    printf ("%s: %zu card%s: %d entered, %d duplicate%s, %d rejected%s%s%s, %d spooled",
            args->file, n_cards, n_cards == 1 ? "" : "s", entered, duplicates,
            duplicates == 1 ? "" : "s", rejected + held,
            show_lines ? (strchr (lines, ',') ? " (lines " : " (line ") : "",
            show_lines ? lines : "", show_lines ? ")" : "", spooled);
    if (not_sent)
        printf (", %d not sent", not_sent);
    printf ("\n");
    free (lines);
    if (c->backlog)
        printf ("Also sent %d earlier card%s from the spool: %d still waiting.\n",
                c->backlog, c->backlog == 1 ? "" : "s",
                c->spooled - spooled);
    if (spooled)
        s_spooled_message (batch, spool, spooled);
    if (not_sent)
        printf ("%d card%s not sent%s: hand the file in again; cards already entered are "
                "not entered twice.\n", not_sent, not_sent == 1 ? " was" : "s were",
                zsys_interrupted ? " (interrupted)" : "");
    terminal_batch_destroy (&batch);
    zlistx_destroy (&cards);
    if (rejected || held || not_sent)
        return EXIT_REJECTED;
    return spooled ? EXIT_SPOOLED : EXIT_OK;
}

static int
s_flush (const terminal_args_t *args, terminal_spool_t *spool, terminal_link_t *link)
{
    terminal_batch_t *batch = terminal_batch_new (spool, link, NULL, stdout);
    if (batch)
        terminal_batch_set_verbose (batch, args->verbose);
    if (!batch || terminal_batch_add_backlog (batch, true)) {
        terminal_batch_destroy (&batch);
        return EXIT_REJECTED;
    }
    terminal_batch_run (batch);
    const terminal_counts_t *c = terminal_batch_counts (batch);
    int total = c->entered + c->duplicates + c->rejected + c->held + c->spooled + c->not_sent;
    int answered = c->entered + c->duplicates + c->rejected + c->held;
    int rc = EXIT_OK;
    if (total == 0)
        printf ("The spool is empty: nothing to send.\n");
    else {
        if (answered)
            printf ("Flushed %d of %d card%s: %d entered, %d duplicate%s, %d rejected, "
                    "%d held; %d still waiting.\n", answered, total, total == 1 ? "" : "s",
                    c->entered, c->duplicates, c->duplicates == 1 ? "" : "s", c->rejected,
                    c->held, c->spooled + c->not_sent);
        if (c->spooled)
            s_spooled_message (batch, spool, c->spooled);
        rc = c->spooled || c->not_sent ? EXIT_SPOOLED
           : c->rejected || c->held ? EXIT_REJECTED : EXIT_OK;
    }
    terminal_batch_destroy (&batch);
    return rc;
}

//  Prints one spooled card's line.
static void
s_list_card (terminal_spool_t *spool, const char *name)
{
    uint8_t *data;
    size_t size;
    char err [512];
    if (terminal_spool_read (spool, name, &data, &size, err, sizeof err)) {
        printf ("  %s: %s\n", name, err);
        return;
    }
    ll_decode_rc_t rc;
    ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
    free (data);
    const Leadline__V1__LeadCard *card = env && env->submit_lead ? env->submit_lead->card : NULL;
    if (!card) {
        printf ("  %s: not a card (%s)\n", name, env ? "no card" : err);
        ll_envelope_free (&env);
        return;
    }
    char when [64];
    printf ("  %s  key %s  station %s  employee %s  %s, %s\n",
            terminal_format_time (card->card_completed_us, when, sizeof when),
            env->idempotency_key, card->station_id, card->employee_id,
            card->business && *card->business->name ? card->business->name : "(no business)",
            card->business && *card->business->zip ? card->business->zip : "(no ZIP)");
    ll_envelope_free (&env);
}

static int
s_list (terminal_spool_t *spool)
{
    zlistx_t *waiting = terminal_spool_list (spool);
    zlistx_t *held = terminal_spool_list_held (spool);
    if (!waiting || !held) {
        fprintf (stderr, "leadline terminal: cannot list the spool %s: %m\n",
                 terminal_spool_dir (spool));
        zlistx_destroy (&waiting);
        zlistx_destroy (&held);
        return EXIT_REJECTED;
    }
    size_t n = zlistx_size (waiting);
    printf ("%zu card%s waiting in %s%s\n", n, n == 1 ? "" : "s", terminal_spool_dir (spool),
            n ? " (oldest first; `leadline terminal flush` sends them):" : ".");
    for (const char *name = zlistx_first (waiting); name; name = zlistx_next (waiting))
        s_list_card (spool, name);
    if (zlistx_size (held)) {
        printf ("%zu card%s held (intake refused %s for a reason a field fix cannot solve):\n",
                zlistx_size (held), zlistx_size (held) == 1 ? "" : "s",
                zlistx_size (held) == 1 ? "it" : "them");
        for (const char *name = zlistx_first (held); name; name = zlistx_next (held)) {
            s_list_card (spool, name);
            char *reason = terminal_spool_held_reason (spool, name);
            if (reason)
                printf ("      %s\n", reason);
            free (reason);
        }
    }
    zlistx_destroy (&waiting);
    zlistx_destroy (&held);
    return EXIT_OK;
}

int
cmd_terminal (int argc, char **argv)
{
    terminal_args_t args;
    char err [1024];
    if (terminal_args_parse (&args, argc, argv, err, sizeof err)) {
        fprintf (stderr, "leadline terminal: %s\n", err);
        terminal_args_clear (&args);
        return EXIT_USAGE;
    }
    if (args.cmd == TERMINAL_CMD_HELP) {
        s_help (stdout);
        terminal_args_clear (&args);
        return EXIT_OK;
    }
    if (args.cmd == TERMINAL_CMD_AUTO) {
        if (args.n_card_flags)
            args.cmd = TERMINAL_CMD_SUBMIT;
        else
        if (isatty (STDIN_FILENO))
            args.cmd = TERMINAL_CMD_INTERACTIVE;
        else {
            fprintf (stderr, "leadline terminal: nothing to hand in: give the card's fields "
                     "as flags (--business, --zip, ...), a file with --file FILE, or run "
                     "`leadline terminal interactive`; --help lists them\n");
            terminal_args_clear (&args);
            return EXIT_USAGE;
        }
    }
    if (args.cmd == TERMINAL_CMD_SUBMIT && args.n_card_flags == 0) {
        fprintf (stderr, "leadline terminal: submit needs the card's fields as flags "
                 "(--program, --business, --zip, ...) or --file FILE; --help lists them\n");
        terminal_args_clear (&args);
        return EXIT_USAGE;
    }

    char *spool_dir = args.spool_dir ? strdup (args.spool_dir) : terminal_spool_default_dir ();
    terminal_spool_t *spool = spool_dir ? terminal_spool_new (spool_dir, err, sizeof err) : NULL;
    free (spool_dir);
    if (!spool) {
        fprintf (stderr, "leadline terminal: %s\n", err);
        terminal_args_clear (&args);
        return EXIT_REJECTED;
    }
    int rc;
    if (args.cmd == TERMINAL_CMD_SPOOL) {
        rc = s_list (spool);
        terminal_spool_destroy (&spool);
        terminal_args_clear (&args);
        return rc;
    }
    terminal_link_t *link = terminal_link_new (args.endpoint, args.timeout_ms,
                                               args.in_flight, err, sizeof err);
    if (!link) {
        fprintf (stderr, "leadline terminal: %s\n", err);
        terminal_spool_destroy (&spool);
        terminal_args_clear (&args);
        return EXIT_USAGE;
    }
    switch (args.cmd) {
        case TERMINAL_CMD_SUBMIT:
            rc = s_submit (&args, spool, link);
            break;
        case TERMINAL_CMD_FILE:
            rc = s_submit_file (&args, spool, link);
            break;
        case TERMINAL_CMD_FLUSH:
            rc = s_flush (&args, spool, link);
            break;
        default:
            rc = terminal_prompt_run (&args, spool, link, stdin, stdout);
            break;
    }
    fflush (stdout);
    terminal_link_destroy (&link);
    terminal_spool_destroy (&spool);
    terminal_args_clear (&args);
    return rc;
}
