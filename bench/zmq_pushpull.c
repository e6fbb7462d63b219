/*  zmq_pushpull — the raw ZeroMQ baseline: N messages of SIZE bytes from a
    PUSH to a PULL over loopback TCP, counted at the receiver. Prints
    messages per second. Usage: zmq_pushpull [N] [SIZE] */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>

static void
s_sender (zsock_t *pipe, void *arg)
{
    long n = ((long *) arg) [0], size = ((long *) arg) [1];
    zsock_t *push = zsock_new_push (">tcp://127.0.0.1:7990");
    char *payload = calloc (1, (size_t) size);
    zsock_signal (pipe, 0);
    for (long i = 0; i < n; i++)
        zmq_send (zsock_resolve (push), payload, (size_t) size, 0);
    free (payload);
    zsock_wait (pipe);      // stay until told, so nothing is dropped at exit
    zsock_destroy (&push);
}

int
main (int argc, char **argv)
{
    long args [2] = { argc > 1 ? atol (argv [1]) : 1000000, argc > 2 ? atol (argv [2]) : 200 };
    zsock_t *pull = zsock_new_pull ("@tcp://127.0.0.1:7990");
    if (!pull) {
        fprintf (stderr, "zmq_pushpull: cannot bind 127.0.0.1:7990\n");
        return 1;
    }
    char *buf = malloc ((size_t) args [1]);
    int64_t start = zclock_usecs ();
    zactor_t *sender = zactor_new (s_sender, args);
    for (long i = 0; i < args [0]; i++)
        zmq_recv (zsock_resolve (pull), buf, (size_t) args [1], 0);
    int64_t elapsed = zclock_usecs () - start;
    zsock_signal (sender, 0);
    zactor_destroy (&sender);
    printf ("%.0f\n", (double) args [0] / ((double) elapsed / 1e6));
    free (buf);
    zsock_destroy (&pull);
    return 0;
}
