"""Use cases of rubrics: an organisation writes how its assessors score evidence.

A rubric may be replaced until the first submission is reviewed against it; after that it
is fixed (``ConflictError``), so that every review of it meant the same thing: a changed
rubric is a new rubric, under a new id (as quizzes, decision 0026). Creating and replacing
go into the evidence audit log.
"""

from __future__ import annotations

from credstack.domain.errors import ConflictError, InvalidInputError, NotFoundError
from credstack.domain.evidence import EvidenceEvent, Rubric
from credstack.domain.rubrics import RubricSpec
from credstack.services.deps import ServiceDeps
from credstack.services.ports import UnitOfWork

__all__ = ["create_rubric", "list_rubrics", "own_rubric", "replace_rubric", "show_rubric"]


def own_rubric(uow: UnitOfWork, issuer_id: str, rubric_id: str) -> Rubric:
    """The organisation's rubric, read in ``uow``; ``NotFoundError`` for another's."""
    rubric = uow.evidence.rubric(rubric_id)
    if rubric is None or rubric.issuer_id != issuer_id:
        raise NotFoundError(f"no rubric '{rubric_id}'")
    return rubric


def create_rubric(deps: ServiceDeps, issuer_id: str, spec: RubricSpec, *, actor: str) -> Rubric:
    """A new rubric of the organisation. ``ConflictError`` when the id is taken (by any
    organisation: rubric ids are the installation's), ``NotFoundError`` for no organisation."""
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        if uow.evidence.rubric(spec.id) is not None:
            raise ConflictError(f"the rubric id '{spec.id}' is taken: choose another")
        rubric = Rubric(issuer_id, spec, now, now)
        uow.evidence.add_rubric(rubric)
        uow.evidence.record(EvidenceEvent(now, actor, "created", rubric.id))
        uow.commit()
    return rubric


def replace_rubric(
    deps: ServiceDeps, issuer_id: str, rubric_id: str, spec: RubricSpec, *, actor: str
) -> Rubric:
    """Replace the definition while no submission was reviewed against it; after that
    ``ConflictError``."""
    if spec.id != rubric_id:
        raise InvalidInputError(f"id: the definition is of '{spec.id}', not '{rubric_id}'")
    now = deps.clock.now()
    with deps.uow() as uow:
        rubric = own_rubric(uow, issuer_id, rubric_id)
        if uow.evidence.count_reviewed(rubric_id):
            raise ConflictError(
                f"rubric '{rubric_id}' has been used in reviews, so it no longer changes: "
                "create the new version as a rubric with another id"
            )
        replaced = Rubric(issuer_id, spec, rubric.created_at, now)
        uow.evidence.replace_rubric(replaced)
        uow.evidence.record(EvidenceEvent(now, actor, "replaced", rubric_id))
        uow.commit()
    return replaced


def list_rubrics(deps: ServiceDeps, issuer_id: str) -> list[Rubric]:
    with deps.uow() as uow:
        uow.issuers.get(issuer_id)
        return uow.evidence.rubrics_for(issuer_id)


def show_rubric(deps: ServiceDeps, issuer_id: str, rubric_id: str) -> Rubric:
    """The organisation's rubric; ``NotFoundError`` for another organisation's."""
    with deps.uow() as uow:
        return own_rubric(uow, issuer_id, rubric_id)
