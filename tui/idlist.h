/* idlist.h: device ids typed, pasted or imported into a plan's blacklist
 * or whitelist (idlist.c).  Text is split on line breaks, spaces, tabs and
 * commas; each id is checked by core (ota_validate_device_id), added once,
 * and a report says what happened to every one: added, already on the
 * list, given twice, rejected and why.  Pure (no curses): unit-tested in
 * tests/unit/tui/test_idlist.c. */
#ifndef TUI_IDLIST_H
#define TUI_IDLIST_H

#include <stddef.h>
#include "ota.h"

struct idset;

typedef struct idlist_report {
    size_t added;          ///< new on the list
    size_t already;        ///< on the list before
    size_t repeated;       ///< given again in the same input
    size_t both;           ///< added and also on the other list
    ota_strlist rejected;  ///< the texts refused, in the order given
    ota_strlist why;       ///< core's reason for each ("at most 128 bytes (got 200)")
    const ota_strlist *list;   ///< the list the report is about
    struct idset *seen;    ///< ids on the list (and added), to look up in O(1)
} idlist_report;

/* The separators between ids: "\r\n\t ," */
#define IDLIST_SEPARATORS "\r\n\t ,"

/* Adds every id of text to list (other: the other list, for r->both).
 * Reports into r, accumulating over calls for the same list (the first
 * call, or a call for another list, starts a new report).  Returns the
 * number of ids added by this call. */
size_t idlist_add(ota_strlist *list, const ota_strlist *other, const char *text, idlist_report *r);
/* Ids given in total (added + already + repeated + rejected). */
size_t idlist_total(const idlist_report *r);
void idlist_report_free(idlist_report *r);

/* "48 ids added, 1 already on the list, 1 given twice, 2 rejected" */
const char *idlist_summary(const idlist_report *r, char *buf, size_t len);
/* The report as lines of at most width columns for the id view: the
 * summary, then, for each reason, "rejected, REASON:" and the ids refused
 * for it, wrapped between ids (an id wider than a line is cut into line-wide
 * pieces, so every byte of it is shown).  Calls line(text, ctx) for each;
 * returns the number of lines. */
int idlist_lines(const idlist_report *r, const char *list_name, int width,
                 void (*line)(const char *text, void *ctx), void *ctx);

#endif
