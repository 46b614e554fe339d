"""Create the demo sign-ins for development (one per role) and print them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evaluation.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users


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
