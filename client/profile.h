/* profile.h: where the remote server and its token come from, shared by
 * otactl and the console so both resolve them the same way.
 *
 * Config file: $XDG_CONFIG_HOME/otaconsole/config (else ~/.config/...),
 * INI-style profiles:
 *
 *     [default]
 *     url = https://ota.example.com
 *     token = 3f9c...            # or: token_file = /home/me/.ota-token
 *     cacert = /etc/ssl/private-ca.pem
 *     insecure = false
 *     device_key = ...           # for device-side calls (simulator)
 *
 *     [staging]
 *     url = https://staging.example.com:8443
 *     token_file = ~/.config/otaconsole/staging.token
 *
 * Local stays the default: a profile is only used when --remote URL or
 * --profile NAME (or $OTA_PROFILE) asks for a server.  With --remote URL
 * alone, the profile whose url matches supplies token and TLS settings.
 *
 * Token precedence: --token, --token-file, $OTA_TOKEN, $OTA_TOKEN_FILE,
 * then the profile.  A token file, or a config file holding a token, that
 * group or others can read is refused with "chmod 600 <path>"; so is a
 * device's token file (ota_device_creds_resolve).
 */
#ifndef OTA_PROFILE_H
#define OTA_PROFILE_H

#include <limits.h>
#include "backend.h"

/* What a command line gave; NULL/false = not given. */
typedef struct ota_remote_args {
    const char *url;         /* --remote */
    const char *token;       /* --token */
    const char *token_file;  /* --token-file */
    const char *profile;     /* --profile */
    const char *cacert;      /* --cacert */
    const char *device_key;  /* --device-key */
    const char *device_token_file; /* --device-token-file */
    bool insecure;           /* --insecure */
} ota_remote_args;

typedef struct ota_remote_conf {
    char url[400];            /* "" = no remote asked for: use the local backend */
    char token[1024];
    char device_key[128];
    char cacert[PATH_MAX];
    bool insecure;
    char profile[64];         /* the profile used, "" = none */
    char token_source[PATH_MAX + 96]; /* "--token", "OTA_TOKEN", "profile default", a path */
} ota_remote_conf;

/* $XDG_CONFIG_HOME/otaconsole/config or ~/.config/otaconsole/config. */
int ota_config_path(char *buf, size_t len, ota_err *e);
/* Reads a token file (first line, trimmed), refusing one group/others can read. */
int ota_token_file_read(const char *path, char *out, size_t len, ota_err *e);
/* Combines arguments, environment and the config file. */
int ota_remote_conf_resolve(const ota_remote_args *a, ota_remote_conf *out, ota_err *e);
/* The device side's own credentials, for device calls (otactl device
 * checkin|confirm|report|enroll) on either backend, from arguments and the
 * environment only: key --device-key, else $OTA_DEVICE_KEY (a remote's
 * configuration adds the profile's device_key); token: the first line of
 * --device-token-file (refused, naming the chmod, when group or others can
 * read it), else $OTA_DEVICE_TOKEN; "" when not given.  Never a token on
 * the command line, where ps shows it.  A token holding spaces or control
 * characters, or longer than OTA_DEVICE_CRED_MAX, is refused. */
#define OTA_DEVICE_CRED_MAX 256
typedef struct ota_device_creds {
    char key[OTA_DEVICE_CRED_MAX + 1];
    char token[OTA_DEVICE_CRED_MAX + 1];
    char token_source[PATH_MAX + 32];  /* "OTA_DEVICE_TOKEN" or the file's path, for messages */
} ota_device_creds;
int ota_device_creds_resolve(const ota_remote_args *a, ota_device_creds *out, ota_err *e);
void ota_device_creds_clear(ota_device_creds *c);  /* wipes them */

/* Fills backend options from a resolved configuration (pointers into c). */
void ota_remote_conf_opts(const ota_remote_conf *c, ota_remote_opts *o);
/* Opens the remote backend a resolved configuration describes. */
ota_backend *ota_remote_conf_open(const ota_remote_conf *c, ota_err *e);
/* Wipes the token from memory. */
void ota_remote_conf_clear(ota_remote_conf *c);

#endif
