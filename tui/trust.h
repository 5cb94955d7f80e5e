/* trust.h: signature states of packages (against the console's trusted
 * keys folder) and a plan's history from the audit trail (trust.c). */
#ifndef TUI_TRUST_H
#define TUI_TRUST_H

#include "tui.h"

/* (Re)reads the trusted keys folder on the worker thread. */
void trust_reload(app *a);
/* At exit, after the worker stopped: frees the keyring. */
void trust_free(void);
/* p's signature state: a short label for the list ("alice, bob",
 * "unsigned", "INVALID", "untrusted", "…" while the keys load) and its
 * theme element; r (optional) receives the per-signature report. */
const char *trust_label(const ota_package *p, char *buf, size_t len, int *el, ota_trust_report *r);
/* The folder the states are judged against ("" before the first load). */
const char *trust_dir(void);
/* Loads the plan's audit rows and shows them in a picker ("history"). */
void trust_history_open(app *a, int64_t plan_id);

#endif
