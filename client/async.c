/* async.c: runs backend calls on a worker thread for the console (remote-backend work). */
#include "async.h"
