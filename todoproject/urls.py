from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from todoproject.api import api
from todoproject.health import healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
