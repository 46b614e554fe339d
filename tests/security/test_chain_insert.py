"""On PostgreSQL one INSERT statement links a row into its hash chain (evaluation/models/chained.py).

The database computes the row hash there, so these check that it is byte for
byte ``integrity.row_hash``: rows inserted that way verify with integrity's own
Python walk, concurrent writers keep a chain in id order, several rows linked at
once (``link_all``) still chain, and the runtime database role may call the
functions. The ``link_all`` test runs on SQLite too.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import db_roles
from evaluation import integrity, records
from evaluation.audit import Action, Actor, record
from evaluation.models import AuditEvent, Signature
from evaluation.models.chained import LINK_FUNCTIONS, connection_shard, link_all
from tests.concurrency import race
from tests.factories import case_answers, sign

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement link is PostgreSQL's")

# Content that canonical JSON must escape or keep as UTF-8: quotes, backslashes, control
# characters, accents, an emoji (four bytes in UTF-8), nested lists and numbers.
AWKWARD_DETAILS = [
    {"page": 1},
    {"note": 'He said "stop" \\ then\nleft\ttabbed\u0001', "ñandú": "José Ñúñez 🙂", "nested": [1, 2.5, None, {"b": 1, "a": [True]}]},
    {"empty": {}, "big": 12345678901234567890, "small": -0.000125, "unicode": "\u2028\u00e9\u4e2d"},
    {},
]


def all_verify() -> list[integrity.Verification]:
    results = records.verify_all()
    assert all(result.ok for result in results), [str(result.broken) for result in results]
    return results


def stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


@postgres_only
@pytest.mark.parametrize("previous", ["", "ab" * 32, 'not "hex" \\ at all\n'])
def test_the_database_hashes_exactly_as_integrity_does(db, previous):
    sql = "SELECT evaluation_chain_row_hash(%s, %s)"
    for detail in AWKWARD_DETAILS:
        content = {"detail": integrity.normalise(detail), "username": "Dr. Ñ", "chain": "2026-01-02.03"}
        with connection.cursor() as cursor:
            cursor.execute(sql, [integrity.canonical_json(content), previous])
            assert cursor.fetchone()[0] == integrity.row_hash(content, previous)


@postgres_only
def test_rows_linked_by_their_insert_verify_with_the_python_walk(clinician, patient, version, assessment):
    events = [record(Action.PATIENT_VIEW, actor=Actor(clinician, address), obj=patient, detail=detail)
              for detail in AWKWARD_DETAILS for address in ("10.0.0.1", "::ffff:10.0.0.1", None)]
    signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))
    heads: dict[str, str] = {}
    for row in AuditEvent.objects.order_by("id"):  # the fixtures' own events too: they share the chain
        assert row.previous_hash == heads.get(row.chain, integrity.GENESIS)
        assert row.row_hash == integrity.hash_row(row, AuditEvent.CHAIN_FIELDS)
        heads[row.chain] = row.row_hash
    for event in events:  # what the instance carries after the insert is what was stored (RETURNING)
        row = stored(event)
        assert (event.chain, event.previous_hash, event.row_hash) == (row.chain, row.previous_hash, row.row_hash)
    stored_signature = Signature.objects.get(pk=signature.pk)
    assert stored_signature.row_hash == integrity.hash_row(stored_signature, Signature.CHAIN_FIELDS)
    all_verify()


@postgres_only
def test_a_linked_insert_is_one_statement_calling_the_link_function_once(clinician, patient, version, assessment):
    """The lock is taken, the head read and the id drawn once per row: one call of evaluation_chain_link
    that the INSERT selects from, and no other round trip than the plain insert's."""
    with CaptureQueriesContext(connection) as audit_sent:
        event = record(Action.PATIENT_VIEW, actor=Actor(clinician, "10.0.0.1"), obj=patient)
    [insert] = [query["sql"] for query in audit_sent.captured_queries]  # in autocommit, the whole transaction
    assert insert.startswith('INSERT INTO "evaluation_auditevent"') and " SELECT " in insert
    assert insert.count("evaluation_chain_") == 1 and insert.count("evaluation_chain_link(") == 1
    assert stored(event).id == event.id and event.row_hash == integrity.hash_row(stored(event), AuditEvent.CHAIN_FIELDS)
    with CaptureQueriesContext(connection) as signing_sent:
        signature = sign(assessment, clinician, case_answers(version, "Worked example 2"))
    signature_inserts = [q["sql"] for q in signing_sent.captured_queries if q["sql"].startswith('INSERT INTO "evaluation_signature"')]
    assert len(signature_inserts) == 1 and signature_inserts[0].count("evaluation_chain_link(") == 1
    assert Signature.objects.get(pk=signature.pk).row_hash == signature.row_hash
    all_verify()


