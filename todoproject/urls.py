from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from todoproject import admin_login
from todoproject.api import api
from todoproject.health import healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs")),
    # Ahead of the admin's own login/, which it replaces (todoproject/admin_login.py).
    path("admin/login/", admin_login.login),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
