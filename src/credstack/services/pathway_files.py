"""Pathway definitions as YAML or JSON, as providers keep them in version control.

The fields are ``domain.pathways.parse_pathway_data``'s (docs/pathways.md). What is written
by ``pathway_yaml`` reads back equal, so a saved and reloaded pathway compares equal to the
one stored.
"""

from __future__ import annotations

import json

import yaml

from credstack.domain.pathways import PathwaySpec, parse_pathway_data, pathway_data
from credstack.services.quiz_files import read_mapping

__all__ = ["parse_pathway", "pathway_json", "pathway_yaml"]


def parse_pathway(text: str, *, media: str = "yaml") -> PathwaySpec:
    """The pathway a YAML (``media="yaml"``) or JSON (``"json"``) text holds, its shape
    checked; ``InvalidInputError`` says where the text or a field is at fault. The checks
    against the catalogue (``check_pathway``) are the caller's, who knows the catalogue."""
    return parse_pathway_data(read_mapping(text, media))


def pathway_yaml(spec: PathwaySpec) -> str:
    """YAML that ``parse_pathway`` reads back to an equal spec."""
    return yaml.safe_dump(pathway_data(spec), sort_keys=False, allow_unicode=True, width=100)


def pathway_json(spec: PathwaySpec) -> str:
    """JSON that ``parse_pathway(..., media="json")`` reads back to an equal spec."""
    return json.dumps(pathway_data(spec), ensure_ascii=False, indent=2)
