/* The SQLite store: devices and versions as check-ins read and write them, and the rollout's plan loading.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
