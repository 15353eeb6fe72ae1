"""Evaluation of pilot runs: golden sets, metrics, statistics and gates."""
