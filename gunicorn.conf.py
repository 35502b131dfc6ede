"""gunicorn's settings for `make serve` and the Docker image (it reads this file itself)."""

import gc
import os

# gunicorn puts its working directory (the repository's root, /app in the image) on
# sys.path before it reads this file: the app's package imports from here as the app does.
from mentorship.cpus import usable_cpus

# 127.0.0.1 behind a proxy on the same host; the image sets HOST=0.0.0.0.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# gunicorn's advice: (2 x usable CPUs) + 1 synchronous workers; WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or usable_cpus() * 2 + 1)
timeout = 30
graceful_timeout = 20
# No access log: the app logs one structured line per request (mentorship.logs).
accesslog = None
# The control socket would be one path in $HOME shared by every gunicorn on the host.
control_socket_disable = True


# Python's cyclic garbage collector runs every 700 new containers by default: a page that
# builds a few thousand model instances, forms and template nodes paid ~2.4 ms of
# collections (the programme list and the inbox, in process, at 100 000 engagements).
# Every 10 000 costs ~0.9 ms, in collections of ~4 ms, not fewer and longer ones: 50 000
# took as long in all, in pauses of ~25 ms. What the worker loaded at start is frozen
# out of every collection (and out of copy-on-write when gunicorn preloads).
GC_FIRST_GENERATION = 10_000


def post_worker_init(worker) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])
