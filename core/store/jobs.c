/* The SQLite store: jobs, plan counters and events (the rollout's writes).  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
