"""Developer benchmarks, not part of the test run: ``python -m builder.bench`` (a generated
library, every command) and ``python -m builder.bench.limits`` (the largest inputs)."""
