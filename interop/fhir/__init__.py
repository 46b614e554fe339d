"""FHIR R4 export (R4B classes of ``fhir.resources``): every resource is built as plain data, then parsed by
its ``fhir.resources`` model before it leaves, so nothing invalid is ever served."""
