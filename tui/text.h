/* text.h: display-width aware UTF-8 text for the console.
 *
 * Terminal columns are not bytes and not characters: a Chinese character
 * takes two columns, a combining mark none.  Everything that puts text in a
 * fixed number of columns goes through here, so columns line up and a cut
 * never falls inside a character.  Pure functions (no ncurses), unit-tested
 * in tests/unit/tui/test_text.c.
 */
#ifndef TUI_TEXT_H
#define TUI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TEXT_ELLIPSIS "\xe2\x80\xa6"   /* U+2026, one column */

/* Decode one UTF-8 character at s (len bytes available).  Returns its byte
 * length (>= 1) and stores the code point; an invalid or truncated sequence
 * consumes one byte and yields U+FFFD. */
size_t text_decode(const char *s, size_t len, uint32_t *cp);

/* Columns a code point takes: 0 for combining marks, 2 for wide (CJK),
 * 1 otherwise.  Control characters count 1 (they are shown as '?'). */
int text_cp_width(uint32_t cp);

/* Display width of a UTF-8 string. */
int text_width(const char *s);

/* Copy s into out (outlen bytes) so that it takes at most width columns.
 * When s is wider, it is cut at a character boundary and ends with an
 * ellipsis; a wide character that would straddle the limit is dropped.
 * Control characters become '?', invalid bytes U+FFFD.  With pad, spaces
 * fill the result to exactly width columns.  Returns the columns used. */
int text_fit(const char *s, int width, int pad, char *out, size_t outlen);

/* The same, keeping the END of s (for a text field scrolled to its
 * cursor, or a path): a leading ellipsis marks the cut. */
int text_fit_tail(const char *s, int width, char *out, size_t outlen);

/* Plain-ASCII terminals (a locale whose charset is not UTF-8, e.g. LANG=C
 * over SSH): text_ascii_fit() writes s as ASCII taking exactly as many
 * columns as s does: arrows, box lines, bullets, dashes and the ellipsis
 * become their ASCII look-alikes ("→" ">", "─" "-", "│" "|", "┌" "+",
 * "·" "|", "…" "~" as tig marks a cut), and any other character '?'
 * once per column it takes (a Chinese character "??", a combining mark
 * nothing), so columns still line up.  Returns the bytes written. */
size_t text_ascii_fit(const char *s, char *out, size_t outlen);
/* The console's output mode, set once at start from the locale
 * (text_locale_ascii()); draw.c converts everything it draws when on. */
void text_set_ascii(int on);
int text_ascii(void);
/* True when the current LC_CTYPE's charset is not UTF-8 (call after
 * setlocale). */
int text_locale_ascii(void);
/* Break s into lines of at most width columns, at spaces where it can (a
 * word wider than a line is cut between characters); '\n' breaks too.
 * Lines after the first are width - indent columns wide (the caller draws
 * them indented: a hanging indent); after an automatic break a line starts
 * after the spaces at the break.  Line i is len[i] bytes at s + start[i] (trailing
 * spaces dropped).  Fills up to max lines and returns how many lines s
 * needs (0 for an empty string), so a caller can tell it was cut. */
int text_wrap(const char *s, int width, int indent, size_t *start, size_t *len, int max);

/* Byte offset of the character before/after byte offset off in s. */
size_t text_prev(const char *s, size_t off);
size_t text_next(const char *s, size_t len, size_t off);



/* Copy src into dst (size n), cutting at a character boundary when it
 * does not fit.  Returns dst. */
char *text_copy(char *dst, size_t n, const char *src);
#endif
