/* The SQLite store: plan status, history, devices' jobs and the preview's reads.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
