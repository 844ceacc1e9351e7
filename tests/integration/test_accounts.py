"""Users, roles and API tokens (services on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from credstack.domain.accounts import ROLE_SCOPES, Role
from credstack.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from credstack.services.accounts import (
    authenticate_token,
    check_password,
    create_token,
    create_user,
    require,
    revoke_token,
    set_password,
    set_role,
)
from credstack.services.deps import ServiceDeps
from credstack.services.issuers import create_issuer


@pytest.fixture
def orgs(deps: ServiceDeps) -> ServiceDeps:
    for issuer in ("acme", "globex"):
        create_issuer(deps, id=issuer, name=issuer.title(), country_code="NL")
    create_user(deps, email="Ada@Acme.example", name="Ada", password="correct horse battery")
    set_role(deps, email="ada@acme.example", issuer_id="acme", role=Role.OWNER)
    return deps


def test_users_are_unique_by_email_in_any_case_and_need_a_real_address(orgs: ServiceDeps) -> None:
    with pytest.raises(ConflictError, match="already"):
        create_user(orgs, email="ADA@acme.EXAMPLE", name="Ada again")
    with pytest.raises(InvalidInputError, match="not an e-mail address"):
        create_user(orgs, email="ada", name="Ada")
    with pytest.raises(InvalidInputError, match="at least 10 characters"):
        create_user(orgs, email="bob@acme.example", name="Bob", password="short")


def test_passwords_are_checked_and_a_refusal_says_nothing_more(orgs: ServiceDeps) -> None:
    assert check_password(orgs, "ada@acme.example", "correct horse battery").name == "Ada"
    with pytest.raises(AuthenticationError) as wrong:
        check_password(orgs, "ada@acme.example", "wrong horse battery")
    with pytest.raises(AuthenticationError) as unknown:
        check_password(orgs, "nobody@acme.example", "correct horse battery")
    assert str(wrong.value) == str(unknown.value) == "wrong e-mail or password"
    set_password(orgs, "ada@acme.example", "a new long password")
    assert check_password(orgs, "ADA@acme.example", "a new long password").name == "Ada"
    with pytest.raises(AuthenticationError):
        check_password(orgs, "ada@acme.example", "correct horse battery")


def test_a_token_works_for_its_organisation_with_its_scopes(orgs: ServiceDeps) -> None:
    token, text = create_token(
        orgs, email="ada@acme.example", issuer_id="acme", name="lms", scopes={"awards:read"}
    )
    assert text.startswith(f"cst_{token.id}.")
    principal = authenticate_token(orgs, text)
    assert (principal.issuer_id, principal.scopes) == ("acme", frozenset({"awards:read"}))
    require(principal, "acme", "awards:read")
    with pytest.raises(PermissionDeniedError, match="may not awards write"):
        require(principal, "acme", "awards:write")
    with pytest.raises(PermissionDeniedError, match="not for organisation 'globex'"):
        require(principal, "globex", "awards:read")


def test_a_bad_token_is_refused_with_one_message(orgs: ServiceDeps) -> None:
    token, text = create_token(
        orgs, email="ada@acme.example", issuer_id="acme", name="lms", scopes={"awards:read"}
    )
    wrong_secret = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    unknown = "cst_" + "0" * 32 + text[text.index(".") :]
    for presented in ("", "cst_", "Bearer " + text, wrong_secret, unknown, text + "x"):
        with pytest.raises(AuthenticationError, match=r"^the API token is not valid$"):
            authenticate_token(orgs, presented)
    revoke_token(orgs, "acme", token.id)
    with pytest.raises(AuthenticationError):
        authenticate_token(orgs, text)
    with pytest.raises(NotFoundError):
        revoke_token(orgs, "globex", token.id)  # not theirs: as if it did not exist


def test_a_token_never_holds_more_than_its_user_and_shrinks_with_them(orgs: ServiceDeps) -> None:
    create_user(orgs, email="sam@acme.example", name="Sam")
    set_role(orgs, email="sam@acme.example", issuer_id="acme", role=Role.STAFF)
    with pytest.raises(InvalidInputError, match=r"a staff cannot hold .*organisation:admin"):
        create_token(
            orgs,
            email="sam@acme.example",
            issuer_id="acme",
            name="x",
            scopes={"organisation:admin"},
        )
    with pytest.raises(InvalidInputError, match="unknown scope everything"):
        create_token(
            orgs, email="sam@acme.example", issuer_id="acme", name="x", scopes={"everything"}
        )
    with pytest.raises(PermissionDeniedError, match="not a member of 'globex'"):
        create_token(
            orgs, email="sam@acme.example", issuer_id="globex", name="x", scopes={"awards:read"}
        )
    _, text = create_token(
        orgs,
        email="sam@acme.example",
        issuer_id="acme",
        name="sis",
        scopes={"awards:read", "awards:write"},
    )
    assert authenticate_token(orgs, text).scopes == {"awards:read", "awards:write"}
    set_role(orgs, email="sam@acme.example", issuer_id="acme", role=Role.ASSESSOR)
    assert authenticate_token(orgs, text).scopes == {"awards:read"}
    set_role(orgs, email="sam@acme.example", issuer_id="acme", role=Role.LEARNER)
    assert authenticate_token(orgs, text).scopes == frozenset()
    assert ROLE_SCOPES[Role.LEARNER] == frozenset()


def test_roles_are_given_in_known_organisations_to_known_users(orgs: ServiceDeps) -> None:
    with pytest.raises(NotFoundError):
        set_role(orgs, email="ada@acme.example", issuer_id="initech", role=Role.STAFF)
    with pytest.raises(NotFoundError, match="no user"):
        set_role(orgs, email="nobody@acme.example", issuer_id="acme", role=Role.STAFF)
