"""The client address in the audit trail, direct and behind a trusted proxy."""

from __future__ import annotations

from evaluation.models import AuditEvent


def last_view_address(client, patient, **headers: str) -> str | None:
    client.get(patient.get_absolute_url(), **headers)
    return AuditEvent.objects.filter(action="patient_view").latest("id").ip_address


def test_it_records_the_peer_address_and_ignores_forwarded_headers_by_default(clinician_client, patient):
    address = last_view_address(clinician_client, patient, REMOTE_ADDR="10.1.2.3",
                                HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert address == "10.1.2.3"


def test_it_records_the_address_a_trusted_proxy_appended(clinician_client, patient, settings):
    settings.AUDIT_TRUST_X_FORWARDED_FOR = True
    # The first entry is whatever the client sent; the proxy appends the real peer last.
    address = last_view_address(clinician_client, patient, REMOTE_ADDR="10.0.0.2",
                                HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert address == "198.51.100.7"
    address = last_view_address(clinician_client, patient, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk")
    assert address == "10.0.0.2"
