"""macie2 handlers for allow lists, results export, reveal, automated discovery, statistics,
resource search and usage (the models live in their own modules; these adapt them to the
API's inputs and outputs)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from macie_notify.local.macie2 import paging, reveal
from macie_notify.local.macie2.exceptions import (
    AccessDeniedException,
    ResourceNotFoundException,
    ValidationException,
)
from macie_notify.local.macie2.handlers import Handler, Params, empty_output
from macie_notify.local.macie2.models import Macie2Backend
from macie_notify.local.macie2.shapes import now_iso

# -- allow lists -----------------------------------------------------------------------


def _create_allow_list(b: Macie2Backend, p: Params) -> Any:
    def make() -> Any:
        item = b.allow_lists.create(p)
        return {"arn": item["arn"], "id": item["id"]}

    return b.idempotent("CreateAllowList", p.get("clientToken"), make)


def _get_allow_list(b: Macie2Backend, p: Params) -> Any:
    item = b.allow_lists.get(p["id"])
    return {**item, "status": b.allow_lists.status(item, b.object_reader())}


def _update_allow_list(b: Macie2Backend, p: Params) -> Any:
    item = b.allow_lists.update(p)
    return {"arn": item["arn"], "id": item["id"]}


def _delete_allow_list(b: Macie2Backend, p: Params) -> Any:
    ignore = str(p.get("ignoreJobChecks") or "false").lower() == "true"
    b.allow_lists.delete(p["id"], b.jobs_using_allow_list(p["id"]), ignore)
    return {}


def _list_allow_lists(b: Macie2Backend, p: Params) -> Any:
    page, token = paging.page_of(
        b.allow_lists.summaries(), "ListAllowLists", [], p, default=100, cap=1000
    )
    return {"allowLists": page, "nextToken": token}


# -- classification export configuration -----------------------------------------------


def _put_export(b: Macie2Backend, p: Params) -> Any:
    configuration = dict(p["configuration"])
    destination = configuration.get("s3Destination")
    if destination:
        source = b.registry.s3_client
        if source is not None:
            client = source(b.account_id, b.region)
            try:
                client.head_bucket(Bucket=destination["bucketName"])
            except client.exceptions.ClientError as exc:
                raise ValidationException(
                    f"The bucket {destination['bucketName']} doesn't exist or isn't accessible."
                ) from exc
    b.export_configuration = configuration
    return {"configuration": configuration}


# -- reveal ----------------------------------------------------------------------------


def _update_reveal(b: Macie2Backend, p: Params) -> Any:
    b.reveal = reveal.update_configuration(b.reveal, p)
    return b.reveal


def _finding(b: Macie2Backend, finding_id: str) -> dict[str, Any]:
    if finding_id not in b.findings:
        raise ResourceNotFoundException(f"The finding {finding_id} doesn't exist.")
    found: dict[str, Any] = json.loads(b.findings.store.json_text(finding_id))
    return found


def _object_bytes(b: Macie2Backend, finding: Mapping[str, Any]) -> bytes | None:
    obj = (finding.get("resourcesAffected") or {}).get("s3Object") or {}
    bucket = str(obj.get("bucketArn") or "").rsplit(":", 1)[-1]
    if not bucket or not obj.get("key"):
        return None
    try:
        return b.registry.read_object(b.account_id, b.region, bucket, str(obj["key"]))
    except KeyError:
        return None


def _availability(b: Macie2Backend, p: Params) -> Any:
    finding = _finding(b, p["findingId"])
    return reveal.availability(finding, _object_bytes(b, finding))


def _occurrences(b: Macie2Backend, p: Params) -> Any:
    if b.reveal["configuration"]["status"] != "ENABLED":
        raise AccessDeniedException(
            "Retrieving occurrences of sensitive data isn't enabled for the account."
        )
    finding = _finding(b, p["findingId"])
    data = _object_bytes(b, finding)
    checked = reveal.availability(finding, data)
    if checked["code"] != "AVAILABLE" or data is None:
        return {"status": "ERROR", "error": ", ".join(checked["reasons"])}
    custom = {c["arn"]: c for c in b.identifiers.values()}
    found = reveal.occurrences(finding, data, custom)
    if not found:
        return {"status": "ERROR", "error": "No occurrences could be located in the object."}
    return {"status": "SUCCESS", "sensitiveDataOccurrences": found}


# -- automated discovery ---------------------------------------------------------------


def _batch_discovery_accounts(b: Macie2Backend, p: Params) -> Any:
    org = b.registry.organization(b.region)
    known = {b.account_id, *org.associated(b.account_id)}
    errors = []
    for item in p.get("accounts") or []:
        account = str(item.get("accountId"))
        if account not in known:
            errors.append({"accountId": account, "errorCode": "ACCOUNT_NOT_FOUND"})
            continue
        other = b.registry.get(account, b.region)
        if (other.session or {}).get("status") == "PAUSED":
            errors.append({"accountId": account, "errorCode": "ACCOUNT_PAUSED"})
            continue
        b.discovery.accounts[account] = str(item.get("status") or "ENABLED")
    return {"errors": errors}


def _list_discovery_accounts(b: Macie2Backend, p: Params) -> Any:
    org = b.registry.organization(b.region)
    accounts = [b.account_id, *org.associated(b.account_id)]
    wanted = set(p.get("accountIds") or accounts)
    default = b.discovery.status
    items = [
        {"accountId": a, "status": b.discovery.accounts.get(a, default)}
        for a in accounts
        if a in wanted
    ]
    page, token = paging.page_of(
        items, "ListAutomatedDiscoveryAccounts", sorted(wanted), p, default=100, cap=1000
    )
    return {"items": page, "nextToken": token}


def _update_template(b: Macie2Backend, p: Params) -> Any:
    includes = p.get("includes") or {}
    for cid in includes.get("customDataIdentifierIds") or []:
        b.get_identifier(cid)
    for list_id in includes.get("allowListIds") or []:
        b.allow_lists.get(list_id)
    b.discovery.update_template(p["id"], p)
    return {}


def _bucket_name(b: Macie2Backend, arn: str) -> str:
    name = arn.rsplit(":", 1)[-1]
    if not arn.startswith("arn:aws:s3:::") or name not in {m["bucketName"] for m in _buckets(b)}:
        raise ResourceNotFoundException(f"The resource {arn} doesn't exist.")
    return name


def _profile(b: Macie2Backend, p: Params) -> Any:
    return b.discovery.profile(_bucket_name(b, p["resourceArn"]))


def _profile_detections(b: Macie2Backend, p: Params) -> Any:
    name = _bucket_name(b, p["resourceArn"])
    rows = b.discovery.detections(name, lambda cid: b.arn("custom-data-identifier", cid))
    page, token = paging.page_of(
        rows, "ListResourceProfileDetections", [p["resourceArn"]], p, default=100, cap=1000
    )
    return {"detections": page, "nextToken": token}


def _profile_artifacts(b: Macie2Backend, p: Params) -> Any:
    rows = b.discovery.artifacts(_bucket_name(b, p["resourceArn"]))
    page, token = paging.paginate(
        rows, "ListResourceProfileArtifacts", [p["resourceArn"]], p.get("nextToken"), 100
    )
    return {"artifacts": page, "nextToken": token}


def _update_profile(b: Macie2Backend, p: Params) -> Any:
    b.discovery.override_score(_bucket_name(b, p["resourceArn"]), p.get("sensitivityScoreOverride"))
    return {}


def _update_profile_detections(b: Macie2Backend, p: Params) -> Any:
    b.discovery.suppress(
        _bucket_name(b, p["resourceArn"]), list(p.get("suppressDataIdentifiers") or [])
    )
    return {}


# -- bucket statistics, search and usage -----------------------------------------------


def _buckets(b: Macie2Backend, account: str | None = None) -> list[dict[str, Any]]:
    source = b.registry.bucket_source
    return source(account or b.account_id, b.region) if source is not None else []


def _bucket_statistics(b: Macie2Backend, p: Params) -> Any:
    buckets = _buckets(b, p.get("accountId"))
    by_sensitivity: dict[str, dict[str, int]] = {
        k: {
            "classifiableSizeInBytes": 0,
            "publiclyAccessibleCount": 0,
            "totalCount": 0,
            "totalSizeInBytes": 0,
        }
        for k in ("classificationError", "notClassified", "notSensitive", "sensitive")
    }
    for meta in buckets:
        score = b.discovery.profile(meta["bucketName"])["sensitivityScore"]
        group = by_sensitivity[
            "notClassified" if score == 50 else "sensitive" if score > 50 else "notSensitive"
        ]
        group["totalCount"] += 1
        group["totalSizeInBytes"] += int(meta.get("sizeInBytes") or 0)
        group["classifiableSizeInBytes"] += int(meta.get("classifiableSizeInBytes") or 0)
        if (meta.get("publicAccess") or {}).get("effectivePermission") == "PUBLIC":
            group["publiclyAccessibleCount"] += 1

    def count(predicate: Callable[[Mapping[str, Any]], bool]) -> int:
        return sum(1 for m in buckets if predicate(m))

    def permission(m: Mapping[str, Any]) -> str:
        return str((m.get("publicAccess") or {}).get("effectivePermission"))

    def encryption(m: Mapping[str, Any]) -> str:
        return str((m.get("serverSideEncryption") or {}).get("type"))

    return {
        "bucketCount": len(buckets),
        "bucketCountByEffectivePermission": {
            "publiclyAccessible": count(lambda m: permission(m) == "PUBLIC"),
            "publiclyReadable": count(lambda m: permission(m) == "PUBLIC"),
            "publiclyWritable": 0,
            "unknown": count(lambda m: permission(m) == "UNKNOWN"),
        },
        "bucketCountByEncryptionType": {
            "kmsManaged": count(lambda m: encryption(m).startswith("aws:kms")),
            "s3Managed": count(lambda m: encryption(m) == "AES256"),
            "unencrypted": count(lambda m: encryption(m) == "NONE"),
            "unknown": count(
                lambda m: encryption(m) not in ("AES256", "NONE", "aws:kms", "aws:kms:dsse")
            ),
        },
        "bucketCountByObjectEncryptionRequirement": {
            "allowsUnencryptedObjectUploads": count(
                lambda m: m.get("allowsUnencryptedObjectUploads") == "TRUE"
            ),
            "deniesUnencryptedObjectUploads": count(
                lambda m: m.get("allowsUnencryptedObjectUploads") == "FALSE"
            ),
            "unknown": count(lambda m: m.get("allowsUnencryptedObjectUploads") == "UNKNOWN"),
        },
        "bucketCountBySharedAccessType": {
            "external": count(lambda m: m.get("sharedAccess") == "EXTERNAL"),
            "internal": count(lambda m: m.get("sharedAccess") == "INTERNAL"),
            "notShared": count(lambda m: m.get("sharedAccess") == "NOT_SHARED"),
            "unknown": count(lambda m: m.get("sharedAccess") == "UNKNOWN"),
        },
        "bucketStatisticsBySensitivity": by_sensitivity,
        "classifiableObjectCount": sum(int(m.get("classifiableObjectCount") or 0) for m in buckets),
        "classifiableSizeInBytes": sum(int(m.get("classifiableSizeInBytes") or 0) for m in buckets),
        "lastUpdated": now_iso(),
        "objectCount": sum(int(m.get("objectCount") or 0) for m in buckets),
        "sizeInBytes": sum(int(m.get("sizeInBytes") or 0) for m in buckets),
        "sizeInBytesCompressed": sum(int(m.get("sizeInBytesCompressed") or 0) for m in buckets),
        "unclassifiableObjectCount": {"fileType": 0, "storageClass": 0, "total": 0},
        "unclassifiableObjectSizeInBytes": {"fileType": 0, "storageClass": 0, "total": 0},
    }


_SEARCH_SORT = {
    "ACCOUNT_ID": "accountId",
    "RESOURCE_NAME": "bucketName",
    "S3_CLASSIFIABLE_OBJECT_COUNT": "classifiableObjectCount",
    "S3_CLASSIFIABLE_SIZE_IN_BYTES": "classifiableSizeInBytes",
}


def _search_value(b: Macie2Backend, meta: Mapping[str, Any], key: str) -> str:
    return {
        "ACCOUNT_ID": str(meta.get("accountId")),
        "S3_BUCKET_NAME": str(meta.get("bucketName")),
        "S3_BUCKET_EFFECTIVE_PERMISSION": str(
            (meta.get("publicAccess") or {}).get("effectivePermission")
        ),
        "S3_BUCKET_SHARED_ACCESS": str(meta.get("sharedAccess")),
        "AUTOMATED_DISCOVERY_MONITORING_STATUS": _monitoring(b, str(meta.get("bucketName"))),
    }.get(key, "")


def _monitoring(b: Macie2Backend, name: str) -> str:
    enabled = b.discovery.status == "ENABLED" and name not in b.discovery.scope_excludes
    return "MONITORED" if enabled else "NOT_MONITORED"


def _search_term(b: Macie2Backend, meta: Mapping[str, Any], term: Mapping[str, Any]) -> bool:
    if "tagCriterion" in term:
        tag = term["tagCriterion"]
        have = {(t["key"], t["value"]) for t in meta.get("tags") or []}
        keys = {t["key"] for t in meta.get("tags") or []}
        hit = any(
            (p.get("key"), p.get("value")) in have if p.get("value") else p.get("key") in keys
            for p in tag.get("tagValues") or []
        )
        return hit if tag.get("comparator", "EQ") == "EQ" else not hit
    simple = term.get("simpleCriterion") or {}
    value = _search_value(b, meta, str(simple.get("key")))
    wanted = [str(v) for v in simple.get("values") or []]
    comparator = simple.get("comparator", "EQ")
    if comparator == "STARTS_WITH":
        return any(value.startswith(w) for w in wanted)
    hit = value in wanted
    return hit if comparator == "EQ" else not hit


def _search(b: Macie2Backend, p: Params) -> Any:
    criteria = p.get("bucketCriteria") or {}
    includes = (criteria.get("includes") or {}).get("and") or []
    excludes = (criteria.get("excludes") or {}).get("and") or []
    org = b.registry.organization(b.region)
    buckets = [m for a in [b.account_id, *org.associated(b.account_id)] for m in _buckets(b, a)]
    selected = [
        m
        for m in buckets
        if all(_search_term(b, m, t) for t in includes)
        and not (excludes and all(_search_term(b, m, t) for t in excludes))
    ]
    sort = p.get("sortCriteria") or {}
    attribute = _SEARCH_SORT.get(str(sort.get("attributeName") or "RESOURCE_NAME"), "bucketName")
    selected.sort(
        key=lambda m: (m.get(attribute) or 0, m["bucketName"]),
        reverse=sort.get("orderBy") == "DESC",
    )
    rows = [{"matchingBucket": _matching(b, m)} for m in selected]
    query = [p.get("bucketCriteria"), p.get("sortCriteria")]
    page, token = paging.page_of(rows, "SearchResources", query, p, default=50, cap=50)
    return {"matchingResources": page, "nextToken": token}


def _matching(b: Macie2Backend, meta: Mapping[str, Any]) -> dict[str, Any]:
    name = str(meta["bucketName"])
    profile = b.discovery.profile(name)
    keys = (
        "accountId",
        "bucketName",
        "classifiableObjectCount",
        "classifiableSizeInBytes",
        "jobDetails",
        "objectCount",
        "objectCountByEncryptionType",
        "sizeInBytes",
        "sizeInBytesCompressed",
        "unclassifiableObjectCount",
        "unclassifiableObjectSizeInBytes",
    )
    scans = b.discovery.bucket_scans(name)
    return {
        **{k: meta[k] for k in keys if k in meta},
        "automatedDiscoveryMonitoringStatus": _monitoring(b, name),
        "lastAutomatedDiscoveryTime": max((s.at for s in scans), default=None),
        "sensitivityScore": profile["sensitivityScore"],
    }


def _usage_records(b: Macie2Backend) -> list[dict[str, Any]]:
    org = b.registry.organization(b.region)
    records = []
    for account in [b.account_id, *org.associated(b.account_id)]:
        backend = b if account == b.account_id else b.registry.get(account, b.region)
        session = backend.session or {}
        usage = backend.discovery.usage(len(_buckets(b, account)))
        for item in usage:
            item["serviceLimit"] = {"isServiceLimited": False, "unit": "TERABYTES", "value": 50}
        records.append(
            {
                "accountId": account,
                "automatedDiscoveryFreeTrialStartDate": backend.discovery.first_enabled_at,
                "freeTrialStartDate": session.get("createdAt"),
                "usage": usage,
            }
        )
    return records


def _usage_statistics(b: Macie2Backend, p: Params) -> Any:
    records = _usage_records(b)
    for term in p.get("filterBy") or []:
        records = [r for r in records if _usage_term(r, term)]
    sort = p.get("sortBy") or {}
    key = str(sort.get("key") or "accountId")
    records.sort(key=lambda r: _usage_key(r, key), reverse=sort.get("orderBy") == "DESC")
    query = [p.get("filterBy"), p.get("sortBy"), p.get("timeRange")]
    page, token = paging.page_of(records, "GetUsageStatistics", query, p, default=50, cap=50)
    return {"nextToken": token, "records": page, "timeRange": p.get("timeRange") or "PAST_30_DAYS"}


def _usage_key(record: Mapping[str, Any], key: str) -> Any:
    if key == "total":
        return sum(float(u["estimatedCost"]) for u in record["usage"])
    if key == "serviceLimitValue":
        return 50
    if key == "freeTrialStartDate":
        return str(record.get("freeTrialStartDate") or "")
    return str(record["accountId"])


def _usage_term(record: Mapping[str, Any], term: Mapping[str, Any]) -> bool:
    key, comparator = str(term.get("key")), str(term.get("comparator") or "EQ")
    values = [str(v) for v in term.get("values") or []]
    if key == "accountId":
        hit = record["accountId"] in values
        return hit if comparator == "EQ" else not hit if comparator == "NE" else True
    if key == "total":
        total = sum(float(u["estimatedCost"]) for u in record["usage"])
        bound = float(values[0]) if values else 0.0
        return {
            "GT": total > bound,
            "GTE": total >= bound,
            "LT": total < bound,
            "LTE": total <= bound,
            "EQ": total == bound,
            "NE": total != bound,
        }.get(comparator, True)
    return True


def _usage_totals(b: Macie2Backend, p: Params) -> Any:
    time_range = p.get("timeRange") or "PAST_30_DAYS"
    if time_range not in ("MONTH_TO_DATE", "PAST_30_DAYS"):
        raise ValidationException("timeRange must be MONTH_TO_DATE or PAST_30_DAYS.")
    totals: dict[str, float] = {}
    for record in _usage_records(b):
        for item in record["usage"]:
            totals[item["type"]] = totals.get(item["type"], 0.0) + float(item["estimatedCost"])
    return {
        "timeRange": time_range,
        "usageTotals": [
            {"currency": "USD", "estimatedCost": f"{cost:.6f}", "type": kind}
            for kind, cost in totals.items()
        ],
    }


HANDLERS: dict[str, Handler] = {
    "CreateAllowList": _create_allow_list,
    "GetAllowList": _get_allow_list,
    "UpdateAllowList": _update_allow_list,
    "DeleteAllowList": _delete_allow_list,
    "ListAllowLists": _list_allow_lists,
    "PutClassificationExportConfiguration": _put_export,
    "GetClassificationExportConfiguration": lambda b, p: (
        {"configuration": b.export_configuration} if b.export_configuration else {}
    ),
    "GetRevealConfiguration": lambda b, p: b.reveal,
    "UpdateRevealConfiguration": _update_reveal,
    "GetSensitiveDataOccurrencesAvailability": _availability,
    "GetSensitiveDataOccurrences": _occurrences,
    "GetAutomatedDiscoveryConfiguration": lambda b, p: b.discovery.configuration(),
    "UpdateAutomatedDiscoveryConfiguration": empty_output(
        lambda b, p: b.discovery.update_configuration(p)
    ),
    "BatchUpdateAutomatedDiscoveryAccounts": _batch_discovery_accounts,
    "ListAutomatedDiscoveryAccounts": _list_discovery_accounts,
    "GetClassificationScope": lambda b, p: b.discovery.scope(p["id"]),
    "UpdateClassificationScope": empty_output(
        # s3 is optional in the model: without it the call changes nothing.
        lambda b, p: b.discovery.update_scope(p["id"], p.get("s3") or {})
    ),
    "ListClassificationScopes": lambda b, p: {
        "classificationScopes": [
            {"id": b.discovery.scope_id, "name": b.discovery.scope(b.discovery.scope_id)["name"]}
        ]
        if not p.get("name") or p["name"] == b.discovery.scope(b.discovery.scope_id)["name"]
        else []
    },
    "GetSensitivityInspectionTemplate": lambda b, p: b.discovery.get_template(p["id"]),
    "UpdateSensitivityInspectionTemplate": _update_template,
    "ListSensitivityInspectionTemplates": lambda b, p: {
        "sensitivityInspectionTemplates": [
            {
                "id": b.discovery.template_id,
                "name": b.discovery.get_template(b.discovery.template_id)["name"],
            }
        ]
    },
    "GetResourceProfile": _profile,
    "UpdateResourceProfile": _update_profile,
    "ListResourceProfileDetections": _profile_detections,
    "ListResourceProfileArtifacts": _profile_artifacts,
    "UpdateResourceProfileDetections": _update_profile_detections,
    "GetBucketStatistics": _bucket_statistics,
    "SearchResources": _search,
    "GetUsageStatistics": _usage_statistics,
    "GetUsageTotals": _usage_totals,
}
