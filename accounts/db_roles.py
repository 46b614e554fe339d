"""Two PostgreSQL roles: an owner that runs migrations, and the runtime role the service connects as.

The runtime role owns nothing, so it cannot alter tables, drop or disable
triggers, or truncate. It has the usual SELECT, INSERT, UPDATE and DELETE on
every table except the audit trail and the signed revisions, where it may only
SELECT and INSERT; the one exception is filling in a signed revision's stored
reports (the PDF columns), which are written once after the row exists, and the
database trigger on that table refuses any second write. It may EXECUTE the
functions that link an inserted row into its hash chain (``evaluation.models.chained``),
which run with its own rights. Everything here is plain SQL, so a database
administrator can print it (``--sql``) and run it.
"""

from __future__ import annotations

from typing import Any

from evaluation.models import AuditEvent, Signature
from evaluation.models.chained import LINK_FUNCTIONS

# Tables the runtime role may only read and append to.
PROTECTED_TABLES = (AuditEvent._meta.db_table, Signature._meta.db_table)
TRIGGERS = {AuditEvent._meta.db_table: "evaluation_auditevent_append_only",
            Signature._meta.db_table: "evaluation_signature_write_once"}
USUAL = "SELECT, INSERT, UPDATE, DELETE"
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def ident(name: str) -> str:
    """A role, database, table or column name quoted as an SQL identifier."""
    if not name or "\x00" in name:
        raise ValueError(f"{name!r} is not a usable name.")
    return '"' + name.replace('"', '""') + '"'


def report_columns() -> list[str]:
    """The signature columns the service writes after signing (the stored reports and their hashes)."""
    fields = Signature.objects.all().REPORT_FIELDS
    names = set().union(*fields.values()) if isinstance(fields, dict) else set(fields)
    return sorted(Signature._meta.get_field(name).column for name in names)


def setup_statements(*, owner: str, runtime: str, database: str, create: tuple[str, ...] = ()) -> list[str]:
    """Run once by a PostgreSQL superuser, connected to the service's database."""
    o, r, db = ident(owner), ident(runtime), ident(database)
    return [
        *(f"CREATE ROLE {ident(name)} LOGIN" for name in create),
        f"ALTER ROLE {o} NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        f"ALTER ROLE {r} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
        # A deployment that migrated as the service's own role hands everything to the owner.
        f"REASSIGN OWNED BY {r} TO {o}",
        f"ALTER DATABASE {db} OWNER TO {o}",
        f"ALTER SCHEMA public OWNER TO {o}",
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {db} TO {r}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {r}",
    ]


def grant_statements(*, runtime: str, columns: dict[str, list[str]]) -> list[str]:
    """Run by the owner after every migrate (idempotent); ``columns`` lists each protected table's columns."""
    r = ident(runtime)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT {USUAL} ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        # Tables a later migration creates are usable at once, before this is run again.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {USUAL} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]
    for table in PROTECTED_TABLES:
        every_column = ", ".join(ident(name) for name in columns[table])
        statements += [
            f"REVOKE ALL ON {ident(table)} FROM {r}, PUBLIC",
            f"REVOKE ALL ({every_column}) ON {ident(table)} FROM {r}, PUBLIC",
            f"GRANT SELECT, INSERT ON {ident(table)} TO {r}",
        ]
    reports = ", ".join(ident(name) for name in report_columns())
    statements.append(f"GRANT UPDATE ({reports}) ON {ident(Signature._meta.db_table)} TO {r}")
    # PUBLIC may execute new functions by default, but a hardened database may have revoked that:
    # every chained insert calls these, so the grant is explicit.
    statements += [f"GRANT EXECUTE ON FUNCTION {function} TO {r}" for function in LINK_FUNCTIONS]
    return statements


def table_columns(cursor: Any, connection: Any) -> dict[str, list[str]]:
    return {table: [column.name for column in connection.introspection.get_table_description(cursor, table)]
            for table in PROTECTED_TABLES}


def run(cursor: Any, statements: list[str]) -> None:
    for statement in statements:
        cursor.execute(statement)


# ---------------------------------------------------------------- checking the result


def problems(cursor: Any, *, runtime: str, columns: dict[str, list[str]]) -> list[str]:
    """What is wrong with the runtime role's rights, in words; empty when all is as described above."""
    cursor.execute("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication "
                   "FROM pg_roles WHERE rolname = %s", [runtime])
    row = cursor.fetchone()
    if row is None:
        return [f"role {runtime} does not exist"]
    found = [f"{runtime} has a superuser, create-role, create-database, bypass-RLS or replication attribute"
             ] if row[0] else []
    found += _ownership_problems(cursor, runtime)
    for table in PROTECTED_TABLES:
        found += _table_problems(cursor, runtime, table, columns[table])
    found += _function_problems(cursor, runtime)
    return found


def _ownership_problems(cursor: Any, runtime: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s ORDER BY 1", [runtime])
    found = [f"{runtime} owns {name}" for (name,) in cursor.fetchall()]
    cursor.execute("SELECT pg_get_userbyid(datdba) = %s FROM pg_database WHERE datname = current_database()",
                   [runtime])
    if cursor.fetchone()[0]:
        found.append(f"{runtime} owns the database")
    cursor.execute("SELECT pg_has_role(%s, (SELECT relowner FROM pg_class WHERE relname = %s), 'MEMBER')",
                   [runtime, PROTECTED_TABLES[0]])
    if cursor.fetchone()[0]:
        found.append(f"{runtime} is a member of the role that owns the tables")
    return found


def _function_problems(cursor: Any, runtime: str) -> list[str]:
    """The chain-linking functions exist and the runtime role may execute them (else no chained insert works)."""
    found = []
    for function in LINK_FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
        if not cursor.fetchone()[0]:
            found.append(f"function {function} is missing (run migrate)")
            continue
        cursor.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [runtime, function])
        if not cursor.fetchone()[0]:
            found.append(f"{runtime} lacks EXECUTE on function {function}")
    return found


def _table_problems(cursor: Any, runtime: str, table: str, table_columns: list[str]) -> list[str]:
    found = []
    for privilege in ("SELECT", "INSERT", *FORBIDDEN):
        cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [runtime, ident(table), privilege])
        if cursor.fetchone()[0] != (privilege in ("SELECT", "INSERT")):
            found.append(f"{runtime} {'lacks' if privilege in ('SELECT', 'INSERT') else 'has'} {privilege} on {table}")
    allowed = set(report_columns()) if table == Signature._meta.db_table else set()
    for column in table_columns:
        cursor.execute("SELECT has_column_privilege(%s, %s, %s, 'UPDATE')", [runtime, ident(table), column])
        if cursor.fetchone()[0] and column not in allowed:
            found.append(f"{runtime} may UPDATE {table}.{column}")
    cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [TRIGGERS[table]])
    row = cursor.fetchone()
    if row is None or row[0] != "O":
        found.append(f"trigger {TRIGGERS[table]} is missing or disabled")
    return found
