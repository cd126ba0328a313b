"""Province-scale benchmarks: `python -m benchmarks [--quick] [--only PART]` (see README.md)."""
