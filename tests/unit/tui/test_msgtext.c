/* What the message line and the hint bar say (tui/msgtext.c): errors in a
 * person's words (the object named, no error code names, no API routes),
 * hint bars that drop whole hints by priority; and the key table's names
 * (tui/keys.c): no binding names the same key twice ("Enter, Enter"). */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "../../tap.h"
#include "../../../tui/msgtext.h"
#include "../../../tui/text.h"

static ota_err err(ota_code c, const char *field, const char *msg)
{
    ota_err e = {.code = c};
    snprintf(e.field, sizeof e.field, "%s", field);
    snprintf(e.message, sizeof e.message, "%s", msg);
    return e;
}

static void error_words(void)
{
    char buf[1024], fw[128];
    ota_err e = err(OTA_E_IN_USE, "id", "package 6 is used by plan 2 (active)");
    is_str(err_words("Could not delete package 6", &e, buf, sizeof buf),
           "Could not delete package 6: package 6 is used by plan 2 (active)",
           "in use: the object asked about, then which plan uses it; no code name");
    e = err(OTA_E_INTERNAL, NULL, "http://127.0.0.1:8080 answered HTTP 500 to GET /api/v1/plans/6");
    is_str(err_words("Could not load plan 6", &e, buf, sizeof buf),
           "Could not load plan 6: internal error: http://127.0.0.1:8080 answered HTTP 500",
           "a route in the message is taken out");
    e = err(OTA_E_FORBIDDEN, NULL, "DELETE /api/v1/packages/{} needs the operator role (token 'vic' is viewer)");
    is_str(err_words("Could not delete package 3", &e, buf, sizeof buf),
           "Could not delete package 3: needs the operator role (token 'vic' is viewer)",
           "a method and its route are taken out together");
    e = err(OTA_E_VALIDATION, "name", "at most 64 characters (got 70)");
    is_str(err_words("Not saved", &e, buf, sizeof buf), "Not saved: name: at most 64 characters (got 70)",
           "a refused value: the field is named");
    e = err(OTA_E_VALIDATION, "window.start", "the window must start before it ends");
    is_str(err_words(NULL, &e, buf, sizeof buf), "window start: the window must start before it ends",
           "a field in words, not its JSON path");
    e = err(OTA_E_VALIDATION, "files", "\"fw.exe\": file name must end in one of .bin .zip .swu");
    is_str(err_words("", &e, buf, sizeof buf), "files: \"fw.exe\": file name must end in one of .bin .zip .swu",
           "the whole rule is kept, after the field");
    e = err(OTA_E_VALIDATION, "remark", "remark: at most 200 characters (got 201)");
    is_str(err_words("", &e, buf, sizeof buf), "remark: at most 200 characters (got 201)",
           "a message naming its field keeps it once");
    e = err(OTA_E_NOT_EDITABLE, "state", "only a saved plan can be edited (plan 6 is active)");
    is_str(err_words("Could not save plan 6", &e, buf, sizeof buf),
           "Could not save plan 6: only a saved plan can be edited (plan 6 is active)",
           "the state is not a field a person typed: not named");
    e = err(OTA_E_IO, NULL, "import: /tmp/ids.txt: No such file or directory");
    is_str(err_words(NULL, &e, buf, sizeof buf), "disk or file error: import: /tmp/ids.txt: No such file or directory",
           "a file path is not a route: kept");
    e = err(OTA_E_UNAVAILABLE, NULL, "cannot reach http://127.0.0.1:9: Connection refused");
    is_str(err_words("Could not load the plans", &e, buf, sizeof buf),
           "Could not load the plans: cannot reach http://127.0.0.1:9: Connection refused",
           "unavailable: the message says it");
    ok(!strstr(buf, "unavailable"), "no code name in the words");

    e = err(OTA_E_VALIDATION, "target_version", "required");
    is_str(field_msg(&e, buf, sizeof buf), "target_version: required", "beside a field: its API name, no code");
    e = err(OTA_E_VALIDATION, "remark", "remark: at most 200 characters (got 201)");
    is_str(field_msg(&e, buf, sizeof buf), "remark: at most 200 characters (got 201)", "beside a field: named once");
    e = err(OTA_E_CONFLICT, "", "http://h answered HTTP 409 to PUT /api/v1/plans/2");
    is_str(field_msg(&e, buf, sizeof buf), "http://h answered HTTP 409", "beside a field: no route either");

    is_str(field_words("rollout.waves[1].size", fw, sizeof fw), "rollout waves 2 size", "field: index from 1");
    is_str(field_words("min_rsrp", fw, sizeof fw), "min rsrp", "field: underscores are spaces");
    is_str(field_words("", fw, sizeof fw), "", "field: none");
}

