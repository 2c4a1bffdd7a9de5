"""jit's machinery: the program read from a tape, passes, lowering, the cache.

Nothing here is public; ``tapegrad.jit`` uses it. Each module has one
concern: ``program`` (records, inputs, outputs, guards, read from a
``Tape``), ``passes`` (each a function from program to program), ``lower``
(a program to Python source, a spelling per primitive), ``cache``
(signatures and specializations by guard outcome).
"""
