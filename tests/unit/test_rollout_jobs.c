#include "test_rollout_fixture.h"
int main(void){ return tap_done(); }
