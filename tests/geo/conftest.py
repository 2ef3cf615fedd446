import sys
from pathlib import Path

# Let the test modules import the shared synthetic-geometry helpers (geo_synth.py) in any import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))
