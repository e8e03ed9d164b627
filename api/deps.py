"""Dependencies shared by every router, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer

from api.tokens import read_token
from domain.access import Principal
from projections.system import System

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


def get_system(request: Request) -> System:
    """The System this app was created with."""
    system: System = request.app.state.system
    return system


SystemDep = Annotated[System, Depends(get_system)]
TokenDep = Annotated[str, Depends(oauth2_scheme)]


def get_actor(system: SystemDep, token: TokenDep) -> Principal:
    """The principal behind the bearer token, re-read from its account on every request."""
    return system.app.principal(read_token(token, system.token_secret()))


ActorDep = Annotated[Principal, Depends(get_actor)]

#: Every query takes it: wait until the read models have applied this log position,
#: so a client reads its own writes (pass the `position` a command returned).
MinPosition = Annotated[
    int,
    Query(
        ge=0,
        le=2**63 - 1,
        description="Wait until the read models reach this log position (from a receipt).",
    ),
]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")]
#: A year in a path: the key of a points period (and of its selection).
YearPath = Annotated[int, Path(ge=1, le=9999, description="The period: a calendar year.")]
