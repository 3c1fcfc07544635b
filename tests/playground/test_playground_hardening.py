"""The playground's share of the web hardening: Host check, bounded errors, typed errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_the_playground_refuses_a_foreign_host_and_bounds_errors(
    start_playground: Callable[..., Any],
) -> None:
    live = start_playground()
    with live.client() as http:
        assert http.get("/api/config").status_code == 200
        foreign = http.get("/api/config", headers={"Host": "evil.example"})
        assert foreign.status_code == 400 and foreign.json()["error"] == "invalid_host"
        refused = http.post(
            "/api/sessions/s1/messages", json={"text": "x"}, headers={"Host": "evil.example"}
        )
        assert refused.status_code == 400
        big = http.post("/api/sessions/s1/messages", json={"text": "y" * 200_000})
        assert big.status_code == 422 and len(big.content) < 5_000
        many = "&".join(["a=1"] * 10_000)  # 10,000 parameters within the URL length limit
        assert http.get(f"/api/config?{many}").status_code == 422


def test_hostile_feedback_and_ids_are_typed_errors(start_playground: Callable[..., Any]) -> None:
    live = start_playground()
    with live.client() as http:
        for message_id in (10**19, 2**31, -1, 1.5, "12345678901234567890"):
            response = http.post(
                "/api/sessions/s1/feedback", json={"message_id": message_id, "rating": "up"}
            )
            assert response.status_code == 422, message_id
            assert "message_id" in response.json()["detail"]
        for raw in ("%00", "a%0Ab", "x" * 300):
            response = http.get(f"/api/sessions/{raw}")
            assert response.status_code == 422, raw
            assert len(response.content) < 2_000
