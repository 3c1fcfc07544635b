"""boto3, imported only when a hook is built; regions read from ARNs and URLs.

``import mongodb_session_manager`` never imports boto3: the hooks are an optional
extra (``pip install 'mongodb-session-manager[aws]'``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from mongodb_session_manager.errors import InvalidInputError, OptionalDependencyError

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_ARN = re.compile(rf"arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>{_REGION}):\d{{12}}:.+")
# sqs.eu-west-1.amazonaws.com, sqs-fips.us-east-1..., sqs.eu-west-1.localhost.localstack.cloud,
# eu-west-1.queue.amazonaws.com (legacy); queue.amazonaws.com is us-east-1.
_SQS_HOST = re.compile(rf"(?:^|\.)sqs(?:-fips)?\.(?P<region>{_REGION})\.")
_LEGACY_SQS_HOST = re.compile(rf"^(?P<region>{_REGION})\.queue\.amazonaws\.com$")
_EXECUTE_API_HOST = re.compile(rf"\.execute-api\.(?P<region>{_REGION})\.amazonaws\.com$")


def is_boto3_available() -> bool:
    """Whether boto3 can be imported (it is imported to find out)."""
    try:
        import boto3  # noqa: F401
    except ImportError:
        return False
    return True


def require_boto3(feature: str) -> Any:
    """The ``boto3`` module, or :class:`OptionalDependencyError` saying what to install."""
    try:
        import boto3
    except ImportError as exc:
        raise OptionalDependencyError(feature, "boto3", "aws") from exc
    return boto3


def region_from_arn(arn: str) -> str:
    """The region of an ARN such as ``arn:aws:sns:eu-west-1:123456789012:alerts``.

    Raises:
        InvalidInputError: ``arn`` is not an ARN with a region.
    """
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is None:
        raise InvalidInputError(
            f"{arn!r} is not an ARN of the form arn:aws:<service>:<region>:<account>:<name>"
        )
    return match["region"]


def region_from_queue_url(queue_url: str) -> str | None:
    """The region in an SQS queue URL, or None when the host does not name one."""
    host = urlsplit(queue_url).hostname or ""
    if host == "queue.amazonaws.com":
        return "us-east-1"
    match = _SQS_HOST.search(host) or _LEGACY_SQS_HOST.fullmatch(host)
    return match["region"] if match else None


def region_from_execute_api(endpoint_url: str) -> str | None:
    """The region of ``https://<api>.execute-api.<region>.amazonaws.com/<stage>``, else None."""
    match = _EXECUTE_API_HOST.search(urlsplit(endpoint_url).hostname or "")
    return match["region"] if match else None


def is_aws_host(url: str) -> bool:
    """Whether ``url`` points at an amazonaws.com host (else it is LocalStack, moto...)."""
    host = urlsplit(url).hostname or ""
    return host == "amazonaws.com" or host.endswith((".amazonaws.com", ".amazonaws.com.cn"))


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def resolve_region(
    feature: str, derived: str | None, given: str | None, boto3_session: Any | None
) -> str:
    """Pick the region: the one in the resource name, else the one given, else boto3's default.

    Raises:
        InvalidInputError: the given region contradicts the resource's, or none is known.
    """
    if derived and given and derived != given:
        raise InvalidInputError(
            f"{feature}: region_name={given!r} but the resource is in {derived!r}; "
            "a client in another region cannot reach it"
        )
    region = derived or given
    if region is None and boto3_session is not None:
        region = boto3_session.region_name
    if not region:
        raise InvalidInputError(
            f"{feature}: no AWS region: pass region_name=, or set AWS_DEFAULT_REGION"
        )
    return str(region)
