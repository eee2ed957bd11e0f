"""Spatial side: districts of neighborhood polygons and schools, distances, transport assignment.

geopandas lives here, at the edge (:mod:`~assignopt.spatial.district`,
:mod:`~assignopt.spatial.distance`, :mod:`~assignopt.spatial.output`); the assignment core
works on numpy arrays: the problem type (:mod:`~assignopt.spatial.problem`), the solver
backends registered by name (:mod:`~assignopt.spatial.backends`) and the dispatcher that picks
one (:mod:`~assignopt.spatial.transport`).
"""
