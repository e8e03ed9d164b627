"""The four orders' commands: the category catalogue, requests, micro-wishes, alliance needs.

Who may act: placing needs `requests.place`; the committee's sorting `requests.triage`;
claiming for oneself `requests.claim` (the account must be linked to a member, since
claims, points and stars belong to members); a clerk may record a claim, progress or a
resolution for a member without an account (`requests.record`); a supervisor gives,
accepts, sends back, presses, escalates, publishes and closes (`requests.supervise`);
return visits and confirmations are `requests.visit`. Nobody accepts or visits back a
resolution of their own.
"""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID, uuid4

from domain import validation as v
from domain.access import Permission, Principal
from domain.app_base import command
from domain.dto import (
    ClaimableDetail,
    NeedDraft,
    PlacedReceipt,
    Receipt,
    RequestDetail,
    RequestDraft,
    WishDraft,
)
from domain.errors import (
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
)
from domain.personal import ERASED, mask_name, mask_phone
from domain.points_app import Points
from domain.privacy import ErasedError
from domain.requests import (
    DEFAULT_CATEGORIES,
    RECEIPT_ALPHABET,
    Category,
    Channel,
    ReceiptCode,
    Request,
    RequesterKind,
    RequestError,
    Satisfaction,
    Urgency,
    limits_for,
    new_receipt_code,
)
from domain.roster import Household, Member, OrgUnit, ResidentUnit, UnitLevel
from domain.wishes import Need, UnitClaims, Wish

CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
RECEIPT_CODE = re.compile(rf"^[{RECEIPT_ALPHABET}]{{3}}-[{RECEIPT_ALPHABET}]{{4}}$")
#: Dates may be told ("2026-11-20"); they are taken out before looking for numbers.
_DATE = re.compile(r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")
#: Seven or more digits in a row (a phone or an ID number), possibly spaced, dotted or
#: dashed.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){6,}")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
#: An address below the building: a room (302室, 302户) or a unit and door (2单元402).
_ROOM = re.compile(r"\d+\s*(?:室|户|号房)|单元\s*\d+|\d+\s*-\s*\d+\s*-\s*\d+")


def check_public_text(field: str, text: str, private: list[str | None]) -> str:
    """Text for the public: refuse what looks like personal data — a phone or ID
    number, an address below the building, or a name or phone of the people concerned
    (also with spaces in it)."""
    undated = _DATE.sub(" ", text)
    if _LONG_NUMBER.search(undated) or _ID_NUMBER.search(undated):
        raise InvalidInputError(field, "must not contain a phone or ID number")
    if _ROOM.search(undated):
        raise InvalidInputError(field, "must not give a room or door below the building")
    folded = "".join(text.split()).casefold()
    for value in private:
        value = "".join((value or "").split()).casefold()
        if len(value) >= 2 and value in folded:
            raise InvalidInputError(field, "must not name the resident or give their contact")
    return text


class Orders(Points):
    """The commands of the four orders (mixed into the one Application)."""

    # -- the catalogue ---------------------------------------------------------------

    @command(Permission.CATALOGUE_MANAGE)
    def define_category(
        self,
        code: str,
        name_zh: str,
        name_en: str,
        claim_hours: int,
        resolve_hours: int,
        *,
        actor: Principal,
    ) -> Receipt:
        """Add a category to the catalogue, with its limits in hours from placement."""
        code = (code or "").strip().lower()
        if not CATEGORY_CODE.match(code):
            raise InvalidInputError("code", "2–32 lower-case letters, digits or '_'")
        category_id = Category.id_for(code)
        if self._find(Category, category_id) is not None:
            raise RuleViolationError("category_exists", f"category '{code}' exists")
        limits = self._limits(claim_hours, resolve_hours)
        category = Category(  # type: ignore[call-arg]
            id=category_id,
            code=code,
            name_zh=v.text("name_zh", name_zh, max_len=40),
            name_en=v.text("name_en", name_en, max_len=80),
            claim_hours=limits[0],
            resolve_hours=limits[1],
        )
        return Receipt(category.id, self._commit(category))

    @command(Permission.CATALOGUE_MANAGE)
    def seed_categories(self, *, actor: Principal) -> int:
        """Define the default catalogue's categories that are missing; the log position."""
        missing = []
        for code, zh, en, claim_hours, resolve_hours in DEFAULT_CATEGORIES:
            if self._find(Category, Category.id_for(code)) is None:
                missing.append(
                    Category(  # type: ignore[call-arg]
                        id=Category.id_for(code),
                        code=code,
                        name_zh=zh,
                        name_en=en,
                        claim_hours=claim_hours,
                        resolve_hours=resolve_hours,
                    )
                )
        return self._commit(*missing) if missing else self.last_position()

    def _category(self, code: str | None, field: str = "category") -> Category:
        code = (code or "").strip().lower()
        if not code:
            raise InvalidInputError(field, "is required")
        if not CATEGORY_CODE.match(code):
            raise InvalidInputError(field, "is not a category code")
        category = self._find(Category, Category.id_for(code))
        if category is None:
            raise InvalidInputError(field, "is not in the catalogue")
        if category.retired:
            raise InvalidInputError(field, "is retired from the catalogue")
        return category

    def _known_category(self, code: str) -> Category:
        category = self._find(Category, Category.id_for(code))
        if category is None:
            raise InvalidInputError("category", "is not in the catalogue")
        return category

    def _catalogued(self, code: str) -> Category:
        """A category addressed by its code (a path): NotFound when there is none."""
        code = (code or "").strip().lower()
        category = self._find(Category, Category.id_for(code)) if code else None
        if category is None:
            raise NotFoundError("category", code or "?")
        return category

    @staticmethod
    def _limits(claim_hours: int, resolve_hours: int) -> tuple[int, int]:
        claim = v.positive_int("claim_hours", claim_hours, maximum=24 * 365)
        resolve = v.positive_int("resolve_hours", resolve_hours, maximum=24 * 365)
        if resolve < claim:
            raise InvalidInputError("resolve_hours", "must be at least claim_hours")
        return claim, resolve

    @command(Permission.CATALOGUE_MANAGE)
    def change_category_limits(
        self, code: str, claim_hours: int, resolve_hours: int, reason: str, *, actor: Principal
    ) -> Receipt:
        """New limits apply to requests placed or classified from now on."""
        category = self._catalogued(code)
        if category.retired:
            raise RequestError("category_retired", f"category '{category.code}' is retired")
        category.change_limits(
            *self._limits(claim_hours, resolve_hours), v.text("reason", reason, max_len=500)
        )
        return Receipt(category.id, self._commit(category))

    @command(Permission.CATALOGUE_MANAGE)
    def retire_category(self, code: str, reason: str, *, actor: Principal) -> Receipt:
        """No new request takes a retired category; the ones that have it keep it."""
        category = self._catalogued(code)
        category.retire(v.text("reason", reason, max_len=500))
        return Receipt(category.id, self._commit(category))

    # -- who acts ------------------------------------------------------------------------

    def _acts_for(self, actor: Principal, claimant: UUID | None) -> None:
        """Only the claimant, or a clerk recording for them, acts as the claimant."""
        if actor.can(Permission.REQUESTS_RECORD):
            return
        if claimant is not None and self.member_of(actor) == claimant:
            return
        raise PermissionDeniedError(
            f"{actor.username} may not do this: only the claimant, or a clerk recording "
            "for them, may"
        )

    def _claimant(self, actor: Principal, member_id: UUID | str | None, community: UUID) -> UUID:
        own = self.member_of(actor)
        if member_id is None:
            if own is None:
                raise RuleViolationError(
                    "no_member_linked",
                    "this account is not linked to a member: name the member who claims",
                )
            target = own
        else:
            target = v.uuid("member_id", member_id)
        if target != own and not actor.can(Permission.REQUESTS_RECORD):
            raise PermissionDeniedError(
                f"{actor.username} may not do this: a cadre claims for themselves only"
            )
        member = self._get(Member, target, "member", "member_id")
        member.check_active()
        if member.community_id != community:
            raise RuleViolationError("other_community", "the member belongs to another community")
        return member.id

    def _not_own(self, actor: Principal, claimant: UUID | None, rule: str, what: str) -> None:
        if claimant is not None and self.member_of(actor) == claimant:
            raise RuleViolationError(rule, f"someone else must {what} your own work")

    def _location(
        self, community_id: UUID | str | None, branch_id: UUID | str | None
    ) -> tuple[UUID, UUID | None]:
        community = self._get(OrgUnit, v.uuid("community_id", community_id), "community")
        if community.level != UnitLevel.COMMUNITY:
            raise InvalidInputError("community_id", "is not a community committee")
        community.check_open()
        if not branch_id:
            return community.id, None
        branch = self._get(OrgUnit, v.uuid("branch_id", branch_id), "branch", "branch_id")
        if branch.level != UnitLevel.BRANCH or branch.parent_id != community.id:
            raise InvalidInputError("branch_id", "is not a grid branch of that community")
        branch.check_open()
        return community.id, branch.id

    def _household_contact(self, household_id: UUID | None) -> list[str | None]:
        """The head's name and phone of a household, as they are now."""
        household = self._find(Household, household_id) if household_id else None
        if household is None:
            return []
        fields = self.personal.open(household.id, household.personal) or {}
        return [fields.get("head_name"), fields.get("head_phone")]

    def _check_not_erased(self, household_id: UUID) -> None:
        """An erased household has asked to be forgotten: nothing new is taken for it."""
        if self.personal.keys.get_key(household_id) is None:
            raise ErasedError()

    def _seal_text(self, subject: UUID, text: str) -> str:
        return self.personal.seal(subject, {"text": text})

    def open_text(self, subject: UUID, sealed: str | None) -> str | None:
        """A sealed note, solution or comment in clear ([erased] once the key is gone)."""
        if not sealed:
            return None
        fields = self.personal.open(subject, sealed)
        return (fields or {}).get("text") or ERASED

    # -- requests: placement and the committee -------------------------------------------

    @command(Permission.REQUESTS_PLACE)
    def place_request(self, draft: RequestDraft, *, actor: Principal) -> PlacedReceipt:
        """Take a resident's request; the receipt carries the code the resident keeps."""
        channel = v.choice("channel", draft.channel, Channel)
        category = self._category(draft.category)
        description = v.text("description", draft.description, max_len=2000)
        urgency = v.choice("urgency", draft.urgency, Urgency)
        kind = v.choice("requester_kind", draft.requester_kind, RequesterKind)
        community_id, branch_id = self._location(draft.community_id, draft.branch_id)
        building = v.optional_text("building", draft.building, max_len=40)
        requester_id: UUID | None = None
        name = v.optional_text("contact_name", draft.contact_name, max_len=40)
        phone = v.phone("contact_phone", draft.contact_phone, required=False)
        if kind == RequesterKind.ANONYMOUS:
            if draft.household_id or name or phone:
                raise InvalidInputError(
                    "requester_kind", "an anonymous request carries no requester or contact"
                )
        elif kind == RequesterKind.RESIDENT:
            if draft.household_id:
                raise InvalidInputError("household_id", "is for a household's request")
            if not name:
                raise InvalidInputError("contact_name", "a resident's request needs a name")
            if not phone:
                raise InvalidInputError("contact_phone", "a resident's request needs a phone")
        else:
            household = self._get(
                Household, v.uuid("household_id", draft.household_id), "household", "household_id"
            )
            household.check_open()
            self._check_not_erased(household.id)
            if household.community_id != community_id:
                raise InvalidInputError("household_id", "is not in that community")
            requester_id = household.id
            building = building or household.building
        claim_hours, resolve_hours = limits_for(
            category.claim_hours, category.resolve_hours, urgency.value
        )
        request_id = uuid4()
        code = new_receipt_code()
        while self._find(ReceiptCode, ReceiptCode.id_for(code)) is not None:
            code = new_receipt_code()
        index = ReceiptCode(  # type: ignore[call-arg]
            id=ReceiptCode.id_for(code), code=code, request_id=request_id
        )
        request = Request(  # type: ignore[call-arg]
            id=request_id,
            receipt_code=code,
            channel=channel.value,
            category=category.code,
            claim_hours=claim_hours,
            resolve_hours=resolve_hours,
            urgency=urgency.value,
            community_id=community_id,
            branch_id=branch_id,
            building=building,
            requester_kind=kind.value,
            requester_id=requester_id,
            personal=self.personal.seal(
                request_id,
                {"description": description, "contact_name": name, "contact_phone": phone},
            ),
            placed_at=self.now(),
        )
        # A code taken at the same moment by another clerk fails this save; the
        # command is retried and draws a new code.
        return PlacedReceipt(request.id, self._commit(index, request), code)

    def _request(self, request_id: UUID | str) -> Request:
        return self._get(Request, request_id, "request", "request_id")

    def request_for_receipt(self, code: str, *, actor: Principal) -> UUID:
        """The request a receipt code was given for."""
        actor.require(Permission.REQUESTS_READ)
        # NFKC folds what a Chinese keyboard types full width (９ＪＦ－３ＢＷＥ) into ASCII.
        cleaned = "".join(unicodedata.normalize("NFKC", code or "").split()).upper()
        if len(cleaned) == 7 and "-" not in cleaned:  # read out without its dash
            cleaned = f"{cleaned[:3]}-{cleaned[3:]}"
        if not RECEIPT_CODE.match(cleaned):
            raise InvalidInputError("receipt_code", "looks like K7Q-4MZ2")
        index = self._find(ReceiptCode, ReceiptCode.id_for(cleaned))
        if index is None:
            raise NotFoundError("request", "no request has this receipt code")
        return index.request_id

    @command(Permission.REQUESTS_TRIAGE)
    def classify_request(
        self,
        request_id: UUID | str,
        *,
        category: str | None = None,
        branch_id: UUID | str | None = None,
        actor: Principal,
    ) -> Receipt:
        """Confirm or change the category and name the responsible grid branch."""
        request = self._request(request_id)
        # A request keeps a category retired after it was placed; a new one must be live.
        cat = self._category(category) if category else self._known_category(request.category)
        _, branch = self._location(request.community_id, branch_id or request.branch_id)
        if branch is None:
            raise InvalidInputError("branch_id", "name the grid branch responsible")
        claim_hours, resolve_hours = limits_for(
            cat.claim_hours, cat.resolve_hours, request.urgency.value
        )
        request.classify(cat.code, claim_hours, resolve_hours, branch)
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_TRIAGE)
    def reject_request(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Out of the community's scope: rejected, with the reason."""
        request = self._request(request_id)
        request.reject(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_TRIAGE)
    def merge_request(
        self, request_id: UUID | str, into_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        """A duplicate joins the request it repeats; both histories stay readable."""
        duplicate = self._request(request_id)
        original = self._get(Request, into_id, "request", "into_id")
        reason = v.text("reason", reason, max_len=500)
        if original.merged_into is not None:
            raise RequestError("merge_target_merged", "merge into the original request")
        if original.community_id != duplicate.community_id:
            raise RequestError("other_community", "a duplicate is merged in its own community")
        duplicate.merge_into(original.id, reason)
        original.absorb(duplicate.id)
        return Receipt(duplicate.id, self._commit(original, duplicate))

    @command(Permission.REQUESTS_PLACE)
    def withdraw_request(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """The resident no longer needs it."""
        request = self._request(request_id)
        self._may_withdraw(actor, request.claimant)
        request.withdraw(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @staticmethod
    def _may_withdraw(actor: Principal, claimant: UUID | None) -> None:
        """Once someone works on it, only the committee takes it off the board: a
        withdrawal must not make late work vanish from supervision."""
        if claimant is not None and not actor.can(Permission.REQUESTS_TRIAGE):
            raise PermissionDeniedError(
                f"{actor.username} may not do this: a claimed item is withdrawn by the "
                "committee ('requests.triage')"
            )

    # -- requests: claiming and the work --------------------------------------------------

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def claim_request(
        self, request_id: UUID | str, *, member_id: UUID | str | None = None, actor: Principal
    ) -> Receipt:
        """Claim for oneself, or record a member's claim; of two at once exactly one wins."""
        request = self._request(request_id)
        claimant = self._claimant(actor, member_id, request.community_id)
        request.claim(claimant, self.now())
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def release_request(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Give a claimed request back to the pool (the clock keeps running)."""
        request = self._request(request_id)
        self._acts_for(actor, request.claimant)
        request.release(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE)
    def give_request(
        self, request_id: UUID | str, member_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        """A supervisor gives the request to another member (the clock keeps running)."""
        request = self._request(request_id)
        reason = v.text("reason", reason, max_len=500)
        member = self._get(Member, v.uuid("member_id", member_id), "member", "member_id")
        member.check_active()
        if member.community_id != request.community_id:
            raise RuleViolationError("other_community", "the member belongs to another community")
        request.give(member.id, reason, self.now())
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def note_progress(self, request_id: UUID | str, note: str, *, actor: Principal) -> Receipt:
        """A progress note (sealed: it may name people)."""
        request = self._request(request_id)
        self._acts_for(actor, request.claimant)
        note = v.text("note", note, max_len=2000)
        request.note_progress(self._seal_text(request.id, note))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def resolve_request(
        self,
        request_id: UUID | str,
        solution: str,
        *,
        evidence: list[str] | None = None,
        actor: Principal,
    ) -> Receipt:
        """The claimant says how it was solved, with references to the evidence."""
        request = self._request(request_id)
        self._acts_for(actor, request.claimant)
        solution = v.text("solution", solution, max_len=2000)
        refs = [v.text("evidence", ref, max_len=200) for ref in (evidence or [])]
        if len(refs) > 20:
            raise InvalidInputError("evidence", "at most 20 references")
        request.resolve(self._seal_text(request.id, solution), refs, self.now())
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE, Permission.REQUESTS_RECORD, Permission.REQUESTS_CLAIM)
    def pause_clock(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Stop the clock, e.g. while waiting for the resident; the pause is recorded."""
        request = self._request(request_id)
        if not actor.can(Permission.REQUESTS_SUPERVISE):
            self._acts_for(actor, request.claimant)
        request.pause(v.text("reason", reason, max_len=500), self.now())
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE, Permission.REQUESTS_RECORD, Permission.REQUESTS_CLAIM)
    def resume_clock(self, request_id: UUID | str, *, actor: Principal) -> Receipt:
        request = self._request(request_id)
        if not actor.can(Permission.REQUESTS_SUPERVISE):
            self._acts_for(actor, request.claimant)
        request.resume(self.now())
        return Receipt(request.id, self._commit(request))

    # -- requests: supervision, the return visit, publication ------------------------------

    @command(Permission.REQUESTS_SUPERVISE)
    def accept_resolution(self, request_id: UUID | str, *, actor: Principal) -> Receipt:
        """The supervisor accepts the resolution (never their own); the first acceptance
        earns the claimant the "helped a resident solve a problem" star."""
        request = self._request(request_id)
        self._not_own(actor, request.claimant, "own_resolution", "accept")
        request.accept()
        # The claimant's "helped a resident" star, saved with the acceptance: once ever.
        star, guard = self._help_star(request)
        return Receipt(request.id, self._commit(*star, request, unchanged=guard))

    @command(Permission.REQUESTS_SUPERVISE)
    def send_back_resolution(
        self, request_id: UUID | str, reason: str, *, actor: Principal
    ) -> Receipt:
        """Not good enough: back to the claimant, with the reason."""
        request = self._request(request_id)
        request.send_back(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE)
    def press_request(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Press (催办) a request that is late or at risk of it."""
        request = self._request(request_id)
        request.press(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE)
    def escalate_request(self, request_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """Beyond the community: escalated to the subdistrict."""
        request = self._request(request_id)
        request.escalate(v.text("reason", reason, max_len=500))
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_VISIT)
    def record_visit(
        self,
        request_id: UUID | str,
        satisfaction: str,
        *,
        comment: str | None = None,
        reason: str | None = None,
        actor: Principal,
    ) -> Receipt:
        """The resident's word; dissatisfied reopens the request with the reason."""
        request = self._request(request_id)
        level = v.choice("satisfaction", satisfaction, Satisfaction)
        comment = v.optional_text("comment", comment, max_len=1000)
        reason = v.optional_text("reason", reason, max_len=500)
        if level == Satisfaction.DISSATISFIED and not reason:
            raise InvalidInputError("reason", "say why the resident is dissatisfied")
        if level != Satisfaction.DISSATISFIED and reason:
            raise InvalidInputError("reason", "is only for a dissatisfied resident")
        self._not_own(actor, request.claimant, "own_request_visit", "visit back")
        request.record_visit(
            level.value, self._seal_text(request.id, comment) if comment else None, reason
        )
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE)
    def publish_request(self, request_id: UUID | str, summary: str, *, actor: Principal) -> Receipt:
        """Approve the public summary: what was asked, what was done; no personal data."""
        request = self._request(request_id)
        summary = v.text("summary", summary, max_len=500)
        opened = self.personal.open(request.id, request.personal) or {}
        private = [
            opened.get("contact_name"),
            opened.get("contact_phone"),
            *self._household_contact(request.requester_id),
        ]
        request.publish(check_public_text("summary", summary, private), self.now())
        return Receipt(request.id, self._commit(request))

    @command(Permission.REQUESTS_SUPERVISE)
    def close_request(self, request_id: UUID | str, *, actor: Principal) -> Receipt:
        request = self._request(request_id)
        request.close()
        return Receipt(request.id, self._commit(request))

    def get_request(self, request_id: UUID | str, *, actor: Principal) -> RequestDetail:
        """One request with its description opened, its contact masked (a household's
        request: its head's), and its clock worked out now."""
        actor.require(Permission.REQUESTS_READ)
        r = self._request(request_id)
        now = self.now()
        fields = self.personal.open(r.id, r.personal)
        f = fields or {}
        named = {r.claimant} | {m.get(k) for m in r.moves for k in ("from", "to")}
        names = self._member_names({i for i in named if isinstance(i, UUID)})
        name, phone = f.get("contact_name"), f.get("contact_phone")
        head = self._household_contact(r.requester_id) if not (name or phone) else []
        if head:  # a roster household's request: its head, as the household holds them now
            name, phone = head
        return RequestDetail(
            id=r.id,
            version=r.version,
            receipt_code=r.receipt_code,
            state=r.state.value,
            channel=r.channel.value,
            category=r.category,
            urgency=r.urgency.value,
            community_id=r.community_id,
            branch_id=r.branch_id,
            building=r.building,
            requester_kind=r.requester_kind.value,
            requester_id=r.requester_id,
            description=f.get("description") or ERASED,
            # Contact details masked: `reveal_contact` shows them, and records it.
            contact_name=_masked_name(name),
            contact_phone=mask_phone(phone) or None,
            placed_at=r.placed_at,
            claim_due_at=r.claim_due_at(now),
            due_at=r.due_at(now),
            overdue=r.is_overdue(now),
            paused=r.paused_since is not None,
            paused_seconds=int(r.paused_for(now).total_seconds()),
            claimant_id=r.claimant,
            claimed_at=r.claimed_at,
            resolved_at=r.resolved_at,
            presses=r.presses,
            escalated=r.escalated,
            satisfaction=r.satisfaction.value if r.satisfaction else None,
            summary=r.summary,
            merged_into=r.merged_into,
            duplicates=list(r.duplicates),
            moves=[dict(m) for m in r.moves],
            erased=fields is None,
            possible=sorted(r.possible_steps()),
            solution=self.open_text(r.id, r.solution) if r.resolved_at else None,
            visit_comment=self.open_text(r.id, r.visit_comment),
            claimant_name=names.get(r.claimant) if r.claimant else None,
            member_names=names,
            merged_into_code=self._receipt_code(r.merged_into),
            duplicate_codes=[self._receipt_code(d) or "" for d in r.duplicates],
        )

    def _member_names(self, ids: set[UUID]) -> dict[UUID, str]:
        """Members' names as staff see them ([erased] once a member is forgotten)."""
        names = {}
        for member_id in ids:
            member = self._find(Member, member_id)
            if member is not None:
                opened = self.personal.open(member.id, member.personal) or {}
                names[member_id] = opened.get("name") or ERASED
        return names

    def _receipt_code(self, request_id: UUID | None) -> str | None:
        other = self._find(Request, request_id) if request_id else None
        return other.receipt_code if other else None

    # -- micro-wishes ---------------------------------------------------------------------

    @command(Permission.REQUESTS_PLACE)
    def post_wish(self, draft: WishDraft, *, actor: Principal) -> Receipt:
        """Post a micro-wish for a resident (who they are and the wish itself are sealed)."""
        community_id, branch_id = self._location(draft.community_id, draft.branch_id)
        title = v.text("title", draft.title, max_len=60)
        wish = v.text("wish", draft.wish, max_len=1000)
        name = v.optional_text("resident_name", draft.resident_name, max_len=40)
        phone = v.phone("contact_phone", draft.contact_phone, required=False)
        household_id: UUID | None = None
        if draft.household_id:
            household = self._get(
                Household, v.uuid("household_id", draft.household_id), "household", "household_id"
            )
            household.check_open()
            self._check_not_erased(household.id)
            if household.community_id != community_id:
                raise InvalidInputError("household_id", "is not in that community")
            household_id = household.id
        elif not name:
            raise InvalidInputError("resident_name", "name the resident or their household")
        # The title is published with the wish: nobody's name, phone or door in it.
        check_public_text("title", title, [name, phone, *self._household_contact(household_id)])
        wish_id = uuid4()
        item = Wish(  # type: ignore[call-arg]
            id=wish_id,
            community_id=community_id,
            branch_id=branch_id,
            title=title,
            household_id=household_id,
            personal=self.personal.seal(
                wish_id, {"wish": wish, "resident_name": name, "contact_phone": phone}
            ),
            posted_at=self.now(),
        )
        return Receipt(item.id, self._commit(item))

    def _wish(self, wish_id: UUID | str) -> Wish:
        return self._get(Wish, wish_id, "micro-wish", "wish_id")

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def claim_wish(
        self, wish_id: UUID | str, *, member_id: UUID | str | None = None, actor: Principal
    ) -> Receipt:
        """A member takes the wish on; one claimant at a time."""
        item = self._wish(wish_id)
        item.claim(self._claimant(actor, member_id, item.community_id), self.now())
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def release_wish(self, wish_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        item = self._wish(wish_id)
        self._acts_for(actor, item.claimant)
        item.release(v.text("reason", reason, max_len=500))
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_CLAIM, Permission.REQUESTS_RECORD)
    def fulfil_wish(self, wish_id: UUID | str, note: str, *, actor: Principal) -> Receipt:
        """The claimant fulfilled the wish (the note is sealed)."""
        item = self._wish(wish_id)
        self._acts_for(actor, item.claimant)
        note = v.text("note", note, max_len=1000)
        item.fulfil(self._seal_text(item.id, note), self.now())
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_VISIT)
    def confirm_wish(self, wish_id: UUID | str, *, actor: Principal) -> Receipt:
        """The resident confirmed the wish came true (never confirmed by its claimant)."""
        item = self._wish(wish_id)
        self._not_own(actor, item.claimant, "own_fulfilment", "confirm")
        item.confirm()
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_VISIT)
    def send_back_wish(self, wish_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        """The resident did not get what was wished: back to the claimant."""
        item = self._wish(wish_id)
        item.send_back(v.text("reason", reason, max_len=500))
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_SUPERVISE)
    def publish_wish(self, wish_id: UUID | str, summary: str, *, actor: Principal) -> Receipt:
        item = self._wish(wish_id)
        summary = v.text("summary", summary, max_len=500)
        opened = self.personal.open(item.id, item.personal) or {}
        private = [
            opened.get("resident_name"),
            opened.get("contact_phone"),
            *self._household_contact(item.household_id),
        ]
        # The title goes out with the summary: both are checked against today's names.
        check_public_text("title", item.title, private)
        item.publish(check_public_text("summary", summary, private), self.now())
        return Receipt(item.id, self._commit(item))

    @command(Permission.REQUESTS_PLACE)
    def withdraw_wish(self, wish_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        item = self._wish(wish_id)
        self._may_withdraw(actor, item.claimant)
        item.withdraw(v.text("reason", reason, max_len=500))
        return Receipt(item.id, self._commit(item))

    def get_wish(self, wish_id: UUID | str, *, actor: Principal) -> ClaimableDetail:
        actor.require(Permission.REQUESTS_READ)
        item = self._wish(wish_id)
        fields = self.personal.open(item.id, item.personal)
        details = dict(fields or {})
        if fields:  # contact details masked, as a request's
            details["resident_name"] = _masked_name(fields.get("resident_name"))
            details["contact_phone"] = mask_phone(fields.get("contact_phone")) or None
        details["household_id"] = str(item.household_id) if item.household_id else None
        return _detail(item, "wish", details, fields is None)

    # -- alliance needs -----------------------------------------------------------------

    @command(Permission.REQUESTS_TRIAGE)
    def list_need(self, draft: NeedDraft, *, actor: Principal) -> Receipt:
        """The committee lists an alliance need for resident units to claim."""
        community_id, branch_id = self._location(draft.community_id, draft.branch_id)
        title = v.text("title", draft.title, max_len=60)
        description = v.text("description", draft.description, max_len=1000)
        alliance = v.text("alliance", draft.alliance, max_len=60)
        check_public_text("title", title, [])
        check_public_text("description", description, [])
        need = Need(  # type: ignore[call-arg]
            id=uuid4(),
            community_id=community_id,
            branch_id=branch_id,
            title=title,
            description=description,
            alliance=alliance,
            listed_at=self.now(),
        )
        return Receipt(need.id, self._commit(need))

    def _need(self, need_id: UUID | str) -> Need:
        return self._get(Need, need_id, "alliance need", "need_id")

    def _unit_claims(self, unit_id: UUID) -> UnitClaims:
        claims = self._find(UnitClaims, UnitClaims.id_for(unit_id))
        if claims is None:
            claims = UnitClaims(  # type: ignore[call-arg]
                id=UnitClaims.id_for(unit_id), resident_unit_id=unit_id
            )
        return claims

    @command(Permission.REQUESTS_RECORD)
    def claim_need(
        self, need_id: UUID | str, resident_unit_id: UUID | str, *, actor: Principal
    ) -> Receipt:
        """A resident unit claims a need; it holds at most `unit_claim_limit` at once."""
        need = self._need(need_id)
        unit = self._get(
            ResidentUnit,
            v.uuid("resident_unit_id", resident_unit_id),
            "resident unit",
            "resident_unit_id",
        )
        unit.check_open()
        if unit.community_id != need.community_id:
            raise RuleViolationError(
                "other_community", "the resident unit reports to another community"
            )
        need.claim(unit.id, self.now())
        claims = self._unit_claims(unit.id)
        claims.take(need.id, self.unit_claim_limit)
        # Saved together: a second claim by the same unit at the same moment conflicts
        # on the unit's claims and is retried against the new count.
        return Receipt(need.id, self._commit(claims, need))

    def _return_claim(self, need: Need) -> UnitClaims | None:
        if need.claimant is None or not need.holds_claim:
            return None
        claims = self._unit_claims(need.claimant)
        claims.give_back(need.id)
        return claims

    @command(Permission.REQUESTS_RECORD)
    def release_need(self, need_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        need = self._need(need_id)
        reason = v.text("reason", reason, max_len=500)
        claims = self._return_claim(need)
        need.release(reason)
        return Receipt(need.id, self._commit(*[c for c in [claims] if c], need))

    @command(Permission.REQUESTS_RECORD)
    def fulfil_need(self, need_id: UUID | str, note: str, *, actor: Principal) -> Receipt:
        need = self._need(need_id)
        note = v.text("note", note, max_len=1000)
        need.fulfil(self._seal_text(need.id, note), self.now())
        return Receipt(need.id, self._commit(need))

    @command(Permission.REQUESTS_VISIT)
    def confirm_need(self, need_id: UUID | str, *, actor: Principal) -> Receipt:
        """The committee confirms the need was met: the unit's claim is no longer open."""
        need = self._need(need_id)
        claims = self._return_claim(need)
        need.confirm()
        return Receipt(need.id, self._commit(*[c for c in [claims] if c], need))

    @command(Permission.REQUESTS_VISIT)
    def send_back_need(self, need_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        need = self._need(need_id)
        need.send_back(v.text("reason", reason, max_len=500))
        return Receipt(need.id, self._commit(need))

    @command(Permission.REQUESTS_SUPERVISE)
    def publish_need(self, need_id: UUID | str, summary: str, *, actor: Principal) -> Receipt:
        need = self._need(need_id)
        summary = v.text("summary", summary, max_len=500)
        need.publish(check_public_text("summary", summary, []), self.now())
        return Receipt(need.id, self._commit(need))

    @command(Permission.REQUESTS_TRIAGE)
    def withdraw_need(self, need_id: UUID | str, reason: str, *, actor: Principal) -> Receipt:
        need = self._need(need_id)
        reason = v.text("reason", reason, max_len=500)
        claims = self._return_claim(need)
        need.withdraw(reason)
        return Receipt(need.id, self._commit(*[c for c in [claims] if c], need))

    def get_need(self, need_id: UUID | str, *, actor: Principal) -> ClaimableDetail:
        actor.require(Permission.REQUESTS_READ)
        need = self._need(need_id)
        details: dict[str, str | None] = {
            "description": need.description,
            "alliance": need.alliance,
        }
        return _detail(need, "need", details, False)


def _masked_name(name: str | None) -> str | None:
    return mask_name(name) if name else None


def _detail(
    item: Wish | Need, kind: str, details: dict[str, str | None], erased: bool
) -> ClaimableDetail:
    return ClaimableDetail(
        id=item.id,
        version=item.version,
        kind=kind,
        state=item.state.value,
        community_id=item.community_id,
        branch_id=item.branch_id,
        title=item.title,
        claimant_id=item.claimant,
        claimed_at=item.claimed_at,
        fulfilled_at=item.fulfilled_at,
        summary=item.summary,
        moves=[dict(m) for m in item.moves],
        details=details,
        erased=erased,
        possible=sorted(item.possible_steps()),
    )
