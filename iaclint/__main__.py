"""``python -m iaclint`` and the ``iaclint`` console script. ``iaclint guard`` runs before every shell command an
agent makes, so it is dispatched before the click CLI (and the scanner behind it) is imported."""
import sys


def main():
    if sys.argv[1:2] == ["guard"]:
        from .guard.entry import main as guard_main

        sys.exit(guard_main(sys.argv[2:]))
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
