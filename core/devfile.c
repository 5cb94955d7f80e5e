/* Device files: a fleet as JSON or CSV parsed into memory (pure: no store).
 * (Being filled.) */
#include "ota.h"
