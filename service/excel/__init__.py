"""Excel in and out: all-or-nothing imports with a per-cell report, styled exports, empty templates."""
