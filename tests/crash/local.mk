# Crash consistency under SIGKILL (owner: hardening work).
