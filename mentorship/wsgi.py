"""The WSGI application each gunicorn worker loads (its own copy: no preload)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
application = get_wsgi_application()

from mentorship.warm import warm_up  # noqa: E402 - needs the settings configured above

warm_up()
