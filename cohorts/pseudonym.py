"""Pseudonyms of one extract: the warehouse's patient keys and fiche ids, re-keyed per extract.

The key is derived from the canonical definition and the approval reference: the same approved
study re-extracted gets the same pseudonyms (its files can be compared), while two extracts of
different definitions or approvals cannot be linked by their identifiers. Going back to the
warehouse keys needs the warehouse itself, which a researcher does not receive.
"""

from __future__ import annotations

import hashlib
import hmac

from cohorts.definition import Definition

METHOD = (
    "HMAC-SHA256 of the warehouse's patient_key (fiche_id for dossiers), truncated to 64 bits, "
    "keyed with SHA-256(canonical definition, approval reference): stable for one definition and "
    "approval, unlinkable across extracts"
)


class Pseudonymiser:
    def __init__(self, definition: Definition, approval: str) -> None:
        material = f"rrc-cohort\0{definition.canonical_json()}\0{approval}".encode()
        self._key = hashlib.sha256(material).digest()

    def _code(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:16]

    def patient(self, patient_key: str) -> str:
        return "P" + self._code("patient", patient_key)

    def dossier(self, fiche_id: str) -> str:
        return "D" + self._code("dossier", fiche_id)
