"""What the cleaning workers' forkserver imports once, before it forks them.

Every worker would otherwise import trafilatura, lxml and the language model
itself (0.5-0.8 s of CPU and about 140 MB each). Forked from a process that
did it once, they start in milliseconds and share those pages until they
write them. ``gc.freeze`` moves what was loaded out of the collector's reach,
so a collection in a worker does not touch, and so copy, every shared page.
"""
import gc

from . import warm_worker

warm_worker()
gc.freeze()
