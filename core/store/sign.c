/* The SQLite store: package signatures.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
