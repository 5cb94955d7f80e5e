/* Width-aware truncation (tui/text.c): columns, not bytes or characters;
 * an ellipsis when cut; never a cut inside a character. */
#include <locale.h>
#include <stdio.h>
#include "../../tap.h"
#include "../../../tui/text.h"

static int ota_utf8_valid_test(const char *s)
{
    size_t len = strlen(s), off = 0;
    while (off < len) {
        uint32_t cp;
        size_t n = text_decode(s + off, len - off, &cp);
        if (cp == 0xfffd && n == 1)
            return 0;
        off += n;
    }
    return 1;
}

/* text_wrap's lines joined with '|' */
static const char *wrapped(const char *s, int width, int indent)
{
    static char out[1024];
    size_t st[32], ln[32];
    int n = text_wrap(s, width, indent, st, ln, 32), o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && i < 32; i++)
        o += snprintf(out + o, sizeof out - o, "%s%.*s", i ? "|" : "", (int)ln[i], s + st[i]);
    return out;
}

static void wrap_tests(void)
{
    size_t st[4], ln[4];
    is_str(wrapped("hello world", 20, 0), "hello world", "wrap: a short text is one line");
    is_str(wrapped("hello world", 5, 0), "hello|world", "wrap: breaks at the space");
    is_str(wrapped("hello world", 8, 0), "hello|world", "wrap: never cuts a word that fits a line");
    is_str(wrapped("file name must end in one of .bin .zip .swu", 16, 0),
           "file name must|end in one of|.bin .zip .swu", "wrap: every word shown");
    is_str(wrapped("abcdefghij", 4, 0), "abcd|efgh|ij", "wrap: a word wider than the line is cut");
    is_str(wrapped("升级计划升级", 5, 0), "升级|计划|升级", "wrap: never half a wide character");
    is_str(wrapped("one\ntwo three", 20, 0), "one|two three", "wrap: a newline breaks");
    is_str(wrapped("a\n\nb", 20, 0), "a||b", "wrap: an empty line is kept");
    is_str(wrapped("  q    Back; quit from a top pane", 20, 7), "  q    Back; quit|from a top|pane",
           "wrap: the first line keeps its indent");
    is_str(wrapped("aaaa bbbb cccc dddd", 10, 4), "aaaa bbbb|cccc|dddd",
           "wrap: continuation lines are narrower by the indent");
    is_str(wrapped("word   next", 6, 0), "word|next", "wrap: spaces at the break are dropped");
    is_int(text_wrap("", 10, 0, st, ln, 4), 0, "wrap: an empty text has no line");
    is_int(text_wrap("a b c d e f", 1, 0, st, ln, 4), 6, "wrap: the count says how many lines it needs");
    is_int((int)ln[3], 1, "wrap: only max lines are filled");
}

int main(void)
{
    char out[256];
    setlocale(LC_ALL, "C.UTF-8");

    is_int(text_width("abc"), 3, "ASCII: one column each");
    is_int(text_width("升级计划"), 8, "Chinese: two columns each");
    is_int(text_width("e\xcc\x81"), 1, "combining accent takes no column");
    is_int(text_width("a\tb"), 3, "a control character counts as one ('?')");

    is_int(text_fit("hello", 10, 0, out, sizeof out), 5, "fits: width unchanged");
    is_str(out, "hello", "fits: text unchanged");
    text_fit("hello", 10, 1, out, sizeof out);
    is_str(out, "hello     ", "pad fills to the width");

    is_int(text_fit("hello world", 8, 0, out, sizeof out), 8, "cut: exactly the width");
    is_str(out, "hello w…", "cut ends with an ellipsis");

    /* 升级计划 is 8 columns; in 6 columns: 2 characters (4) + ellipsis (1) = 5,
     * the third character (2 columns) would pass 5: dropped, then padded. */
    is_int(text_fit("升级计划", 6, 0, out, sizeof out), 5, "wide: never half a character");
    is_str(out, "升级…", "wide: whole characters then the ellipsis");
    is_int(text_fit("升级计划", 6, 1, out, sizeof out), 6, "wide padded to the width");
    is_str(out, "升级… ", "a space fills the column a wide character could not");
    is_int(text_fit("升级计划", 8, 1, out, sizeof out), 8, "wide: exact fit keeps all");
    is_str(out, "升级计划", "exact fit has no ellipsis");

    text_fit("a\x1b[31mb", 10, 0, out, sizeof out);
    is_str(out, "a?[31mb", "escape sequences cannot reach the terminal");
    text_fit("a\xff" "b", 10, 0, out, sizeof out);
    is_str(out, "a\xef\xbf\xbd" "b", "an invalid byte becomes U+FFFD");
    text_fit("abc", 0, 0, out, sizeof out);
    is_str(out, "", "width 0: nothing");
    text_fit("abcdef", 1, 0, out, sizeof out);
    is_str(out, "…", "width 1: only the ellipsis");

    /* small output buffer: still a whole character and a terminated string */
    char tiny[5];
    text_fit("计划计划", 8, 0, tiny, sizeof tiny);
    ok(ota_utf8_valid_test(tiny), "small buffer: output is valid UTF-8 (\"%s\")", tiny);

    is_int(text_fit_tail("/very/long/path/to/fw.bin", 12, out, sizeof out), 12, "tail: width");
    is_str(out, "…h/to/fw.bin", "tail keeps the end");

    text_copy(tiny, sizeof tiny, "a计划");
    is_str(tiny, "a计", "text_copy cuts at a character boundary");
    text_copy(tiny, 3, "计");
    is_str(tiny, "", "text_copy drops a character that does not fit");

    is_int(text_prev("a计b", 4), 1, "prev steps over a whole character");
    is_int(text_next("a计b", 5, 1), 4, "next steps over a whole character");
    wrap_tests();
    return tap_done();
}
