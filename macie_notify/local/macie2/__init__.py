"""The local macie2 emulator, laid out like a moto service (models / responses / routes)."""

from __future__ import annotations

from macie_notify.local.macie2.models import JobObserver, Listener, Macie2Backend, Macie2Backends
from macie_notify.local.macie2.responses import ENV_ACCOUNT, ENV_REGION, Macie2App

__all__ = [
    "ENV_ACCOUNT",
    "ENV_REGION",
    "JobObserver",
    "Listener",
    "Macie2App",
    "Macie2Backend",
    "Macie2Backends",
]
