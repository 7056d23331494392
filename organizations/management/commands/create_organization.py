from django.core.management.base import BaseCommand
from django.db import transaction

from organizations.models import Membership
from organizations.services import (
    membership_set,
    organization_create,
    password_generate,
    user_ensure,
)


class Command(BaseCommand):
    help = "Create an organization (idempotent), optionally with an admin user."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--admin", metavar="USERNAME")
        parser.add_argument("--password", help="The admin's password; generated when omitted.")

    @transaction.atomic
    def handle(self, *args, slug, name, admin, password, **options):
        organization = organization_create(slug=slug, name=name)
        self.stdout.write(f"Organization: {organization.slug} ({organization.name})")
        if not admin:
            return
        generated = password is None
        user, created = user_ensure(username=admin, password=password)
        if created and generated:
            password = password_generate()
            user_ensure(username=admin, password=password)
        membership_set(organization=organization, user=user, role=Membership.Role.ADMIN)
        self.stdout.write(f"Admin: {admin}")
        if created and generated:
            self.stdout.write(f"Password: {password}")
