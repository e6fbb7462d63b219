/*  ll_uuid: version 7 layout, time order, no repeats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <string.h>
#include <sys/time.h>
#include "ll_uuid.h"

static void
test_layout (void **state)
{
    char id [LL_UUID_LEN];
    ll_uuid_new (id);
    assert_int_equal (strlen (id), 36);
    assert_int_equal (id [8], '-');
    assert_int_equal (id [14], '7');                    // version
    assert_non_null (strchr ("89ab", id [19]));         // variant
    //  The first 48 bits are the time in milliseconds.
    char hex [13];
    memcpy (hex, id, 8);
    memcpy (hex + 8, id + 9, 4);
    hex [12] = 0;
    struct timeval now;
    gettimeofday (&now, NULL);
    int64_t ms = (int64_t) now.tv_sec * 1000 + now.tv_usec / 1000;
    int64_t got = strtoll (hex, NULL, 16);
    assert_true (got <= ms && got > ms - 60000);
}

//  Made later, sorted later (by the millisecond prefix); never the same.
static void
test_order_and_unique (void **state)
{
    enum { N = 20000 };
    zhashx_t *seen = zhashx_new ();
    char prev [LL_UUID_LEN] = "";
    for (int i = 0; i < N; i++) {
        char id [LL_UUID_LEN];
        ll_uuid_new (id);
        assert_true (memcmp (prev, id, 13) <= 0 || !*prev);
        assert_int_equal (zhashx_insert (seen, id, (void *) 1), 0);
        memcpy (prev, id, LL_UUID_LEN);
    }
    assert_int_equal (zhashx_size (seen), N);
    zhashx_destroy (&seen);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_layout),
        cmocka_unit_test (test_order_and_unique),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
