"""What bench/pages.py serves: the production settings plus a middleware that reports
each response's query count in a header (bench/query_count.py)."""

from mentorship.settings import *  # noqa: F403

MIDDLEWARE = ["bench.query_count.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
