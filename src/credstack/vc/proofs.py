"""Importing this module registers every proof suite credstack supports."""

from __future__ import annotations

from credstack.vc import (
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    ed25519_signature_2020,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
)

__all__ = [
    "ecdsa_rdfc_2019",
    "ecdsa_sd_2023",
    "ed25519_signature_2020",
    "eddsa_jcs_2022",
    "eddsa_rdfc_2022",
]
