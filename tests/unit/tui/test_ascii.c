/* The ASCII fallback (tui/text.c text_ascii_fit) for terminals whose
 * locale is not UTF-8: every character becomes ASCII taking the same
 * columns, so what was laid out for UTF-8 still lines up under LANG=C. */
#include <locale.h>
#include "../../tap.h"
#include "../../../tui/text.h"

/* s converted: the ASCII text, and it must take text_width(s) columns */
static const char *ascii(const char *s)
{
    static char out[512];
    text_ascii_fit(s, out, sizeof out);
    for (const char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            ok(0, "\"%s\": byte 0x%02x is not printable ASCII", s, (unsigned char)*p);
            return out;
        }
    is_int((int)strlen(out), text_width(s), "\"%s\" -> \"%s\": same columns", s, out);
    return out;
}

int main(void)
{
    /* the C locale, as over an SSH session with LANG=C: wcwidth knows
     * nothing beyond ASCII there, the console's own table decides */
    setlocale(LC_ALL, "C");
    ok(text_locale_ascii(), "the C locale is not UTF-8: ASCII fallback");
    setlocale(LC_ALL, "C.UTF-8");
    ok(!text_locale_ascii(), "C.UTF-8 is UTF-8: no fallback");
    setlocale(LC_ALL, "C");

    is_str(ascii("plain ASCII, unchanged"), "plain ASCII, unchanged", "ASCII passes through");
    is_str(ascii("1.1.0 → 1.3.0"), "1.1.0 > 1.3.0", "an arrow becomes >");
    is_str(ascii("01-01 00:00→01-01 00:00"), "01-01 00:00>01-01 00:00", "the plan list's window");
    is_str(ascii("a add · x remove"), "a add | x remove", "the hints' middle dot becomes |");
    is_str(ascii("Loading…"), "Loading~", "the ellipsis becomes ~ (one column, as tig marks a cut)");
    is_str(ascii("[meter ▾]"), "[meter v]", "the picker chip's triangle");
    is_str(ascii("[all at once ▸]"), "[all at once >]", "the sub-form chip's triangle");
    is_str(ascii("┌─┐│ │└─┘├─┤┴"), "+-+| |+-++-++", "box lines: corners +, lines - and |");
    is_str(ascii("waiting 5s — Esc cancels"), "waiting 5s - Esc cancels", "an em dash");
    is_str(ascii("█▌"), "##", "block elements (bars) become #");
    is_str(ascii("升级计划 nightly"), "???????? nightly", "a wide character: one ? per column");
    is_str(ascii("e\xcc\x81t\xc3\xa9"), "et?", "a combining mark takes no column, an accented letter one ?");
    is_str(ascii("a\tb\x1b[1m"), "a?b?[1m", "control characters never reach the terminal");
    is_str(ascii("bad \xff byte"), "bad ? byte", "an invalid byte is one ?");

    /* a cut made for UTF-8 stays a cut: the ellipsis text_fit adds */
    char fit[64];
    text_fit("升级计划 nightly", 14, 1, fit, sizeof fit);
    is_str(ascii(fit), "???????? nigh~", "text_fit's cut, then ASCII: the same 14 columns");

    /* a small buffer: never more than fits, always terminated */
    char tiny[4];
    is_int((int)text_ascii_fit("升级x", tiny, sizeof tiny), 2, "small buffer: a wide character whole or not at all");
    is_str(tiny, "??", "small buffer: terminated");

    text_set_ascii(1);
    ok(text_ascii(), "the output mode is remembered");
    text_set_ascii(0);
    ok(!text_ascii(), "and can be turned off");
    return tap_done();
}
