"""The SDXorg test-models conformance suite, run on both engines (``make conformance``)."""
