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
    # stores and their tills (issue 15 item 4): health, enroll (admin), revoke
    VIEW_STORES = "view_stores"
    ENROLL_TILL = "enroll_till"
    REVOKE_TILL = "revoke_till"
    # staff managed at HQ (issue 15 item 4): a store manager, their stores' staff only
    VIEW_STAFF = "view_staff"
    MANAGE_STAFF = "manage_staff"  # add, reset a PIN, disable/enable
    # reports (issue 15 item 7): every role; a store manager sees their stores only
    VIEW_REPORTS = "view_reports"
    # campaigns (issue 15 item 5): a store manager sees their stores' figures only
    VIEW_CAMPAIGNS = "view_campaigns"
    RUN_CAMPAIGN = "run_campaign"  # preview and issue


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
for _role in (MARKETING, FINANCE, STORE_MANAGER, AUDITOR):
    GRANTS[_role] |= {Perm.VIEW_REPORTS}
# campaigns: marketing (and admin) run them; the others read
GRANTS[MARKETING] |= {Perm.VIEW_CAMPAIGNS, Perm.RUN_CAMPAIGN}
for _role in (FINANCE, STORE_MANAGER, AUDITOR):
    GRANTS[_role] |= {Perm.VIEW_CAMPAIGNS}
# staff: a store manager runs their stores' tills' staff; the auditor reads the lists
GRANTS[STORE_MANAGER] |= {Perm.VIEW_STAFF, Perm.MANAGE_STAFF}
GRANTS[AUDITOR] |= {Perm.VIEW_STAFF}
# tills: admin enrolls; a store manager revokes a lost or stolen till of their stores at
# once (not waiting for HQ), and HQ's admin enrolls its replacement; the auditor reads
GRANTS[STORE_MANAGER] |= {Perm.VIEW_STORES, Perm.REVOKE_TILL}
GRANTS[AUDITOR] |= {Perm.VIEW_STORES}
READ_ONLY = frozenset({AUDITOR})


def can(role: str, perm: Perm) -> bool:
    return perm in GRANTS.get(role, frozenset())
