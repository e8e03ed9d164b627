"""Routes of the claims area (being written)."""

from fastapi import APIRouter

router = APIRouter()
