/*  terminal_spool: a card written is read back byte for byte, listed oldest
    first, removed or held; temp files of dead writers are cleared and live
    ones kept; the flush lock excludes a second terminal; the default folder
    follows the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ll_clock.h"
#include "ll_envelope.h"
#include "terminal_card.h"
#include "terminal_spool.h"

static char s_dir [64];

static int
s_setup (void **state)
{
    snprintf (s_dir, sizeof s_dir, "/tmp/terminal-spool-XXXXXX");
    return mkdtemp (s_dir) ? 0 : -1;
}

static int
s_teardown (void **state)
{
    char command [128];
    snprintf (command, sizeof command, "rm -rf '%s'", s_dir);
    return system (command) == 0 ? 0 : -1;
}

static void
test_round_trip (void **state)
{
    char err [512], path [256];
    snprintf (path, sizeof path, "%s/a/b/spool", s_dir);    // created with parents
    terminal_spool_t *spool = terminal_spool_new (path, err, sizeof err);
    assert_non_null (spool);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0700);

    //  A real card: encoded, spooled, read back, decoded
    terminal_card_t *card = terminal_card_new ();
    terminal_card_set (card, TERMINAL_STATION, "S1");
    terminal_card_set (card, TERMINAL_BUSINESS, "Acme");
    terminal_card_set (card, TERMINAL_ZIP, "02134");
    terminal_card_set (card, TERMINAL_KEY, "key-round-trip");
    uint8_t *data;
    size_t size;
    terminal_problems_t problems;
    assert_int_equal (terminal_card_encode (card, "S1", 5, &data, &size, &problems), 0);
    char *name = terminal_spool_put (spool, "key-round-trip", data, size, err, sizeof err);
    assert_non_null (name);
    assert_non_null (strstr (name, "key-round-trip"));
    assert_non_null (strstr (name, ".card"));

    zlistx_t *list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 1);
    assert_string_equal (zlistx_first (list), name);
    zlistx_destroy (&list);

    uint8_t *back;
    size_t back_size;
    assert_int_equal (terminal_spool_read (spool, name, &back, &back_size, err, sizeof err), 0);
    assert_int_equal (back_size, size);
    assert_memory_equal (back, data, size);
    ll_decode_rc_t rc;
    ll_envelope_t *env = ll_envelope_decode (back, back_size, &rc, err, sizeof err);
    assert_non_null (env);
    assert_string_equal (env->idempotency_key, "key-round-trip");
    assert_string_equal (env->submit_lead->card->business->name, "Acme");
    ll_envelope_free (&env);
    free (back);

    assert_int_equal (terminal_spool_remove (spool, name), 0);
    assert_int_equal (terminal_spool_remove (spool, name), 0);      // already gone: fine
    list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 0);
    zlistx_destroy (&list);
    assert_int_equal (terminal_spool_read (spool, name, &back, &back_size, err, sizeof err), -1);
    assert_non_null (strstr (err, "cannot open"));
    free (name);
    free (data);
    terminal_card_destroy (&card);
    terminal_spool_destroy (&spool);
    terminal_spool_destroy (&spool);
}

static void
test_order_and_hold (void **state)
{
    char err [512];
    terminal_spool_t *spool = terminal_spool_new (s_dir, err, sizeof err);
    assert_non_null (spool);
    char *names [5];
    for (int i = 0; i < 5; i++) {
        char key [32], body [32];
        snprintf (key, sizeof key, "key-order-%d", i);
        snprintf (body, sizeof body, "body %d", i);
        names [i] = terminal_spool_put (spool, key, (uint8_t *) body, strlen (body),
                                        err, sizeof err);
        assert_non_null (names [i]);
    }
    //  Oldest first, whatever the keys sort like
    zlistx_t *list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 5);
    int i = 0;
    for (const char *name = zlistx_first (list); name; name = zlistx_next (list))
        assert_string_equal (name, names [i++]);
    zlistx_destroy (&list);

    //  Held: out of the waiting list, into held/ with its reason
    assert_int_equal (terminal_spool_hold (spool, names [1], "intake refused the card: "
                                           "forbidden"), 0);
    list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 4);
    zlistx_destroy (&list);
    list = terminal_spool_list_held (spool);
    assert_int_equal (zlistx_size (list), 1);
    const char *held = zlistx_first (list);
    assert_int_equal (strncmp (held, "held/", 5), 0);
    char *reason = terminal_spool_held_reason (spool, held);
    assert_string_equal (reason, "intake refused the card: forbidden");
    free (reason);
    uint8_t *data;
    size_t size;
    assert_int_equal (terminal_spool_read (spool, held, &data, &size, err, sizeof err), 0);
    assert_memory_equal (data, "body 1", 6);
    free (data);
    assert_int_equal (terminal_spool_remove (spool, held), 0);
    zlistx_destroy (&list);
    list = terminal_spool_list_held (spool);
    assert_int_equal (zlistx_size (list), 0);
    zlistx_destroy (&list);

    //  Names that climb out of the folder are refused
    assert_int_equal (terminal_spool_read (spool, "../etc/passwd", &data, &size,
                                           err, sizeof err), -1);
    assert_int_equal (terminal_spool_remove (spool, "held/../../x"), -1);
    assert_int_equal (terminal_spool_remove (spool, ".lock"), -1);

    //  A key unsafe in a file name is made safe in the name only
    char *odd = terminal_spool_put (spool, "a/b c", (uint8_t *) "x", 1, err, sizeof err);
    assert_non_null (odd);
    assert_null (strchr (odd, '/'));
    assert_null (strchr (odd, ' '));
    free (odd);
    for (i = 0; i < 5; i++)
        free (names [i]);
    terminal_spool_destroy (&spool);
}

static void
test_put_many (void **state)
{
    char err [512], path [256];
    terminal_spool_t *spool = terminal_spool_new (s_dir, err, sizeof err);
    const char *keys [3] = { "key-many-c", "key-many-a", "key-many-b" };
    uint8_t *data [3] = { (uint8_t *) "one", (uint8_t *) "two", (uint8_t *) "three" };
    size_t sizes [3] = { 3, 3, 5 };
    char *names [3];
    assert_int_equal (terminal_spool_put_many (spool, 3, keys, data, sizes, names,
                                               err, sizeof err), 0);
    zlistx_t *list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 3);
    int i = 0;
    for (const char *name = zlistx_first (list); name; name = zlistx_next (list), i++) {
        assert_string_equal (name, names [i]);          // in the order given
        uint8_t *back;
        size_t size;
        assert_int_equal (terminal_spool_read (spool, name, &back, &size, err, sizeof err), 0);
        assert_int_equal (size, sizes [i]);
        assert_memory_equal (back, data [i], size);
        free (back);
    }
    zlistx_destroy (&list);
    for (i = 0; i < 3; i++)
        free (names [i]);

    //  The folder gone: nothing written, no names, no temp files left
    snprintf (path, sizeof path, "rm -rf '%s'", s_dir);
    assert_int_equal (system (path), 0);
    assert_int_equal (terminal_spool_put_many (spool, 3, keys, data, sizes, names,
                                               err, sizeof err), -1);
    assert_non_null (strstr (err, "cannot write to the spool folder"));
    for (i = 0; i < 3; i++)
        assert_null (names [i]);
    assert_int_equal (mkdir (s_dir, 0700), 0);
    terminal_spool_destroy (&spool);
}

static void
test_stale_temps (void **state)
{
    char err [512], path [256];
    //  A temp file of a writer that is gone, and one of a writer that lives
    pid_t child = fork ();
    if (child == 0)
        _exit (0);
    waitpid (child, NULL, 0);
    snprintf (path, sizeof path, "%s/.tmp-%d-0", s_dir, (int) child);
    FILE *file = fopen (path, "w");
    fputs ("half a card", file);
    fclose (file);
    char live [256];
    snprintf (live, sizeof live, "%s/.tmp-%d-0", s_dir, (int) getppid ());
    file = fopen (live, "w");
    fclose (file);

    terminal_spool_t *spool = terminal_spool_new (s_dir, err, sizeof err);
    assert_non_null (spool);
    assert_int_equal (access (path, F_OK), -1);
    assert_int_equal (access (live, F_OK), 0);
    zlistx_t *list = terminal_spool_list (spool);
    assert_int_equal (zlistx_size (list), 0);           // temps are never listed
    zlistx_destroy (&list);
    unlink (live);
    terminal_spool_destroy (&spool);
}

static void
test_lock (void **state)
{
    char err [512];
    terminal_spool_t *one = terminal_spool_new (s_dir, err, sizeof err);
    terminal_spool_t *two = terminal_spool_new (s_dir, err, sizeof err);
    assert_int_equal (terminal_spool_lock (one, false), 0);
    assert_int_equal (terminal_spool_lock (one, false), 0);         // already held
    assert_int_equal (terminal_spool_lock (two, false), 1);         // busy
    terminal_spool_unlock (one);
    assert_int_equal (terminal_spool_lock (two, true), 0);
    terminal_spool_destroy (&two);                                  // releases it
    assert_int_equal (terminal_spool_lock (one, false), 0);
    terminal_spool_destroy (&one);
}

static void
test_errors_and_defaults (void **state)
{
    char err [512], path [256];
    snprintf (path, sizeof path, "%s/file", s_dir);
    FILE *file = fopen (path, "w");
    fclose (file);
    assert_null (terminal_spool_new (path, err, sizeof err));
    assert_non_null (strstr (err, "LEADLINE_SPOOL_DIR"));
    assert_null (terminal_spool_new ("", err, sizeof err));
    if (geteuid () != 0) {
        snprintf (path, sizeof path, "%s/ro", s_dir);
        mkdir (path, 0500);
        assert_null (terminal_spool_new (path, err, sizeof err));
        assert_non_null (strstr (err, "cannot write"));
    }

    setenv ("LEADLINE_SPOOL_DIR", "/var/spool/ll", 1);
    char *dir = terminal_spool_default_dir ();
    assert_string_equal (dir, "/var/spool/ll");
    free (dir);
    unsetenv ("LEADLINE_SPOOL_DIR");
    setenv ("XDG_DATA_HOME", "/home/clerk/.data", 1);
    dir = terminal_spool_default_dir ();
    assert_string_equal (dir, "/home/clerk/.data/leadline/spool");
    free (dir);
    unsetenv ("XDG_DATA_HOME");
    setenv ("HOME", "/home/clerk", 1);
    dir = terminal_spool_default_dir ();
    assert_string_equal (dir, "/home/clerk/.local/share/leadline/spool");
    free (dir);
    unsetenv ("HOME");
    dir = terminal_spool_default_dir ();
    assert_string_equal (dir, "spool");
    free (dir);
}

int
main (void)
{
    ll_clock_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_order_and_hold, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_put_many, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_stale_temps, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_lock, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_errors_and_defaults, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
