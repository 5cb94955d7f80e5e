# Tests of the systemd unit and the shell completion.
