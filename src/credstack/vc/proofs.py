"""Importing this module registers every proof suite credstack supports."""

from __future__ import annotations

from credstack.vc import ed25519_signature_2020, eddsa_jcs_2022, eddsa_rdfc_2022

__all__ = ["ed25519_signature_2020", "eddsa_jcs_2022", "eddsa_rdfc_2022"]
