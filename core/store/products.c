/* The SQLite store: products, devices and device keys.  (Being filled: SQL moves here from the core
 * module that used it.) */
#include "sqlite.h"
