/* Id lists typed or pasted into a plan's blacklist / whitelist
 * (tui/idlist.c): every id of a newline-, space- or comma-separated text
 * added once, each refusal named with core's reason, and the report lines
 * the id view shows wrapped to its width with nothing left out. */
#include <locale.h>
#include "../../tap.h"
#include "../../../tui/idlist.h"

static char lines[64][256];
static int nlines;
static void take(const char *text, void *ctx)
{
    (void)ctx;
    if (nlines < 64)
        snprintf(lines[nlines++], sizeof lines[0], "%s", text);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    ota_strlist black = {0}, white = {0};
    idlist_report r = {0};
    char buf[512];
    ota_strlist_push(&black, "old-1");   /* there before */

    /* 50 ids, one per line, as a paste of a spreadsheet column */
    char paste[4096] = "";
    for (int i = 1; i <= 50; i++)
        snprintf(paste + strlen(paste), sizeof paste - strlen(paste), "dev-%06d\n", i);
    is_int((int)idlist_add(&black, &white, paste, &r), 50, "50 newline-separated ids: 50 added");
    is_int((int)black.n, 51, "all 50 are on the list");
    is_str(black.v[1], "dev-000001", "in the order given (first)");
    is_str(black.v[50], "dev-000050", "in the order given (last)");
    is_str(idlist_summary(&r, buf, sizeof buf), "50 ids added", "summary: the count");

    /* the same session goes on: spaces, commas, tabs, CRLF; repeats and
     * ids already there are counted, not added again */
    is_int((int)idlist_add(&black, &white, "old-1 dev-000001 dev-100, dev-101,dev-101\tdev-102\r\n", &r), 3,
           "spaces, commas, tabs and CRLF separate ids");
    is_int((int)black.n, 54, "3 more on the list");
    is_int((int)r.already, 1, "one was on the list before");
    is_int((int)r.repeated, 2, "two were given twice (one of them in the first paste)");
    is_int((int)idlist_total(&r), 56, "56 ids given in all");
    is_str(idlist_summary(&r, buf, sizeof buf), "53 ids added, 1 already on the list, 2 given twice",
           "summary: added, already there, given twice");

    /* refused ids: core's reason for each, nothing half-added */
    char longid[200];
    memset(longid, 'x', 199);
    longid[199] = '\0';
    char bad[512];
    snprintf(bad, sizeof bad, "ok-1 %s bad\x01id ok-2 bad\x02two", longid);
    is_int((int)idlist_add(&black, &white, bad, &r), 2, "the valid ids of a mixed text are added");
    is_int((int)r.rejected.n, 3, "three rejected");
    is_str(r.rejected.v[0], longid, "the rejected id is kept in full");
    is_str(r.why.v[0], "at most 128 bytes (got 199)", "with core's reason");
    is_str(r.why.v[1], "must not contain spaces or control characters", "a control character's reason");
    ok(!ota_strlist_has(&black, longid), "a rejected id is not on the list");

    /* the report at 78 columns: nothing cut, reasons once each */
    nlines = 0;
    int n = idlist_lines(&r, "Blacklist", 78, take, NULL);
    is_int(n, nlines, "the line count is the lines given");
    is_str(lines[0], "Blacklist: 55 ids added, 1 already on the list, 2 given twice, 3 rejected:",
           "the first line is the summary");
    is_str(lines[1], "rejected, at most 128 bytes (got 199):", "a reason heads its ids");
    char joined[400] = "";
    int i = 2;
    for (; i < n && lines[i][0] == 'x'; i++) {
        ok((int)strlen(lines[i]) <= 78, "line %d fits in 78 columns", i);
        strcat(joined, lines[i]);
    }
    is_str(joined, longid, "an id wider than a line is cut into pieces, every byte shown");
    is_str(lines[i], "rejected, must not contain spaces or control characters: bad\x01id bad\x02two",
           "two ids refused for one reason: the reason once, both ids");
    is_int(n, i + 1, "and nothing else");

    /* on both lists: counted, the blacklist wins */
    ota_strlist_push(&white, "dev-000007");
    idlist_report w = {0};
    idlist_add(&white, &black, "dev-000007 dev-000008 new-1", &w);
    is_int((int)w.both, 1, "an id also on the blacklist is counted");
    is_str(idlist_summary(&w, buf, sizeof buf),
           "2 ids added, 1 already on the list; 1 also on the other list (the blacklist wins)",
           "summary names the ids on both lists");

    /* a report for another list starts over */
    idlist_add(&black, &white, "fresh", &w);
    is_int((int)idlist_total(&w), 1, "another list: a new report");
    is_str(idlist_summary(&w, buf, sizeof buf), "1 id added", "one id: singular");

    /* wide ids wrap by columns, not bytes */
    idlist_report z = {0};
    ota_strlist zl = {0};
    idlist_add(&zl, NULL, "设备一号\x01 设备二号\x01", &z);
    nlines = 0;
    n = idlist_lines(&z, "Whitelist", 12, take, NULL);
    is_str(lines[0], "Whitelist: 0", "a narrow report wraps the summary between words");
    ok(n >= 4, "and the rest on more lines (%d)", n);
    is_str(lines[n - 1], "设备二号\x01", "the last id on a line of its own at 12 columns");

    /* many ids: found in a set, not by walking the list */
    ota_strlist big = {0};
    idlist_report b = {0};
    char *text = malloc(20 * 20001);
    size_t o = 0;
    for (int k = 0; k < 20000; k++)
        o += (size_t)sprintf(text + o, "d%d\n", k % 15000);
    idlist_add(&big, NULL, text, &b);
    is_int((int)big.n, 15000, "20,000 ids with 5,000 repeats: 15,000 on the list");
    is_int((int)b.repeated, 5000, "5,000 given twice");
    free(text);

    idlist_report_free(&r);
    idlist_report_free(&w);
    idlist_report_free(&z);
    idlist_report_free(&b);
    ota_strlist_free(&black);
    ota_strlist_free(&white);
    ota_strlist_free(&zl);
    ota_strlist_free(&big);
    return tap_done();
}
