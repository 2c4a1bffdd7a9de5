"""jit's machinery: the program read from a tape, passes, lowering, the cache.

Nothing here is public; ``tapegrad.jit`` uses it. Each module has one
concern: ``program`` (records, inputs, outputs, guards, read from a
``Tape``), ``passes`` (each a function from program to program),
``spellings`` (jit's table: how each primitive is written, keyed by the
primitive object and filled by its block), ``lower`` (a program to
statements as data), ``source`` (statements to compiled source, in chunks),
``cache`` (signatures and specializations by guard outcome).
"""
