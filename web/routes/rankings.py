"""Routes of the rankings area (being written)."""

from fastapi import APIRouter

router = APIRouter()
