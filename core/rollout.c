/* rollout.c: plan state machine, check-ins and jobs (rollout engine). */
#include "internal.h"

void rollout_invalidate(ota_engine *eng, int64_t plan_id) { (void)eng; (void)plan_id; }
void rollout_free(ota_engine *eng) { (void)eng; }