@postgres_only
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_a_new_connection_appends_to_the_chain_its_server_process_picks(settings):
    """The server process id is read once per driver connection: after a reconnect the new process's."""
    settings.AUDIT_CHAIN_SHARDS = 1_000_003  # more chains than process ids: the chain is the pid itself
    first = connection_shard(settings.AUDIT_CHAIN_SHARDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert first == cursor.fetchone()[0]
    connection.close()
    with connection.cursor() as cursor:  # a new driver connection, a new server process
        cursor.execute("SELECT pg_backend_pid()")
        now = cursor.fetchone()[0]
    assert now != first and connection_shard(settings.AUDIT_CHAIN_SHARDS) == now


@postgres_only
def test_a_failed_insert_leaves_the_row_unsaved(clinician):
    event = AuditEvent(user=clinician, username="x" * 151, action=Action.LOGIN)  # too long for the column
    with pytest.raises(DataError), transaction.atomic():
        event.save()
    assert event.pk is None and event._state.adding


def test_link_all_chains_several_rows_after_the_ones_already_there(clinician, settings):
    """Bulk linking hashes in Python after one locked read per chain; it continues the chains the
    one-statement inserts wrote, and they continue it."""
    settings.AUDIT_CHAIN_SHARDS = 1  # one chain a day: every row below joins today's or yesterday's
    record(Action.LOGIN, actor=Actor(clinician, "10.0.0.1"))
    yesterday = timezone.now() - datetime.timedelta(days=1)
    rows = [AuditEvent(user=clinician, username=clinician.username, action=Action.PATIENT_LIST,
                       at=yesterday if n % 2 else timezone.now(), detail={"page": n}) for n in range(6)]
    with transaction.atomic():
        link_all(AuditEvent, rows)
        AuditEvent.objects.bulk_create(rows)
    record(Action.LOGOUT, actor=Actor(clinician, "10.0.0.1"))
    [audit, _] = all_verify()
    assert audit.rows == 8 and len(audit.heads) == 2
    ordered = list(AuditEvent.objects.filter(chain=integrity.day_chain(timezone.now())).order_by("id"))
    assert [e.action for e in ordered] == [Action.LOGIN, *[Action.PATIENT_LIST] * 3, Action.LOGOUT]
    assert ordered[1].previous_hash == ordered[0].row_hash and ordered[-1].previous_hash == ordered[-2].row_hash


def test_link_all_reads_the_heads_of_many_chains_in_one_statement(clinician, settings):
    """A batch spread over many days (generated visits) reads every chain's head in one statement: the
    round trips do not grow with the chains, and each chain continues from its own last row."""
    settings.AUDIT_CHAIN_SHARDS = 1
    days = [timezone.now() - datetime.timedelta(days=n) for n in range(30)]
    first = [AuditEvent(user=clinician, username=clinician.username, action=Action.PATIENT_LIST, at=day)
             for day in days]
    with transaction.atomic():
        link_all(AuditEvent, first)
        AuditEvent.objects.bulk_create(first)
    more = [AuditEvent(user=clinician, username=clinician.username, action=Action.PATIENT_VIEW, at=day)
            for day in reversed(days)]
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        link_all(AuditEvent, more)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # each chain's advisory lock, held until the commit
                cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
                assert cursor.fetchone()[0] == 30
    heads_read = len(captured) - (1 if connection.vendor == "postgresql" else 0)
    assert heads_read == (1 if connection.vendor == "postgresql" else 30)
    AuditEvent.objects.bulk_create(more)
    by_chain = {event.chain: event for event in first}
    assert all(event.previous_hash == by_chain[event.chain].row_hash for event in more)
    [audit, _] = all_verify()
    assert audit.rows == 60 and len(audit.heads) == 30


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain_in_id_order(clinician, settings):
    """Every writer appends to the same chain. A writer that waited for the lock must not hold an id
    lower than the row it links after (a column default would draw it before the wait), and writers
    inside longer transactions make the others wait until they commit."""
    settings.AUDIT_CHAIN_SHARDS = 1

    def writer(number: int) -> int:
        for n in range(10):
            if number % 2:
                with transaction.atomic():  # a service transaction: the lock lasts until it commits
                    record(Action.PATIENT_VIEW, actor=Actor(clinician), detail={"page": n})
                    record(Action.PATIENT_LIST, actor=Actor(clinician), detail={"page": n})
            else:
                record(Action.PATIENT_VIEW, actor=Actor(clinician), detail={"page": n})
        return number

    results = race([lambda number=number: writer(number) for number in range(8)])
    assert results == list(range(8)), results
    [audit, _] = all_verify()
    assert audit.rows == 4 * 10 * 2 + 4 * 10 and len(audit.heads) == 1


# ---------------------------------------------------------------- the runtime role


@contextmanager
def acting_as_runtime_role() -> Iterator[str]:
    """As the runtime role: the connection's own when this run is connected as it (CI), else a role made
    in the test's transaction with exactly what ``db_roles grant`` gives, taken on with SET ROLE."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper, pg_get_userbyid((SELECT relowner FROM pg_class "
                       "WHERE relname = %s)) FROM pg_roles WHERE rolname = current_user",
                       [AuditEvent._meta.db_table])
        me, superuser, owner = cursor.fetchone()
        if me != owner and not superuser:
            yield me
            return
        if not superuser:
            pytest.skip("connected as the tables' owner: nobody to act as the runtime role")
        name = f"checklist_test_{uuid.uuid4().hex[:8]}"
        cursor.execute(f"CREATE ROLE {db_roles.ident(name)} NOLOGIN")
        db_roles.run(cursor, db_roles.grant_statements(runtime=name,
                                                       columns=db_roles.table_columns(cursor, connection)))
        cursor.execute(f"SET ROLE {db_roles.ident(name)}")
        try:
            yield name
        finally:
            cursor.execute("RESET ROLE")


@postgres_only
def test_the_runtime_role_links_rows_through_the_functions(clinician, patient):
    with acting_as_runtime_role() as runtime:
        event = record(Action.PATIENT_VIEW, actor=Actor(clinician, "10.0.0.1"), obj=patient)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == runtime
    assert stored(event).row_hash == integrity.hash_row(stored(event), AuditEvent.CHAIN_FIELDS)
    with connection.cursor() as cursor:
        assert db_roles.problems(cursor, runtime=runtime, columns=db_roles.table_columns(cursor, connection)) == []


@postgres_only
def test_db_roles_grants_execute_and_names_a_missing_grant(db):
    grants = db_roles.grant_statements(runtime="checklist_app", columns={
        table: ["id"] for table in db_roles.PROTECTED_TABLES})
    assert [f'GRANT EXECUTE ON FUNCTION {function} TO "checklist_app"' for function in LINK_FUNCTIONS] == [
        statement for statement in grants if "EXECUTE" in statement]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("revoking needs a superuser (this run is connected as the runtime role)")
        name = f"checklist_test_{uuid.uuid4().hex[:8]}"
        cursor.execute(f"CREATE ROLE {db_roles.ident(name)} NOLOGIN")
        for function in LINK_FUNCTIONS:  # as a hardened database would have it; undone by the test's rollback
            cursor.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
        found = db_roles.problems(cursor, runtime=name, columns=db_roles.table_columns(cursor, connection))
    assert [f"{name} lacks EXECUTE on function {function}" for function in LINK_FUNCTIONS] == [
        problem for problem in found if "EXECUTE" in problem]
