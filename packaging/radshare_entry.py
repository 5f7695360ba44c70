"""The bundle's entry point: the `radshare` command, frozen by PyInstaller (see radshare.spec)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes re-enter here when a pool spawns them
    from radshare.cli import main

    sys.exit(main())
