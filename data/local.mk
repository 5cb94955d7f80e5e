# Installed data: otad's systemd unit, its config file, shell completion.
