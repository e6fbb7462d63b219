/*  Unit tests of the notifier's pure parts: notification ids, routing of
    events that name their people, backoff, webhook signatures, email
    formatting. cmocka; no store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "notifier_channels.h"
#include "notifier_route.h"
#include <string.h>

static void
test_placeholder (void **state)
{
    char id [NOTIFIER_ID_LEN];
    notifier_route_id ("e1", "R1", 1, id);
    assert_int_equal (strlen (id), 36);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_placeholder),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
