"""On PostgreSQL, one function call links a row into its hash chain: ``evaluation_chain_link``.

``evaluation_chain_link(table, chain, content)`` takes the chain's advisory lock
(keyed by hashtext('<table>:<chain>'), as the functions of 0012), reads the
chain's last ``row_hash`` once, draws the table's next id under the lock, and
hashes the content with that head through ``evaluation_chain_row_hash``, the one
SQL definition of ``integrity.row_hash``. It returns the three values, and the
INSERT takes them from it as ``INSERT ... SELECT link.id, ..., link.previous_hash,
link.row_hash FROM evaluation_chain_link(...) AS link``.

The INSERT of 0012 called three functions (one of them twice): the lock was taken
three times, the head read twice and three PL/pgSQL frames set up per row. With
50 concurrent writers on two cores that server work, not the lock waits, was
most of what the chain cost (see benchmarks/bench_audit_chain.py).

The functions of 0012 stay: ``evaluation_chain_head`` serves ``link_all`` (several
rows at once), and the others keep processes of the previous release working
while a deploy replaces them. VOLATILE, PL/pgSQL and SECURITY INVOKER for the
reasons given in 0012; ``accounts.db_roles`` grants the runtime role EXECUTE.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION evaluation_chain_link(chained_table text, chain_name text, content text,
                                                 OUT id bigint, OUT previous_hash text, OUT row_hash text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(chained_table || ':' || chain_name));
    -- Static queries per table, ordered as in evaluation_chain_head (0012) so the kept plan takes the
    -- (chain, id) index; the id is drawn after the lock so a chain's rows stay in id order.
    IF chained_table = 'evaluation_auditevent' THEN
        SELECT e.row_hash INTO previous_hash FROM evaluation_auditevent e
        WHERE e.chain = chain_name ORDER BY e.chain DESC, e.id DESC LIMIT 1;
        id := nextval('evaluation_auditevent_id_seq');
    ELSIF chained_table = 'evaluation_signature' THEN
        SELECT s.row_hash INTO previous_hash FROM evaluation_signature s
        WHERE s.chain = chain_name ORDER BY s.chain DESC, s.id DESC LIMIT 1;
        id := nextval('evaluation_signature_id_seq');
    ELSE
        RAISE EXCEPTION 'evaluation_chain_link: % is not a chained table', chained_table;
    END IF;
    previous_hash := coalesce(previous_hash, '');
    row_hash := evaluation_chain_row_hash(content, previous_hash);
END;
$$;
"""
DROP = "DROP FUNCTION IF EXISTS evaluation_chain_link(text, text, text);"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # None: no parameters, so the driver reads no % in it


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0013_audit_actions_two_factor"),
    ]

    operations = [migrations.RunPython(create_function, drop_function)]
