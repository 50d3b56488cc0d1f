import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todoproject.settings")

application = get_wsgi_application()

# After the setup above: the middleware module imports Django's auth and sessions.
from todoproject.middleware import ChunkedBodyMiddleware  # noqa: E402

application = ChunkedBodyMiddleware(application)
