/* local.c: the local backend over core (filled by the otactl work). */
#include "backend.h"
