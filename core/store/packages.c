/* The SQLite store: packages and their files.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
