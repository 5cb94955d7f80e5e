/* remote.c: the remote backend over libcurl (filled by the remote-backend work). */
#include "backend.h"