static void hint_bars(void)
{
    char out[512];
    hint h[] = {{"Enter open", 8}, {"n new", 7}, {"e edit", 6}, {"a activate", 7}, {"d delete", 6},
                {"h history", 5}, {"3 live", 4}, {"/ filter", 4}, {"s sort", 3}, {"? help", 9}, {"q quit", 2}};
    int n = (int)(sizeof h / sizeof h[0]);
    is_int(hints_fit(h, n, 200, out, sizeof out), n, "a wide bar keeps every hint");
    is_str(out, "Enter open · n new · e edit · a activate · d delete · h history · 3 live · / filter · s sort · "
                "? help · q quit", "in their order, joined by ·");
    hints_fit(h, n, 80, out, sizeof out);
    ok(text_width(out) <= 80, "80 columns: the bar fits (%d)", text_width(out));
    ok(!strstr(out, "q quit") && !strstr(out, "s sort"), "the least important go first: %s", out);
    ok(strstr(out, "? help") && strstr(out, "Enter open") && strstr(out, "a activate"),
       "help and the pane's own actions stay");
    ok(!strstr(out, "…"), "never a cut word");
    hints_fit(h, n, 30, out, sizeof out);
    is_str(out, "Enter open · n new · ? help", "30 columns: the three that matter most");
    hint eq[] = {{"a one", 5}, {"b two", 5}, {"c three", 5}};
    hints_fit(eq, 3, 14, out, sizeof out);
    is_str(out, "a one · b two", "of equal ones the rightmost goes first");
    is_int(hints_fit(eq, 3, 2, out, sizeof out), 0, "nothing fits: an empty bar, not a cut one");
    is_str(out, "", "empty");

    hintbar b = {0};
    hint_key(&b, ACT_HELP, "help");
    hint_key(&b, ACT_QUIT, "quit");
    hint_key(&b, ACT_OPEN, "open");
    is_str(hint_done(&b, 80), "? help · q quit · Enter open", "hint_key: the key from the table");
    is_str(hint_done(&b, 20), "? help · Enter open", "hint_key: the priority from the table");
    ok(keys_prio(ACT_HELP) > keys_prio(ACT_QUIT), "help outranks quit in the table");
}

static void key_names(void)
{
    char buf[64];
    int dup = 0;
    for (int i = 0; i < keys_count; i++) {
        keys_binding_names(&keys_table[i], buf, sizeof buf);
        char *comma = strstr(buf, ", ");
        if (comma && !strcmp(comma + 2, (*comma = 0, buf))) {
            dup++;
            printf("# %s names one key twice\n", keys_table[i].name);
        }
    }
    is_int(dup, 0, "no binding names the same key twice");
    const key_binding *open = NULL;
    for (int i = 0; i < keys_count; i++)
        if (keys_table[i].action == ACT_OPEN)
            open = &keys_table[i];
    is_str(keys_binding_names(open, buf, sizeof buf), "Enter", "Enter is named once (\\n and KEY_ENTER)");
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    error_words();
    hint_bars();
    key_names();
    return tap_done();
}
