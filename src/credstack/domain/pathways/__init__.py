"""Stackable credentials (issue 8): pathways toward a target credential, pure rules, no I/O.

A provider's pathway (``PathwaySpec``) is a tree of requirements: credential leaves, *all
of*, *at least N of*, *at least X credits (in one unit) from a set*; any node may ask a
minimum EQF level of what counts under it; the pathway may ask an order (the credential for
a before the one for b) and a window (all within 3 years). ``check_pathway`` refuses what
could never be used; ``evaluate_pathway`` says, from the credentials a learner holds
(``domain.holdings``), what is met and what is missing, each credential counted once;
``shortest_route`` the cheapest way to finish. The rules are in docs/pathways.md.
"""

from credstack.domain.pathways._checks import check_pathway
from credstack.domain.pathways._progress import (
    ComponentLossPolicy,
    NodeProgress,
    PathwayProgress,
    evaluate_pathway,
    still_complete,
)
from credstack.domain.pathways._routes import Measure, shortest_route
from credstack.domain.pathways._spec import (
    MAX_DEPTH,
    AllOf,
    AtLeast,
    CatalogueEntry,
    CredentialLeaf,
    CreditsFrom,
    Node,
    PathwaySpec,
    Window,
    WindowUnit,
    check_structure,
    find_node,
    parse_pathway_data,
    pathway_data,
    required_achievements,
    slots,
    walk,
)

__all__ = [
    "MAX_DEPTH",
    "AllOf",
    "AtLeast",
    "CatalogueEntry",
    "ComponentLossPolicy",
    "CredentialLeaf",
    "CreditsFrom",
    "Measure",
    "Node",
    "NodeProgress",
    "PathwayProgress",
    "PathwaySpec",
    "Window",
    "WindowUnit",
    "check_pathway",
    "check_structure",
    "evaluate_pathway",
    "find_node",
    "parse_pathway_data",
    "pathway_data",
    "required_achievements",
    "shortest_route",
    "slots",
    "still_complete",
    "walk",
]
