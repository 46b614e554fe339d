"""On PostgreSQL, the functions that let one INSERT statement link a row into its hash chain.

``evaluation_chain_head(table, chain)`` takes the chain's advisory lock and returns
the chain's last ``row_hash`` ('' for a new chain); ``evaluation_chain_next_id(table,
chain)`` takes the same lock and draws the table's next id. ``evaluation.models.chained``
calls both from inside the INSERT (for ``id``, ``previous_hash`` and, hashed,
``row_hash``, hashed by ``evaluation_chain_row_hash``), so linking costs no round
trip of its own. The lock is keyed by
hashtext('<table>:<chain>'), the key the inserts took before these functions, so
processes still running the earlier code queue on the same lock during a deploy.

Both are VOLATILE: in READ COMMITTED each statement inside takes a fresh
snapshot, so the read after the lock sees the row the previous holder committed,
although the INSERT calling it took its snapshot before it waited. Both take the
lock themselves, so they are correct in whatever order the INSERT evaluates
them. The id must be drawn under the lock too: a plain column default is
evaluated before the functions, and a writer that waited for the lock would get
an id lower than the row it links after, which breaks the chain's id order.

``evaluation_chain_row_hash(content, previous_hash)`` is ``integrity.row_hash`` in
SQL: SHA-256 of the UTF-8 text that canonical_json makes of {"content": ...,
"previous_hash": ...}, given the content's canonical JSON (made by the service).
Its two keys are already in sorted order, and to_json writes the previous hash as
a JSON string as json.dumps does. One expression, STABLE like convert_to and
to_json, so the planner inlines it into the INSERT.

SECURITY INVOKER (the default): the caller needs SELECT on the table and USAGE on
its sequence, as for any insert; ``accounts.db_roles`` grants the runtime role
EXECUTE. SQLite has neither functions nor the need (it serialises writes).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION evaluation_chain_head(chained_table text, chain_name text)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(chained_table || ':' || chain_name));
    -- A static query per chained table: PL/pgSQL keeps its plan, where EXECUTE would plan it on every call.
    -- Ordered by "chain DESC, id DESC", not "id DESC" alone, so that kept generic plan takes the (chain, id)
    -- index even for a new chain, instead of walking the primary key back through the whole table.
    IF chained_table = 'evaluation_auditevent' THEN
        SELECT row_hash INTO head FROM evaluation_auditevent WHERE chain = chain_name ORDER BY chain DESC, id DESC LIMIT 1;
    ELSIF chained_table = 'evaluation_signature' THEN
        SELECT row_hash INTO head FROM evaluation_signature WHERE chain = chain_name ORDER BY chain DESC, id DESC LIMIT 1;
    ELSE
        RAISE EXCEPTION 'evaluation_chain_head: % is not a chained table', chained_table;
    END IF;
    RETURN coalesce(head, '');
END;
$$;

CREATE OR REPLACE FUNCTION evaluation_chain_next_id(chained_table text, chain_name text)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(chained_table || ':' || chain_name));
    -- The sequences named as constants, as the reads above: looking them up costs more than drawing.
    IF chained_table = 'evaluation_auditevent' THEN
        RETURN nextval('evaluation_auditevent_id_seq');
    ELSIF chained_table = 'evaluation_signature' THEN
        RETURN nextval('evaluation_signature_id_seq');
    END IF;
    RAISE EXCEPTION 'evaluation_chain_next_id: % is not a chained table', chained_table;
END;
$$;

CREATE OR REPLACE FUNCTION evaluation_chain_row_hash(content text, previous_hash text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
        '{"content":' || content || ',"previous_hash":' || to_json(previous_hash)::text || '}', 'UTF8')), 'hex')
$$;
"""
DROP = """
DROP FUNCTION IF EXISTS evaluation_chain_head(text, text);
DROP FUNCTION IF EXISTS evaluation_chain_next_id(text, text);
DROP FUNCTION IF EXISTS evaluation_chain_row_hash(text, text);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # None: no parameters, so the driver reads no % in it


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0011_hash_chain"),
    ]

    operations = [migrations.RunPython(create_functions, drop_functions)]
