"""GPS virtual timing kernels on NumPy arrays: route geometry, chainage, timing-line crossings, TSD times."""

from .common import HUNDREDTH_US, NO_TIME, GeoError
from .route import Route
from .track import PreparedTrack, Track

__all__ = ["HUNDREDTH_US", "NO_TIME", "GeoError", "PreparedTrack", "Route", "Track"]
