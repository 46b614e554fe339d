"""Create the demo sign-ins for development (one per role) and print them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from evaluation.permissions import CLINICIANS, TEMPLATE_ADMINS

DEMO_PASSWORD = "demo-clinic-password"
DEMO_USERS = [
    # username, full name, group, superuser
    ("clinician", ("Casey", "Clinician"), CLINICIANS, False),
    ("templateadmin", ("Taylor", "Templates"), TEMPLATE_ADMINS, False),
    ("superuser", ("Sam", "Superuser"), None, True),
]


def ensure_demo_users() -> list[str]:
    User = get_user_model()
    created = []
    for username, (first, last), group, superuser in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": group != CLINICIANS,
                      "is_superuser": superuser},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created.append(username)
        if group:
            user.groups.add(Group.objects.get(name=group))
    return created


class Command(BaseCommand):
    help = "Create demo users (development only) and print their sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are for development only (DJANGO_DEBUG=True).")
        ensure_demo_users()
        self.stdout.write("Demo sign-ins (development only):")
        for username, _, group, superuser in DEMO_USERS:
            role = "superuser" if superuser else group
            self.stdout.write(f"  {username:<14} password: {DEMO_PASSWORD}   ({role})")
