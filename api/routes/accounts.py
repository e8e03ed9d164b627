"""Staff accounts (admin): open, list, change roles, disable, enable, reset a password,
say which member an account's holder is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import (
    AccountCreate,
    AccountMemberLink,
    AccountPublic,
    AccountsPublic,
    PasswordReset,
    ReasonGiven,
    ReceiptPublic,
    RolesChange,
)

router = APIRouter(prefix="/accounts", tags=["accounts"])

Username = Annotated[str, Path(max_length=64, description="The account's user name.")]


@router.get("", response_model=AccountsPublic)
def list_accounts(
    system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> AccountsPublic:
    """Every account with its roles and whether it can log in."""
    rows = system.accounts.list(actor=actor, min_position=min_position)
    return AccountsPublic.model_validate({"items": rows, "total": len(rows)})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptPublic)
def open_account(body: AccountCreate, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Open a staff account with roles and an initial password."""
    receipt = system.app.open_account(
        body.username, body.display_name, [r.value for r in body.roles], body.password, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.get("/{username}", response_model=AccountPublic)
def read_account(
    username: Username, system: SystemDep, actor: ActorDep, min_position: MinPosition = 0
) -> AccountPublic:
    """One account (always current: read from its events)."""
    return AccountPublic.model_validate(system.app.get_account(username, actor=actor))


@router.post("/{username}/roles", response_model=ReceiptPublic)
def change_roles(
    username: Username, body: RolesChange, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Replace an account's roles (with the reason)."""
    receipt = system.app.change_roles(
        username, [r.value for r in body.roles], body.reason, actor=actor
    )
    return ReceiptPublic.model_validate(receipt)


@router.post("/{username}/disable", response_model=ReceiptPublic)
def disable_account(
    username: Username, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Disable an account; its tokens stop working at once."""
    return ReceiptPublic.model_validate(
        system.app.disable_account(username, body.reason, actor=actor)
    )


@router.post("/{username}/enable", response_model=ReceiptPublic)
def enable_account(
    username: Username, body: ReasonGiven, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Enable a disabled account again."""
    return ReceiptPublic.model_validate(
        system.app.enable_account(username, body.reason, actor=actor)
    )


@router.post("/{username}/password", response_model=ReceiptPublic)
def reset_password(
    username: Username, body: PasswordReset, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Set a new password for an account (an admin's reset)."""
    return ReceiptPublic.model_validate(
        system.app.reset_password(username, body.password, actor=actor)
    )


@router.post("/{username}/member", response_model=ReceiptPublic)
def link_account_member(
    username: Username, body: AccountMemberLink, system: SystemDep, actor: ActorDep
) -> ReceiptPublic:
    """Say which member an account's holder is (null: none), with the reason: their
    claims are that member's, and they never accept or visit back their own work."""
    return ReceiptPublic.model_validate(
        system.app.link_account_member(username, body.member_id, body.reason, actor=actor)
    )
