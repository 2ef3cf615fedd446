"""`miglia users`: accounts for the organiser, timekeepers, marshals, mechanics and crews."""

from __future__ import annotations

import typer

from miglia.cli.common import DbOption, open_db, reported
from miglia.domain.accounts import ROLES
from miglia.domain.errors import InvalidInput
from miglia.service.accounts import users
from miglia.store.db import Database

app = typer.Typer(
    help="User accounts and their roles (organiser, timekeeper, marshal, mechanic, crew).",
    no_args_is_help=True,
)


@app.command("add")
def add(
    username: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    start_no: int | None = typer.Option(
        None, "--start-no", help="For a crew account: the car's start number."
    ),
    password: str | None = typer.Option(
        None, "--password", help="The password (asked for, hidden, when not given; at least 8 characters)."
    ),
    db: str | None = DbOption,
) -> None:
    """Create an account. The first organiser is made this way; the console makes the others."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with reported():
        user = users.add_user(open_db(db), username, role, password, start_no)
    car = f", car {user.start_no}" if user.start_no is not None else ""
    typer.echo(f"added {user.username} ({user.role_label}{car})")


@app.command("list")
def list_users(db: str | None = DbOption) -> None:
    """The accounts and their roles."""
    with reported(), open_db(db).unit_of_work() as uow:
        accounts = users.all_users(uow)
    for user in accounts:
        car = f", car {user.start_no}" if user.start_no is not None else ""
        typer.echo(f"{user.username}\t{user.role_label}{car}")
    if not accounts:
        typer.echo("no accounts yet: add the first organiser with `miglia users add NAME --role organiser`")


@app.command("set-role")
def set_role(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    start_no: int | None = typer.Option(
        None, "--start-no", help="For a crew account: the car's start number."
    ),
    db: str | None = DbOption,
) -> None:
    """Change an account's role."""
    database = open_db(db)
    with reported():
        user = users.set_role(database, _id(database, username), role, start_no)
    typer.echo(f"{user.username} is now {user.role_label}")


@app.command("password")
def password(username: str = typer.Argument(...), db: str | None = DbOption) -> None:
    """Set a new password (asked for, hidden)."""
    database = open_db(db)
    with reported():
        user_id = _id(database, username)
        new = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        user = users.set_password(database, user_id, new)
    typer.echo(f"new password set for {user.username}")


def _id(database: Database, username: str) -> int:
    with database.unit_of_work() as uow:
        for user in users.all_users(uow):
            if user.username.lower() == username.strip().lower():
                return user.id
    raise InvalidInput("user", "username", username, "no such account")
