def current_organization(request):
    """Exposes what organization_required resolved, for the layout's navigation."""
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
