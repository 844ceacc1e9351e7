"""credstack's RDFC-1.0 agrees with rdf-canonize (Digital Bazaar) where pyld does not.

pyld's URDNA2015 adds a quad to a blank node's list once per occurrence, so a blank node with
a self-loop hashes differently from the spec and rdf-canonize. ``credstack.vc.rdfc`` follows
the spec; these cases pin that down against the JavaScript reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from pyld import jsonld as pyld_jsonld

from credstack.vc.rdfc import canonical_nquads, quads_from_pyld

if TYPE_CHECKING:
    from tests.interop.conftest import NodeVC

pytestmark = pytest.mark.interop

P = "http://example.org/p"
DOCUMENTS: dict[str, dict[str, Any]] = {
    "self-loop and a pointer": {
        "@graph": [
            {"@id": "_:n0", P: {"@id": "_:n0"}},
            {"@id": "_:n1", P: {"@id": "_:n0"}},
        ]
    },
    "two self-loops": {
        "@graph": [
            {"@id": "_:n0", P: [{"@id": "_:n0"}, {"@id": "_:n1"}]},
            {"@id": "_:n1", P: {"@id": "_:n1"}},
        ]
    },
    "self-loop in a named graph": {
        "@id": "_:g",
        "@graph": [{"@id": "_:g", P: {"@id": "_:g"}}, {"@id": "_:x", P: {"@id": "_:g"}}],
    },
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_self_loops_canonicalise_as_rdf_canonize_does(node_vc: NodeVC, name: str) -> None:
    document = DOCUMENTS[name]
    dataset = pyld_jsonld.to_rdf(document, {})
    assert canonical_nquads(quads_from_pyld(dataset)) == node_vc.canonize(document)
