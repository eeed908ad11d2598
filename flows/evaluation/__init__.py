"""Evaluation helpers shared by the benchmarks (bench/) and the tests: the synthetic corpus
with planted copies, and the extraction metric over the dev set."""
