"""The Gong client: status codes become typed results and errors, and the number never leaks into them."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from bot.adapters.gong import GongClient, parse_retry_after
from bot.domain.target import TargetKind
from bot.errors import GongRateLimited, GongRejected, GongUnavailable

E164 = "+14255552671"


def client_answering(status: int, body: object = None, headers: dict[str, str] | None = None,
                     raw: bytes | None = None) -> tuple[GongClient, list[httpx.Request]]:  # fmt: skip
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        content = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        return httpx.Response(status, content=content, headers=headers)

    return GongClient("https://gong.example", "key", "secret", transport=httpx.MockTransport(server)), seen


def test_erase_sends_the_number_in_the_query_with_basic_auth_and_no_body() -> None:
    """The erase is a POST with the number URL-encoded in the query, Basic auth and no body."""
    client, seen = client_answering(200, {"requestId": "abc"})
    accepted = client.erase(TargetKind.PHONE, E164)
    assert accepted.request_id == "abc" and accepted.status == 200
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/v2/data-privacy/erase-data-for-phone-number"
    assert request.url.params["phoneNumber"] == E164
    assert b"%2B1425" in request.url.raw_path  # the + is URL-encoded, not turned into a space
    assert request.content == b""
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"key:secret").decode()


def test_200_without_json_is_still_accepted() -> None:
    """A 2xx whose body is not JSON still means Gong took the request (no requestId)."""
    client, _ = client_answering(200, raw=b"<html>ok</html>")
    assert client.erase(TargetKind.PHONE, E164).request_id is None


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_final_and_carry_gongs_errors(status: int) -> None:
    """400/401/403/404 are final, carrying Gong's requestId and its errors with the number removed."""
    client, _ = client_answering(status, {"requestId": "r1", "errors": [f"bad number {E164}"]})
    with pytest.raises(GongRejected) as rejected:
        client.erase(TargetKind.PHONE, E164)
    assert rejected.value.status == status and rejected.value.request_id == "r1"
    assert rejected.value.errors == ("bad number [number removed]",)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(status: int) -> None:
    """5xx answers are passing failures, with Gong's errors kept."""
    client, _ = client_answering(status, {"requestId": "r2", "errors": ["oops"]})
    with pytest.raises(GongUnavailable) as unavailable:
        client.erase(TargetKind.PHONE, E164)
    assert unavailable.value.status == status and unavailable.value.errors == ("oops",)


def test_429_carries_retry_after() -> None:
    """A 429 carries the Retry-After Gong asked for, in seconds."""
    client, _ = client_answering(429, {"errors": ["limit"]}, {"Retry-After": "7"})
    with pytest.raises(GongRateLimited) as limited:
        client.erase(TargetKind.PHONE, E164)
    assert limited.value.retry_after == 7.0


@pytest.mark.parametrize("error", [httpx.ConnectError("boom"), httpx.ReadTimeout("slow")])
def test_transport_errors_become_unavailable_without_the_url(error: Exception) -> None:
    """httpx exceptions carry the URL with the number; ours must not."""

    def server(request: httpx.Request) -> httpx.Response:
        raise error

    client = GongClient("https://gong.example", "k", "s", transport=httpx.MockTransport(server))
    with pytest.raises(GongUnavailable) as unavailable:
        client.erase(TargetKind.PHONE, E164)
    assert "4255552671" not in str(unavailable.value) and unavailable.value.__cause__ is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5", 5.0), ("0", 0.0), (None, None), ("soon", None), ("-3", None),
     ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0), ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0)],
)  # fmt: skip
def test_retry_after_as_seconds_or_http_date(value: str | None, seconds: float | None) -> None:
    """Retry-After is read as seconds or as an HTTP-date; anything else is unreadable (None)."""
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert parse_retry_after(value, now=now) == seconds


def test_email_erase_goes_to_its_own_endpoint_with_the_address_in_the_query() -> None:
    """erase-data-for-email-address?emailAddress=…, POST, no body; the + of a sub-address survives."""
    client, seen = client_answering(200, {"requestId": "e1"})
    assert client.erase(TargetKind.EMAIL, "jane.doe+dsr@example.com").request_id == "e1"
    request = seen[0]
    assert (request.method, request.url.path) == ("POST", "/v2/data-privacy/erase-data-for-email-address")
    assert request.url.params["emailAddress"] == "jane.doe+dsr@example.com" and request.content == b""


def test_lookup_summarises_what_gong_holds_with_masked_values_only() -> None:
    """data-for-phone-number → counts per kind and CRM system; matching numbers and addresses come back masked."""
    body = {
        "requestId": "look-1",
        "calls": [{"id": "1"}, {"id": "2"}],
        "emails": [{"id": "m"}],
        "customerData": [{"system": "Salesforce", "objects": [{"objectType": "Lead"}, {"objectType": "Contact"}]}],
        "matchingPhoneNumbers": [E164, "+1 (425) 555-2671"],
        "emailAddresses": ["Jane.Doe@Example.com"],
    }
    client, seen = client_answering(200, body)
    found = client.lookup(TargetKind.PHONE, E164)
    assert (seen[0].method, seen[0].url.path) == ("GET", "/v2/data-privacy/data-for-phone-number")
    assert seen[0].url.params["phoneNumber"] == E164
    held = found.holdings
    assert (held.calls, held.emails, held.meetings, found.request_id) == (2, 1, 0, "look-1")
    assert [(r.system, r.leads, r.contacts) for r in held.crm] == [("Salesforce", 1, 1)]
    assert held.matching_number_count == 2 and held.email_address_count == 1
    stored = held.to_json()
    assert "4255552671" not in stored and "555-2671" not in stored and "jane.doe" not in stored.lower()
    assert held.email_addresses == ("j•••@example.com",)


@pytest.mark.parametrize(
    "body",
    [{"requestId": "x"}, {"calls": None, "emails": "no", "customerData": [None, {"objects": None}]}, [], "text"],
    ids=["lists-omitted", "nulls-and-junk", "a-list", "a-string"],
)
def test_lookup_of_nothing_or_partial_data_is_empty_not_an_error(body: object) -> None:
    """A lookup answer with nothing, or with lists left out, is an empty holding, not an error."""
    client, _ = client_answering(200, body)
    assert client.lookup(TargetKind.EMAIL, "jane@example.com").holdings.empty


def test_lookup_that_is_not_json_is_a_passing_failure() -> None:
    """A lookup answer that is not JSON is a passing failure, to be retried."""
    client, _ = client_answering(200, raw=b"<html>oops</html>")
    with pytest.raises(GongUnavailable):
        client.lookup(TargetKind.PHONE, E164)


def test_an_address_gong_echoes_url_encoded_is_removed_from_its_errors() -> None:
    """Gong's 400 quoting `emailAddress=zed.person%40example.org`: the error kept and shown has no address."""
    client, _ = client_answering(
        400, {"requestId": "r9", "errors": ["No data for emailAddress=zed.person%40example.org"]}
    )
    with pytest.raises(GongRejected) as rejected:
        client.erase(TargetKind.EMAIL, "zed.person@example.org")
    assert rejected.value.errors == ("No data for emailAddress=[address removed]",)
