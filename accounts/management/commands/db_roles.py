"""Set up the owner and runtime PostgreSQL roles, grant the runtime role its rights, or check them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts import db_roles

HELP_STEPS = """
setup  as a PostgreSQL superuser, once: the owner owns the database and schema, the runtime role owns nothing
grant  as the owner, after every migrate: the runtime role's rights (read and append only on audit and signatures)
check  as anyone: exit 1 naming every way the runtime role's rights differ from that
"""


class Command(BaseCommand):
    help = "Database roles for PostgreSQL: " + HELP_STEPS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["setup", "grant", "check"])
        parser.add_argument("--runtime", required=True, help="the role the service connects as")
        parser.add_argument("--owner", help="the role that owns the tables and runs migrations (setup)")
        parser.add_argument("--create-roles", action="store_true", help="setup: create missing roles (LOGIN, "
                            "no password: set one with psql's \\password)")
        parser.add_argument("--sql", action="store_true", help="print the statements instead of running them")

    def handle(self, *args: Any, step: str, runtime: str, owner: str | None, create_roles: bool, sql: bool,
               **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles apply to PostgreSQL only; DATABASE_URL names another database.")
        with connection.cursor() as cursor:
            if step == "check":
                return self._check(cursor, runtime)
            statements = (self._setup(cursor, runtime, owner, create_roles) if step == "setup"
                          else db_roles.grant_statements(runtime=runtime,
                                                         columns=db_roles.table_columns(cursor, connection)))
            if sql:
                self.stdout.write(";\n".join(statements) + ";")
                return None
            with transaction.atomic():
                db_roles.run(cursor, statements)
        self.stdout.write(self.style.SUCCESS(f"{step}: {len(statements)} statements run."))
        return None

    def _setup(self, cursor: Any, runtime: str, owner: str | None, create_roles: bool) -> list[str]:
        if not owner:
            raise CommandError("setup needs --owner.")
        if owner == runtime:
            raise CommandError("The owner and the runtime role must be two different roles.")
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [owner, runtime])
        existing = {row[0] for row in cursor.fetchall()}
        missing = tuple(name for name in (owner, runtime) if name not in existing)
        if missing and not create_roles:
            raise CommandError(f"No role {', '.join(missing)}: create it (createuser --pwprompt NAME) "
                               "or pass --create-roles.")
        return db_roles.setup_statements(owner=owner, runtime=runtime, database=connection.settings_dict["NAME"],
                                         create=missing)

    def _check(self, cursor: Any, runtime: str) -> None:
        found = db_roles.problems(cursor, runtime=runtime, columns=db_roles.table_columns(cursor, connection))
        if found:
            raise CommandError(f"The runtime role {runtime} has the wrong rights:\n  " + "\n  ".join(found))
        self.stdout.write(self.style.SUCCESS(
            f"{runtime}: owns nothing; reads and appends only on {', '.join(db_roles.PROTECTED_TABLES)}; "
            "their triggers are enabled."))
