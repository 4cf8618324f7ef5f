"""Reading Macie findings back: filters, fast retrieval, statistics, following.

* :mod:`.criteria`: user filters -> ``findingCriteria`` / ``sortCriteria`` (pure).
* :mod:`.retrieval`: paged ListFindings feeding concurrent GetFindings batches, order
  preserved, large queries partitioned; never more than ``ceil(N / 50)`` GetFindings.
* :mod:`.tail`: the cursor, checkpoint file and poller behind ``findings --tail``.
* :mod:`.event`: one finding from a file, an event or GetFindings, as the notifier sees it.
* :mod:`.present`: table columns, CSV rows and the occurrences of a finding.

Everything here returns API-shaped dicts and receives its macie2 client; nothing prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# ``findings stats --group-by`` -> GetFindingStatistics groupBy (the model's complete enum).
GROUP_BY = {
    "type": "type",
    "severity": "severity.description",
    "bucket": "resourcesAffected.s3Bucket.name",
    "job": "classificationDetails.jobId",
}


def statistics(macie2: Any, criteria: Mapping[str, Any], group_by: str) -> list[dict[str, Any]]:
    """Counts of matching findings per group, largest first: ``[{"groupKey", "count"}]``."""
    response = macie2.get_finding_statistics(
        findingCriteria=dict(criteria),
        groupBy=GROUP_BY[group_by],
        sortCriteria={"attributeName": "count", "orderBy": "DESC"},
    )
    return [
        {"groupKey": row.get("groupKey"), "count": int(row.get("count") or 0)}
        for row in response.get("countsByGroup") or []
    ]
