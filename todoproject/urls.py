from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from todoproject import admin_login
from todoproject.api import api
from todoproject.health import healthz, readyz

urlpatterns = [
    # First: Django tries a request's path against each route in turn, and
    # nearly every request is the API's (the admin's miss cost each of them
    # a Resolver404 raised and caught).
    path("api/", api.urls),
    path("", RedirectView.as_view(url="/api/docs")),
    # Ahead of the admin's own login/, which it replaces (todoproject/admin_login.py).
    path("admin/login/", admin_login.login),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
