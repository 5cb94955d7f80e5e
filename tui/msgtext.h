/* msgtext.h: what the message line and the hint bar say, as pure
 * functions (no ncurses), unit-tested in tests/unit/tui/test_msgtext.c:
 * an error in a person's words (what the console was doing, then why:
 * no error code names, no API routes), and a hint bar that drops its least
 * important hints, whole, when the bar is too narrow (never a cut word). */
#ifndef TUI_MSGTEXT_H
#define TUI_MSGTEXT_H

#include <stddef.h>
#include "keys.h"
#include "ota.h"

/* "<doing>: <why>" ("Could not delete package 6: package 6 is used by
 * plan 2 (active)").  doing names the object the console asked about (NULL
 * or "" leaves it out).  why is e's message with API routes taken out
 * ("GET /api/v1/plans/6"), after the field in words ("window start: ")
 * when the code says a value was refused and the message does not name it,
 * and after a word for the codes whose message alone does not say what
 * kind of failure it was (internal, I/O). */
const char *err_words(const char *doing, const ota_err *e, char *buf, size_t len);

/* A refusal next to the field it is about: "field: message" with the
 * field as the API names it (the form shows it beside its own label), no
 * code name, no route. */
const char *field_msg(const ota_err *e, char *buf, size_t len);

/* "window.start" -> "window start", "rollout.waves[1].size" ->
 * "rollout waves 2 size", "min_rsrp" -> "min rsrp". */
const char *field_words(const char *field, char *buf, size_t len);

/* "s" unless n is 1: "%ld file%s", n, plural_s(n). */
const char *plural_s(long n);

/* One hint of a hint bar: its text ("n new") and how much it matters
 * (higher stays longer; see keys_prio). */
typedef struct hint { const char *text; int prio; } hint;

/* The hints in their order, joined by " · ", in at most width columns:
 * while they do not fit, the hint of the lowest priority is left out (of
 * equal ones, the rightmost).  Returns the number of hints kept. */
int hints_fit(const hint *h, int n, int width, char *out, size_t len);

/* A hint bar being built by a pane, from the key table: hint_key adds
 * "<key> <label>" at the action's priority (the action's key comes from
 * the table, so a hint cannot name a key the console does not have). */
#define HINTS_MAX 24
typedef struct hintbar {
    int n;
    hint h[HINTS_MAX];
    char text[HINTS_MAX][64];
    char out[512];
} hintbar;
void hint_key(hintbar *b, tui_action act, const char *label);
/* A hint that is not one action ("Tab/S-Tab fields"), at priority prio. */
void hint_text(hintbar *b, const char *text, int prio);
/* The bar fitted to width columns (b->out). */
const char *hint_done(hintbar *b, int width);

#endif
