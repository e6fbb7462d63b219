#include "ll_uuid.h"
#include <uuid/uuid.h>

void
ll_uuid_new (char out [LL_UUID_LEN])
{
    uuid_t id;
    uuid_generate_random (id);
    uuid_unparse_lower (id, out);
}
