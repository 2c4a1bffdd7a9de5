"""vmap's machinery: the rule table, playing a program on a batch, nesting.

``rules`` holds the table (``batch_rules[prim]``) and the generic rules; it
imports nothing above ``primitive.py``, so each primitive's block fills it.
``interpret`` traces one example and plays its program on a whole batch (or
runs the compiled scalar path); ``nested`` records a vmapped call under an
outer transform, with ``vmap`` handed in. The public ``vmap`` is ``vmap.py``.
"""
