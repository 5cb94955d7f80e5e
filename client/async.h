#ifndef OTA_ASYNC_H
#define OTA_ASYNC_H
#include "backend.h"
#endif
