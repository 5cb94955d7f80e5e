/* Theme files (tui/theme.c): the four shipped themes parse; errors name
 * the file and line; 256 colours fall back to the nearest of 8. */
#include <curses.h>
#include "../../tap.h"
#include "../../../tui/theme.h"

int main(void)
{
    theme t;
    char err[512];
    static const char *const shipped[] = {"default", "light", "monochrome", "high-contrast"};
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/themes/%s.theme", OTA_SRCDIR, shipped[i]);
        int rc = theme_load(path, &t, err, sizeof err);
        ok(rc == 0, "%s.theme parses%s%s", shipped[i], rc ? ": " : "", rc ? err : "");
        for (int el = 0; el < EL__COUNT && rc == 0; el++)
            if (!t.set[el]) {
                ok(0, "%s.theme sets every element (element %d missing)", shipped[i], el);
                break;
            }
    }
    ok(theme_load("../x", &t, err, sizeof err) < 0, "a missing file is an error");

    int rc = theme_parse("normal default default\n# comment\nselected black purplish\n",
                         "bad.theme", &t, err, sizeof err);
    ok(rc < 0, "an unknown colour is refused");
    ok(strstr(err, "bad.theme:3:") != NULL, "the error names file and line: %s", err);
    ok(strstr(err, "purplish") != NULL, "and the word at fault");
    rc = theme_parse("normal default default\nbogus red blue\n", "t", &t, err, sizeof err);
    ok(rc < 0 && strstr(err, "t:2: unknown element 'bogus'"), "unknown element: %s", err);
    rc = theme_parse("normal red\n", "t", &t, err, sizeof err);
    ok(rc < 0 && strstr(err, "t:1:"), "a missing background: %s", err);
    rc = theme_parse("normal red blue blink\n", "t", &t, err, sizeof err);
    ok(rc < 0 && strstr(err, "unknown attribute 'blink'"), "unknown attribute: %s", err);
    rc = theme_parse("normal color300 default\n", "t", &t, err, sizeof err);
    ok(rc < 0, "color300 is out of range");

    rc = theme_parse("normal #ff0000 default bold # red text\nselected color208 #000000\n",
                     "t", &t, err, sizeof err);
    ok(rc == 0, "#RRGGBB and a trailing comment parse%s%s", rc ? ": " : "", rc ? err : "");
    is_int(t.fg[EL_NORMAL], 196, "#ff0000 is colour 196");
    ok(t.attr[EL_NORMAL] & A_BOLD, "attributes after colours");
    is_int(t.bg[EL_SELECTED], 16, "#000000 is colour 16");
    is_int(t.fg[EL_HEADER], 196, "an element left out takes normal's colours");

    is_int(theme_fallback8(196), COLOR_RED, "red 196 falls back to red on 8 colours");
    is_int(theme_fallback8(208), COLOR_YELLOW, "orange 208 falls back to yellow");
    is_int(theme_fallback8(12), COLOR_BLUE, "bright blue falls back to blue");
    is_int(theme_fallback8(3), 3, "the first 8 stay");
    is_int(theme_fallback8(231), COLOR_WHITE, "white 231 falls back to white");
    return tap_done();
}
