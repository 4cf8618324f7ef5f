"""Country- and sector-specific managed data identifiers, one module per family.

:mod:`macie_notify.detect.managed` evaluates these with the same :class:`~.rule.Rule`
semantics as its own (credentials, cards, bank accounts, US identifiers).
"""

from __future__ import annotations

from dataclasses import replace

from macie_notify.detect.mdis.americas import AMERICAS_RULES
from macie_notify.detect.mdis.asia_pacific import ASIA_PACIFIC_RULES
from macie_notify.detect.mdis.europe import EUROPE_RULES
from macie_notify.detect.mdis.licences import LICENCE_RULES
from macie_notify.detect.mdis.phones import PHONE_RULES
from macie_notify.detect.mdis.us_health import US_HEALTH_RULES
from macie_notify.detect.rule import Rule

_ALL: tuple[Rule, ...] = (
    *EUROPE_RULES,
    *AMERICAS_RULES,
    *ASIA_PACIFIC_RULES,
    *LICENCE_RULES,
    *PHONE_RULES,
    *US_HEALTH_RULES,
)

# Keyword-gated shapes are found with ``re`` in the regions after their keywords; Hyperscan
# would only serve the rare buffer whose CSV header or JSON key holds the keyword, and
# compiling these ~90 digit-and-separator shapes takes it seconds (see Rule.prefilter).
REGIONAL_RULES: tuple[Rule, ...] = tuple(
    replace(rule, prefilter=False) if rule.keywords and not rule.yields_to else rule
    for rule in _ALL
)
