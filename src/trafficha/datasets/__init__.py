"""The dataset registry: one descriptor per KEC dataset (:class:`~trafficha.datasets.spec.Dataset`)
in a module of its own, and :data:`~trafficha.datasets.registry.DATASETS`, the tuple the pipeline
loops over. Typed handles for code that wants one dataset: ``await provider.fetch(ACCIDENTS)`` is
a ``list[Accident]`` (``from trafficha.datasets.registry import ACCIDENTS``, or ``trafficha``).

Nothing is imported here: the simulator's wire module uses :mod:`~trafficha.datasets.spec`, and
the dataset modules use it in turn.
"""

__all__: list[str] = []
