"""Personal data under the people's control: erasure of a person, and every showing of
their contact details recorded.

An erasure is an event first, then the destruction of keys: the `Erasure` aggregate's id
is derived from the subject's, so a subject is erased once (two admins at once: one
save conflicts), and a re-run finds the record and finishes what a crash left undone.
The events of the erased person stay in place, unchanged and verifiable; their sealed
fields can no longer be opened anywhere.

A `Disclosure` is one showing of someone's contact details to a member of staff: who
looked (the event's actor), at whom, why, and which fields. Staff outputs show contact
details masked until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.domain import event

from domain.base import YimaiAggregate, derived_id
from domain.errors import RuleViolationError


class PrivacyError(RuleViolationError):
    """An erasure or disclosure rule was broken."""


class ErasedError(PrivacyError):
    """The subject was erased: nothing can be opened, and nothing sealed, under them."""

    def __init__(self) -> None:
        super().__init__("erased", "this person's personal data was erased")


class SubjectKind(StrEnum):
    """What a subject of personal data is: whose key seals what."""

    #: A member's name, gender, birth date, phone, address and ID number.
    MEMBER = "member"
    #: A household's unit, room, head and phone, and its contact-log notes.
    HOUSEHOLD = "household"
    #: A request's description, contact, notes, solution and the resident's comment.
    REQUEST = "request"
    #: A micro-wish's resident, contact and wish, and its fulfilment note.
    WISH = "wish"


#: The contact details of each kind of subject: masked or withheld in staff outputs,
#: shown in clear by a recorded disclosure. A member's ID number stays masked always.
CONTACT_FIELDS: dict[SubjectKind, tuple[str, ...]] = {
    SubjectKind.MEMBER: ("phone", "address"),
    SubjectKind.HOUSEHOLD: ("unit", "room", "head_phone"),
    SubjectKind.REQUEST: ("contact_name", "contact_phone"),
    SubjectKind.WISH: ("resident_name", "contact_phone"),
}


class Erasure(YimaiAggregate):
    """A person erased: recorded before their keys are destroyed."""

    id: UUID

    @staticmethod
    def id_for(subject_id: UUID) -> UUID:
        return derived_id("erasure", subject_id.hex)

    @event("Recorded")
    def __init__(
        self, subject_id: UUID, subject_kind: str, reason: str, subjects: list[UUID]
    ) -> None:
        if not reason or not reason.strip():
            raise PrivacyError("reason_required", "a reason is required to erase a person")
        if subject_id not in subjects:
            raise PrivacyError("subject_not_erased", "an erasure destroys the subject's own key")
        self.subject_id = subject_id
        self.subject_kind = SubjectKind(subject_kind)
        self.reason = reason
        #: Every subject whose key the erasure destroys: the person, and what they told us
        #: (a household's requests and micro-wishes).
        self.subjects = list(subjects)


class Disclosure(YimaiAggregate):
    """One showing of a person's contact details to a member of staff (the actor)."""

    id: UUID

    @event("Recorded")
    def __init__(self, subject_id: UUID, subject_kind: str, reason: str, fields: list[str]) -> None:
        if not reason or not reason.strip():
            raise PrivacyError("reason_required", "say why you need the contact details")
        kind = SubjectKind(subject_kind)
        if not fields or not set(fields) <= set(CONTACT_FIELDS[kind]):
            raise PrivacyError("not_contact", "only contact details are disclosed")
        self.subject_id = subject_id
        self.subject_kind = kind
        self.reason = reason
        self.fields = list(fields)


@runtime_checkable
class KeyShredder(Protocol):
    """A key store that destroys keys so that their bytes leave the storage too."""

    def destroy_keys(self, subject_ids: Sequence[UUID]) -> bool:
        """Destroy the keys (refusing new ones for those subjects from then on); True
        once the bytes are gone from the storage files, False when that must wait."""
        ...


class HouseholdItems(Protocol):
    """What the read models know across aggregates: a household's requests and wishes."""

    def items_of(self, household_id: UUID) -> list[UUID]:
        """The requests placed and micro-wishes posted for the household (caught up to
        the log's head when asked)."""
        ...
