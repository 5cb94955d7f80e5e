/* The SQLite store: the simulator's fleet (bulk device writes).  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
