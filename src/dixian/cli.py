"""The ``dixian`` console script: every management command, with friendlier names.

``dixian seed-demo`` runs ``seed_demo``; ``dixian audit verify`` runs ``audit verify``.
"""

import os
import sys


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dixian.settings")
    if len(argv) > 1:
        argv[1] = argv[1].replace("-", "_") if argv[1] not in {"-h", "--help"} else "help"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
