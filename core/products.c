/* products.c: see core/ota.h; filled in by the foundation and rollout work. */
#include "internal.h"
