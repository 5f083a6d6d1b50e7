"""The WSGI application for gunicorn: `gunicorn bipin.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bipin.settings")
application = get_wsgi_application()
