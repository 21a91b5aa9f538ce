"""Benchmarks: the performance harness (`make bench`: bench/harness.py), and the SLA clock
and search benchmarks (`make bench-sla`, `make bench-search`), which report ratios against
a baseline measured in the same run. Timers are never asserted in tests."""
