"""``credstack user ...`` and ``credstack token ...``: people and the API tokens machines use."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from credstack.cli.output import console, fail, print_table
from credstack.cli.state import services
from credstack.domain.accounts import SCOPES, Role
from credstack.services.accounts import create_token, create_user, revoke_token, set_role

user_app = typer.Typer(
    help="People who work in an organisation (owner, staff, assessor, learner).\n\n"
    "Example: credstack user create --email ada@academy.example --name 'Ada Byron'"
)
token_app = typer.Typer(
    help="API tokens: how an organisation's systems use the issuer API.\n\n"
    "Example: credstack token create --issuer acme --email ada@academy.example "
    "--name 'student records' --scope awards:read --scope awards:write"
)


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="The person's e-mail address (their login).")],
    name: Annotated[str, typer.Option(help="Their name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password from standard input.")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="A platform administrator.")] = False,
) -> None:
    """Create a user (with a password read from stdin, or none: tokens only).

    Example: credstack user create --email ada@academy.example --name 'Ada Byron'
    """
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    user = create_user(
        services(ctx), email=email, name=name, password=password, platform_admin=admin
    )
    console.print(f"user {user.email} created ({user.id})")


@user_app.command("role")
def user_role(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    issuer: Annotated[str, typer.Option(help="The organisation (issuer id).")],
    role: Annotated[Role, typer.Option(help="owner, staff, assessor or learner.")],
) -> None:
    """Give a user a role in an organisation (replacing the one they had there).

    Example: credstack user role --email ada@academy.example --issuer acme --role staff
    """
    set_role(services(ctx), email=email, issuer_id=issuer, role=role)
    console.print(f"{email} is {role.value} of '{issuer}'")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The organisation (issuer id).")],
    email: Annotated[str, typer.Option(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What uses it, e.g. 'student records'.")],
    scope: Annotated[
        list[str], typer.Option(help=f"Repeat for each: {', '.join(sorted(SCOPES))}.")
    ],
) -> None:
    """Make an API token; it is printed once, keep it secret.

    Example: credstack token create --issuer acme --email ada@acme.example --name lms
    --scope awards:write
    """
    token, text = create_token(
        services(ctx), email=email, issuer_id=issuer, name=name, scopes=set(scope)
    )
    console.print(f"token {token.id} for '{issuer}' ({', '.join(sorted(token.scopes))}):")
    sys.stdout.write(text + "\n")


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The organisation (issuer id).")],
) -> None:
    """The organisation's tokens (never their secrets).

    Example: credstack token list --issuer acme
    """
    deps = services(ctx)
    with deps.uow() as uow:
        uow.issuers.get(issuer)
        tokens = uow.accounts.tokens_for(issuer)
    rows = [
        (
            t.id,
            t.name,
            " ".join(sorted(t.scopes)),
            t.created_at.date(),
            "revoked" if t.revoked_at else "",
        )
        for t in tokens
    ]
    print_table(f"tokens of {issuer}", ["id", "name", "scopes", "created", ""], rows)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The organisation (issuer id).")],
    token_id: Annotated[str, typer.Argument(help="The token's id (token list).")],
) -> None:
    """Revoke a token for good: it stops working at once.

    Example: credstack token revoke --issuer acme 0f8e...
    """
    if not token_id.strip():
        fail("give the token's id")
    revoke_token(services(ctx), issuer, token_id)
    console.print(f"token {token_id} revoked")
