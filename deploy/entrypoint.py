"""A service container's entrypoint: offer its pages to same-page merging, then run its command.

``actkit run`` forks the services from one supervisor that asked for merging; a container has no
such parent, so each asks here, before its service starts (the setting survives ``exec`` on Linux
6.7 and later). ``ACTKIT_PAGE_MERGING=off`` skips it, to measure what it saves.
"""

import os
import sys

from actkit_core.process import merge_identical_pages

if len(sys.argv) < 2:
    sys.exit("usage: entrypoint.py COMMAND [ARGUMENT ...]")
if os.environ.get("ACTKIT_PAGE_MERGING", "on") != "off":
    sys.stderr.write(f"entrypoint: {merge_identical_pages().value}\n")
os.execvp(sys.argv[1], sys.argv[1:])
