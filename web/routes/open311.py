"""Routes of the open311 area (being written)."""

from fastapi import APIRouter

router = APIRouter()
