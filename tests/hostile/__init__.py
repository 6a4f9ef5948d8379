"""Hostile-input, crash-safety, network-isolation and regex-time tests.

The hostile corpus is generated at test time by ``make_corpus.build_corpus``
(nothing binary is committed).
"""
