"""Start Zapis: `python run.py` runs the bot; `python run.py --help` lists the other commands."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
