/* FUZZ_SOURCES: tui/theme.c tui/text.c */
/* Console theme files (themes/NAME.theme, or a user's own): theme_parse.
 * Properties: a refusal writes a message naming the file; an accepted
 * theme has colours in -1..255 for every element. */
#include <curses.h>
#include "fuzz.h"
#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    char *text = fuzz_cstr(d, n);
    theme t;
    char err[512];
    memset(&t, 0, sizeof t);
    err[0] = 0;
    if (theme_parse(text, "fuzz.theme", &t, err, sizeof err) != 0) {
        fuzz_assert(err[0] != 0, "theme refused without a message");
        fuzz_assert(memchr(err, 0, sizeof err) != NULL, "message not terminated");
    } else {
        for (int i = 0; i < EL__COUNT; i++)
            fuzz_assert(t.fg[i] >= -1 && t.fg[i] <= 255 && t.bg[i] >= -1 && t.bg[i] <= 255,
                        "element %d colours %d/%d", i, t.fg[i], t.bg[i]);
    }
    free(text);
    return 0;
}
