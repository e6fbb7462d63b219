/*  admin_keys — `leadline admin keys generate|list|revoke`: CURVE key pairs
    and the registry services admit them from (auth.keys, see ll_auth.h). */
#ifndef ADMIN_KEYS_H
#define ADMIN_KEYS_H

//  argv [0] is "keys". Returns the exit code (0, 1 failure, 2 usage).
int admin_keys (int argc, char **argv);

#endif
