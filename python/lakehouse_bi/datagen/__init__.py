"""Deterministic sample data for the landing zone (`lakehouse-bi generate`)."""

from lakehouse_bi.datagen.config import SCENARIOS, GenerationConfig, resolve_config
from lakehouse_bi.datagen.generator import generate_landing, plan_generation

__all__ = ["SCENARIOS", "GenerationConfig", "generate_landing", "plan_generation", "resolve_config"]
