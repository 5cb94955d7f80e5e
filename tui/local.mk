# otaconsole: the ncurses operator console.  One file per pane over shared
# layout/draw/keys/theme/loop modules (see tui/tui.h).
bin_PROGRAMS += tui/otaconsole
tui_otaconsole_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS) $(JANSSON_CFLAGS) $(CURL_CFLAGS) $(SODIUM_CFLAGS) \
	-DOTA_THEMEDIR='"$(pkgdatadir)/themes"'
tui_otaconsole_SOURCES = \
	tui/tui.h tui/text.h tui/layout.h tui/keys.h tui/theme.h tui/worker.h \
	tui/form.h tui/modal.h tui/demo.h \
	tui/main.c tui/app.c tui/loop.c tui/layout.c tui/draw.c tui/text.c \
	tui/keys.c tui/theme.c tui/worker.c tui/form.c tui/prompt.c tui/demo.c \
	tui/packages.c tui/package_form.c tui/plans.c tui/plan_editor.c tui/plan_ids.h tui/plan_ids.c \
	tui/idlist.h tui/idlist.c tui/paste.h tui/paste.c \
	tui/plan_copy.h tui/plan_copy.c tui/copy_text.c \
	tui/palette.h tui/palette.c tui/command.h tui/command.c \
	tui/plan_status.c tui/device_detail.h tui/device_detail.c tui/dashboard.c tui/help.c \
	tui/rollout.h tui/rollout_text.c tui/plan_rollout.c tui/rollout_view.c \
	tui/trust.h tui/trust.c \
	tui/remote.h tui/remote.c tui/push.c
# the message line's and hint bar's texts (errors in words, hints by priority)
tui_otaconsole_SOURCES += tui/msgtext.h tui/msgtext.c
tui_otaconsole_LDADD = $(NCURSES_LIBS) $(CLIENT_LIBS)

themesdir = $(pkgdatadir)/themes
dist_themes_DATA = themes/default.theme themes/light.theme \
	themes/monochrome.theme themes/high-contrast.theme
