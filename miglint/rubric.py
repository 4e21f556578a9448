"""The seed playbook's seven rubric dimensions (5 points each, 35 in all)."""

from __future__ import annotations

import enum


class Dimension(enum.StrEnum):
    """A rubric dimension a rule's findings count against."""

    BACKWARD_COMPATIBILITY = "backward-compatibility"
    ROLLBACK_PLAN = "rollback-plan"
    ZERO_DOWNTIME = "zero-downtime"
    DATA_VALIDATION = "data-validation"
    MONITORING = "monitoring"
    TESTING = "testing"
    DOCUMENTATION = "documentation"
