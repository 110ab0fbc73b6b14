"""python manage.py seed_demo — demo resellers, customers, users and tickets (idempotent)."""

import os

from django.core.management.base import BaseCommand

from tickets.demo import seed_demo


class Command(BaseCommand):
    help = "Create demo data (idempotent) and print the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"),
            help="Password of the demo users created now (default: $DEMO_PASSWORD or "
            "demo-pass-2026). Existing users keep theirs.",
        )

    def handle(self, *args, password: str, **options) -> None:
        logins, created = seed_demo(password=password)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new tickets)."))
        self.stdout.write("Logins (username / password / role / API token):")
        for login in logins:
            token = f"  token {login.token}" if login.token else ""
            self.stdout.write(f"  {login.username:<20} {login.password:<16} {login.role}{token}")
