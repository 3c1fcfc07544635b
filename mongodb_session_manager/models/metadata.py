"""Session metadata: free-form by default, typed when the application declares fields."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Metadata(BaseModel):
    """Base class for an application's typed session metadata.

    Extra fields are allowed, so declaring a few fields validates those and keeps
    everything else::

        class TicketMetadata(Metadata):
            customer_id: str
            priority: Literal["low", "high"] = "low"
    """

    model_config = ConfigDict(extra="allow")
