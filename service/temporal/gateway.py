"""Connecting to Temporal the same way from the API, the worker and the tools."""

from __future__ import annotations

from temporalio.client import Client

from service.core.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_target(), namespace=settings.temporal_namespace)
