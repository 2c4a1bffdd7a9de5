"""vmap's machinery: the rule table, playing a program on a batch, nesting.

``rules`` holds the table (``batch_rules[prim]``) and the generic rules; it
imports nothing above ``primitive.py``, so each primitive's block fills it.
"""
