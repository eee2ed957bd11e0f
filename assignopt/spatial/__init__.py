"""Spatial side: districts of neighborhood polygons and schools, distances, transport assignment.

geopandas lives here, at the edge; the assignment core (:mod:`assignopt.spatial.transport`)
works on numpy arrays.
"""
