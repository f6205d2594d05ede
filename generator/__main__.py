"""``python -m generator``: the ``baocao`` command (``cli.main``)."""
import sys

from .cli import main

sys.exit(main())
