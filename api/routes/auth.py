"""Log in for a bearer token; see and change one's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import ActorDep, MinPosition, SystemDep
from api.schemas import AccountPublic, PasswordChange, ReceiptPublic, TokenPublic
from api.tokens import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form, with lengths bounded before anything is looked up."""

    def __init__(
        self,
        *,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=200)] = "",
    ) -> None:
        super().__init__(grant_type=grant_type, username=username, password=password, scope=scope)


@router.post("/token", response_model=TokenPublic)
def log_in(system: SystemDep, form: Annotated[LoginForm, Depends()]) -> TokenPublic:
    """Exchange a user name and password for a bearer token (OAuth2 password flow)."""
    principal = system.app.authenticate(form.username, form.password)
    token = issue_token(principal.username, system.token_secret(), system.settings.token_minutes)
    return TokenPublic(access_token=token, token_type="bearer")


@router.get("/me", response_model=AccountPublic)
def read_me(system: SystemDep, actor: ActorDep, min_position: MinPosition = 0) -> AccountPublic:
    """The account behind the token (always current: read from its events)."""
    return AccountPublic.model_validate(system.app.get_account(actor.username, actor=actor))


@router.post("/password", response_model=ReceiptPublic)
def change_my_password(body: PasswordChange, system: SystemDep, actor: ActorDep) -> ReceiptPublic:
    """Change one's own password, knowing the current one."""
    receipt = system.app.change_own_password(body.old_password, body.new_password, actor=actor)
    return ReceiptPublic.model_validate(receipt)
