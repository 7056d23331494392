from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import integrations, organization_settings
from metrics.views import dashboard
from organizations.login import ThrottledLoginView, admin_login
from organizations.views import switch_organization

urlpatterns = [
    path("", dashboard, name="home"),
    path("integrations/", integrations, name="integrations"),
    path("integrations/tokens/", include("tokens.urls")),
    path("settings/", organization_settings, name="organization_settings"),
    path("settings/", include("organizations.urls")),
    path("", include("repositories.urls")),
    path("api/v1/", include("deployments.urls")),
    path("", include("incidents.urls")),
    path("", include("metrics.urls")),
    path("organizations/switch/", switch_organization, name="switch_organization"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Before the admin's URLs: its login page would bypass the login throttle.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
