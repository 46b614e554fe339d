"""The runtime role cannot rewrite the audit trail or the signed revisions (PostgreSQL only).

Run as CI runs it (connected as the runtime role, see .ci/run) the test uses the
connection's own role. Run connected as a superuser it makes a runtime role
inside the test's transaction, grants it what ``db_roles grant`` grants, and
acts as it with SET ROLE; the transaction's rollback removes it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts import db_roles
from evaluation.models import AuditEvent, Signature
from tests.factories import case_answers, sign

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")
AUDIT, SIGNATURE = AuditEvent._meta.db_table, Signature._meta.db_table
REFUSED = "permission denied|must be owner|append-only|cannot be changed|cannot be deleted"


class Runtime:
    """The runtime role, and a way to run a statement as it."""

    def __init__(self, name: str, switch: bool):
        self.name, self.switch = name, switch

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        with connection.cursor() as cursor:
            if self.switch:
                cursor.execute(f"SET ROLE {db_roles.ident(self.name)}")
            yield cursor
            # After an error the savepoint's rollback undoes SET ROLE; after success, undo it here.
            if self.switch:
                cursor.execute("RESET ROLE")

    def refuses(self, statement: str) -> bool:
        try:
            with transaction.atomic(), self.cursor() as cursor:
                cursor.execute(statement)
        except DatabaseError as error:
            return any(word in str(error) for word in REFUSED.split("|"))
        return False

    def runs(self, statement: str) -> None:
        with transaction.atomic(), self.cursor() as cursor:
            cursor.execute(statement)


def _owner_and_me() -> tuple[str, str, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
                       "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s)", [AUDIT])
        me, superuser, owner = cursor.fetchone()
    return owner, me, superuser


@pytest.fixture
def runtime(db) -> Runtime:
    owner, me, superuser = _owner_and_me()
    if owner != me and not superuser:
        return Runtime(me, switch=False)  # connected as the runtime role already
    if not superuser:
        pytest.skip("connected as the tables' owner: nobody to act as the runtime role")
    name = f"checklist_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {db_roles.ident(name)} NOLOGIN")
        db_roles.run(cursor, db_roles.grant_statements(
            runtime=name, columns=db_roles.table_columns(cursor, connection)))
    return Runtime(name, switch=True)


@pytest.fixture
def signature(assessment, version, clinician) -> Signature:
    return sign(assessment, clinician, case_answers(version, "Worked example 2"))


def _stored(signature: Signature) -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pdf IS NOT NULL, handout_pdf IS NOT NULL FROM {SIGNATURE} WHERE id = %s",
                       [signature.pk])
        return dict(zip(("pdf", "handout_pdf"), cursor.fetchone(), strict=True))


def test_it_lets_the_runtime_role_neither_change_nor_remove_audit_events(runtime, signature):
    for statement in (f"UPDATE {AUDIT} SET action = 'forged'", f"UPDATE {AUDIT} SET username = 'forged'",
                      f"DELETE FROM {AUDIT}", f"TRUNCATE {AUDIT}"):
        assert runtime.refuses(statement), statement
    assert AuditEvent.objects.exclude(action="forged").count() == AuditEvent.objects.count() > 0


def test_it_lets_the_runtime_role_neither_change_nor_remove_signed_revisions(runtime, signature):
    for statement in (f"UPDATE {SIGNATURE} SET signer_name = 'forged'", f"UPDATE {SIGNATURE} SET content_hash = '0'",
                      f"DELETE FROM {SIGNATURE}",
                      f"TRUNCATE {SIGNATURE} CASCADE"):
        assert runtime.refuses(statement), statement
    assert Signature.objects.get(pk=signature.pk).signer_name != "forged"


def test_it_lets_the_runtime_role_not_disable_drop_or_add_triggers(runtime, signature):
    for table, trigger in db_roles.TRIGGERS.items():
        for statement in (f"ALTER TABLE {table} DISABLE TRIGGER ALL", f"ALTER TABLE {table} DISABLE TRIGGER {trigger}",
                          f"DROP TRIGGER {trigger} ON {table}",
                          f"CREATE TRIGGER sneaky BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {trigger}()",
                          f"ALTER TABLE {table} OWNER TO CURRENT_USER"):
            assert runtime.refuses(statement), statement
    # Nor switch every trigger off for its session, as replication does.
    assert runtime.refuses("SET session_replication_role = replica")


def test_it_lets_the_runtime_role_read_and_append(runtime, signature):
    runtime.runs(f"SELECT count(*) FROM {AUDIT}")
    runtime.runs(f"INSERT INTO {AUDIT} (at, username, action, object_type, object_id, detail) "
                 "VALUES (now(), '', 'login', '', '', '{}')")
    runtime.runs("UPDATE django_session SET expire_date = expire_date")  # the usual rights elsewhere
    assert runtime.refuses("CREATE TABLE sneaky (id int)")


def test_it_lets_each_stored_report_be_written_once(runtime, signature):
    # Filled in after signing by the service: allowed while empty, refused once stored.
    for column, stored in _stored(signature).items():
        write = f"UPDATE {SIGNATURE} SET {column} = '\\x2550'::bytea WHERE id = {signature.pk}"
        if not stored:
            runtime.runs(write)
        assert runtime.refuses(write.replace("2550", "00")), column
    assert _stored(signature) == {"pdf": True, "handout_pdf": True}


def test_it_finds_nothing_wrong_with_the_runtime_roles_rights(runtime):
    with connection.cursor() as cursor:
        assert db_roles.problems(cursor, runtime=runtime.name, columns=db_roles.table_columns(cursor, connection)) == []
    call_command("db_roles", "check", "--runtime", runtime.name)


def test_it_names_what_is_wrong_with_a_role_that_owns_the_tables(runtime):
    owner, _, _ = _owner_and_me()
    with pytest.raises(CommandError, match=f"{owner} owns {AUDIT}"):
        call_command("db_roles", "check", "--runtime", owner)


def test_it_prints_the_grants_as_sql_for_an_administrator(capsys, runtime):
    call_command("db_roles", "grant", "--runtime", "checklist_app", "--sql")
    printed = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT ON "{AUDIT}" TO "checklist_app"' in printed
    assert f'GRANT UPDATE ("handout_hash", "handout_pdf", "pdf", "pdf_hash") ON "{SIGNATURE}"' in printed
