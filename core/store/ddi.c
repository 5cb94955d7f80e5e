/* The SQLite store: the DDI support tables (action ids, artifacts).  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
