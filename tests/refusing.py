"""Refusals as a person reads them: the reason the core gave, in the words `render.refusals` has for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.domain.approval import ApprovalPolicy
from bot.errors import Refusal, Why
from bot.render.refusals import explain


def refusal_of(call: Callable[..., Any], *args: Any, policy: ApprovalPolicy | None = None) -> tuple[Why, str]:
    """Call, expecting a Refusal; its reason and its words."""
    with pytest.raises(Refusal) as refused:
        call(*args)
    return refused.value.why, explain(refused.value, policy)


def words_of(call: Callable[..., Any], *args: Any, policy: ApprovalPolicy | None = None) -> str:
    """Call, expecting a Refusal; its words."""
    return refusal_of(call, *args, policy=policy)[1]
