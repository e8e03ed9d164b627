"""Routes of the statistics area (being written)."""

from fastapi import APIRouter

router = APIRouter()
