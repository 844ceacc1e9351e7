"""What a learner holds that may count toward a pathway (issue 8): one of this installation's
awards, or a credential from another issuer that a provider recognises.

The common shape both come in, so that pathway rules (``domain.pathways``) never ask where a
credential came from: which of the provider's achievements it counts as, when it was issued,
the credit it carries (the unit kept explicit: ECTS and other credits never mix), its EQF
level, and whether it still stands (not revoked, suspended or expired).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum

__all__ = ["Credit", "CreditUnit", "HeldCredential", "HoldingSource"]


class CreditUnit(enum.StrEnum):
    ECTS = "ECTS"  # European Credit Transfer and Accumulation System credits
    CREDITS = "credits"  # the issuer's own credits (OB 3.0 creditsAvailable)
    HOURS = "hours"  # notional workload hours


@dataclasses.dataclass(frozen=True, slots=True)
class Credit:
    """An amount of credit in one unit."""

    amount: decimal.Decimal
    unit: CreditUnit


class HoldingSource(enum.StrEnum):
    AWARD = "award"  # issued by this installation
    RECOGNISED = "recognised"  # issued elsewhere, verified and recognised by the provider


@dataclasses.dataclass(frozen=True, slots=True)
class HeldCredential:
    """One credential a learner holds, as pathway rules see it.

    ``id`` is the award's id (or the recognised upload's); ``counts_as`` the provider's
    achievement ids it stands for (its own achievement; for a recognised one, those its
    equivalence maps it to); ``issuer`` names who issued it (an organisation id here, the
    issuer's id, a DID or URL, elsewhere).
    """

    id: str
    source: HoldingSource
    counts_as: frozenset[str]
    issuer: str
    issued_at: dt.datetime
    credits: tuple[Credit, ...] = ()
    eqf_level: int | None = None
    #: not revoked, not suspended, not expired (what counts; a held credential that no longer
    #: stands is kept so that a page can say why it does not count)
    standing: bool = True
    name: str = ""
