# Hostile-input suite against a real otad (owner: hardening work).
