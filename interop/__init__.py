"""Interoperability: the JSON API, per-user API tokens, FHIR R4 export, the CDS Hooks service and research CSV.

Every route here reads and writes through ``evaluation``'s selectors and
services, so the rules (who may see what, what is audited, what may be signed)
are the pages' rules; nothing in this app decides them a second time.
"""
