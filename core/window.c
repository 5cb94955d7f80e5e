/* Maintenance windows: the weekday words mon..sun, local "HH:MM" times, and
 * the one predicate saying whether a window is open at a local time. */
#include <stdio.h>
#include <string.h>
#include "ota.h"

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int ota_day_parse(const char *s, int *bit)
{
    for (int i = 0; s && i < 7; i++)
        if (!strcmp(s, day_names[i])) {
            *bit = i;
            return 0;
        }
    return -1;
}

const char *ota_day_str(int bit)
{
    return bit >= 0 && bit < 7 ? day_names[bit] : NULL;
}

int ota_hhmm_parse(const char *s, int *minutes)
{
    if (!s)
        return -1;
    for (int i = 0; i < 5; i++)
        if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return -1;
    if (s[5])
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    *minutes = h * 60 + m;
    return 0;
}

const char *ota_hhmm_format(int minutes, char *buf, size_t len)
{
    if (minutes < 0 || minutes >= OTA_MINUTES_PER_DAY || !buf || len < 6)
        return NULL;
    snprintf(buf, len, "%02d:%02d", minutes / 60, minutes % 60);
    return buf;
}

bool ota_window_open(const struct ota_local_time *lt, unsigned day_mask, int start_min, int end_min)
{
    if (!lt || lt->weekday < 0 || lt->weekday > 6)
        return false;
    bool today = day_mask & (1u << lt->weekday);
    bool yesterday = day_mask & (1u << ((lt->weekday + 6) % 7));
    if (start_min < end_min)
        return today && lt->minute >= start_min && lt->minute < end_min;
    /* Past midnight: start..24:00 on its days, 00:00..end the day after. */
    return (today && lt->minute >= start_min) || (yesterday && lt->minute < end_min);
}
