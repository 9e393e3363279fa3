"""
The garbage collector's freeze during an export: what existed before it is left out of full collections.
"""

import gc
from contextlib import contextmanager

# Objects frozen when this module was imported: Python 3.12 freezes a few hundred of its own
# at start-up; more than that later means the process froze its objects itself.
_FROZEN_AT_IMPORT = gc.get_freeze_count()


@contextmanager
def objects_before_frozen():
    """
    Keep the objects that existed before the export out of the garbage collector's full
    collections while it runs (``gc.freeze``), and hand them back after (``gc.unfreeze``).

    A full collection walks every tracked object with every thread stopped, so no LMS answer
    is read meanwhile. An export allocates enough to cause several; in an LMS process most of
    what each one walks is modules and settings that outlive any export. Nothing is done when
    the process froze objects itself: a server that froze them before forking keeps them frozen.
    """
    if gc.get_freeze_count() > _FROZEN_AT_IMPORT:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
