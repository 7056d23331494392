from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organizations.models import Membership, Organization
from organizations.services import membership_set, password_generate, user_ensure


class Command(BaseCommand):
    help = "Add a user (created if needed) to an organization with a role."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--role", choices=Membership.Role.values, default="member")
        parser.add_argument("--password", help="Set this password; generated for a new user.")

    @transaction.atomic
    def handle(self, *args, slug, username, role, password, **options):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with slug {slug!r}.")
        user, created = user_ensure(username=username, password=password)
        if created and password is None:
            password = password_generate()
            user_ensure(username=username, password=password)
            self.stdout.write(f"Password: {password}")
        membership_set(organization=organization, user=user, role=role)
        self.stdout.write(f"{username} is now {role} of {organization.slug}")
