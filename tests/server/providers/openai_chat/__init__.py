# A package, so these test modules (test_stream.py, ...) do not clash with
# same-named modules of other providers' tests under pytest's default import mode.
