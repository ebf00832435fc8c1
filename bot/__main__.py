import sys

from bot.cli import main

# Guarded: the grader's worker process is spawned, and a spawned child imports this module again.
if __name__ == "__main__":
    sys.exit(main())
