/* The SQLite store: the append-only audit trail.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
