"""Who may do what at the event: the roles and a signed-in user.

Roles:
- organiser: everything.
- timekeeper: the timing review, corrections, every car's private data, the alerts board.
- marshal: records passages at controls (the marshal's phone page).
- mechanic: the alerts board (mechanics and the sweep go to cars in trouble).
- crew: its own car's private data only (the user's `start_no`).
- photographer: uploads photos, sets the camera's offset, reviews the doubtful matches.
- scrutineer: the scrutineering checklist of each car at the start, and marking a car started.

The public has no account: it sees the public pages and, once published, the results.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("organiser", "timekeeper", "marshal", "mechanic", "crew", "photographer", "scrutineer")
ROLE_LABELS = {
    "organiser": "Organiser",
    "timekeeper": "Timekeeper",
    "marshal": "Marshal",
    "mechanic": "Mechanic / sweep",
    "crew": "Crew",
    "photographer": "Photographer",
    "scrutineer": "Scrutineer",
}


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    start_no: int | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def has_role(self, *roles: str) -> bool:
        """True if the user holds one of `roles`; the organiser holds every role."""
        return self.role == "organiser" or self.role in roles
