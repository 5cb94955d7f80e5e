/* The SQLite store: plans, their components and lists.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
