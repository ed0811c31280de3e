"""Seed data: the loader for seed files (the contract, docs/contract.md §2) and the demo centre shipped with the package."""

from pathlib import Path

from models.seed.loader import Counts, SeedError, SeedReport, load_seed, load_seed_file

DEMO_SEED = Path(__file__).with_name("demo.yaml")

__all__ = ["DEMO_SEED", "Counts", "SeedError", "SeedReport", "load_seed", "load_seed_file"]
