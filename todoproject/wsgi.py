import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "todoproject.settings")

# What get_wsgi_application() does, with the handler of todoproject/http.py.
django.setup(set_prefix=False)

# After the setup above: the middleware module imports Django's auth and sessions.
from todoproject.http import Handler  # noqa: E402
from todoproject.middleware import ChunkedBodyMiddleware  # noqa: E402

application = ChunkedBodyMiddleware(Handler())
