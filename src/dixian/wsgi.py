import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dixian.settings")
application = get_wsgi_application()

# The one-tap 叫应 answer skips Django's request handling (see dixian/alerts/fastack.py).
from dixian.alerts.fastack import FastAck  # noqa: E402

application = FastAck(application)
