"""Benchmarks of the rule engine against hand-written code and GoRules' zen-engine."""
