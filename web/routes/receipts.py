"""Routes of the receipts area (being written)."""

from fastapi import APIRouter

router = APIRouter()
