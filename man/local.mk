# Man pages: otaconsole(1), otactl(1), otad(8), otaconsole.conf(5).
