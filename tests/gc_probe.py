"""A WSGI app that answers with its worker's garbage-collector settings: what
gunicorn.conf.py's worker hook set, seen from inside a real gunicorn worker."""

import gc
import json


def app(environ, start_response):
    body = json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()})
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body.encode()]
