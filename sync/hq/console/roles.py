"""Console roles and what each may do: the one place pages ask (``can``).

A store manager is scoped to their stores (``Who.stores``): pages show only members
linked to those stores (``member_stores``) and answer 404 for any other, so a direct
URL does not tell that the member exists. Every other role is chain-wide.
"""

from __future__ import annotations

from enum import StrEnum

ADMIN, MARKETING, FINANCE, STORE_MANAGER, AUDITOR = (
    "admin",
    "marketing",
    "finance",
    "store_manager",
    "auditor",
)
ROLES = (ADMIN, MARKETING, FINANCE, STORE_MANAGER, AUDITOR)


class Perm(StrEnum):
    VIEW_MEMBERS = "view_members"
    SEE_PHONE = "see_phone"  # the full phone; the others see ``*******1234``
    BLOCK = "block"  # block or unblock a member's card
    VIEW_LOG = "view_log"
    MANAGE_USERS = "manage_users"  # list console users, revoke their sessions
    # adjustments (issue 15 item 3)
    VIEW_ADJUST = "view_adjust"
    ADJUST = "adjust"  # propose (a store manager: their stores' members), reverse
    APPROVE_ADJUST = "approve_adjust"  # approve/refuse another user's pending one
    # program versions (issue 15 item 6)
    VIEW_PROGRAMS = "view_programs"
    CHECK_PROGRAM = "check_program"  # upload, check and diff a file
    PUBLISH_PROGRAM = "publish_program"


GRANTS: dict[str, frozenset[Perm]] = {
    ADMIN: frozenset(Perm),
    # contacts members for campaigns (the segments' suggested messages): needs the phone
    MARKETING: frozenset({Perm.VIEW_MEMBERS, Perm.SEE_PHONE}),
    FINANCE: frozenset({Perm.VIEW_MEMBERS, Perm.VIEW_LOG}),
    # a lost card at the counter: the manager blocks it, in their own stores only
    STORE_MANAGER: frozenset({Perm.VIEW_MEMBERS, Perm.BLOCK}),
    AUDITOR: frozenset({Perm.VIEW_MEMBERS, Perm.VIEW_LOG}),  # read-only: no POST but sign-out
}
# adjustments: finance fixes balances; a store manager proposes for their stores only
GRANTS[FINANCE] |= {Perm.VIEW_ADJUST, Perm.ADJUST, Perm.APPROVE_ADJUST}
GRANTS[STORE_MANAGER] |= {Perm.VIEW_ADJUST, Perm.ADJUST}
GRANTS[AUDITOR] |= {Perm.VIEW_ADJUST}
# programs: admin publishes; marketing checks drafts; store managers see none (403)
GRANTS[MARKETING] |= {Perm.VIEW_PROGRAMS, Perm.CHECK_PROGRAM}
GRANTS[FINANCE] |= {Perm.VIEW_PROGRAMS}
GRANTS[AUDITOR] |= {Perm.VIEW_PROGRAMS}
READ_ONLY = frozenset({AUDITOR})


def can(role: str, perm: Perm) -> bool:
    return perm in GRANTS.get(role, frozenset())
