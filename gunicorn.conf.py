"""gunicorn's settings for `make serve` and the Docker image (it reads this file itself)."""

import multiprocessing
import os

# 127.0.0.1 behind a proxy on the same host; the image sets HOST=0.0.0.0.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# gunicorn's advice: (2 x cores) + 1 synchronous workers; WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
timeout = 30
graceful_timeout = 20
# No access log: the app logs one structured line per request (mentorship.logs).
accesslog = None
# The control socket would be one path in $HOME shared by every gunicorn on the host.
control_socket_disable = True
