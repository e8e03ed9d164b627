"""Routes of the checkpoints area (being written)."""

from fastapi import APIRouter

router = APIRouter()
